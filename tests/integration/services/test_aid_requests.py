"""Aid requests over the real broker and database: the registry and assistance services running.

Full lifecycle with its events, maker-checker, invalid transitions, idempotency (the same
key, and the same RPC message delivered twice), no double aid across wilayas, urgent aid
escalated when its regularisation is late, and decision letters in both languages.
"""

from __future__ import annotations

import base64
import io
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from kombu import Connection, Exchange, Producer
from nameko.exceptions import RemoteError
from pypdf import PdfReader

from assistance.service import AssistanceService
from common.context import CallerContext
from common.protocol import RPC_EXCHANGE, context_headers, decode_reply, encode_request, event_exchange
from registry.service import RegistryService
from tests.integration.services.conftest import AMQP_URI, eventually, new_commune
from tests.integration.strangers import stranger_birth_date, stranger_name

NIN_PREFIX = "1"
YEAR = str(datetime.now(UTC).year)
MONTH = datetime.now(UTC).strftime("%Y-%m")


@pytest.fixture
def config(config: dict[str, Any]) -> dict[str, Any]:
    """Regularisations due at once and escalated every half second, so escalation shows in a test."""
    settings = {"regularisation_days": 0, "escalation_step_days": 0, "escalation_interval_seconds": 0.5}
    return {**config, "AID_SETTINGS": settings}


def as_user(user: str, area: str, *roles: str) -> CallerContext:
    return CallerContext(user_id=user, roles=roles, area=area, correlation_id=uuid.uuid4().hex)


def wilaya_of(area: str) -> str:
    return "/".join(area.split("/")[:3])


class EventTap:
    """An exclusive queue bound to ``assistance.events``: every event the service publishes, in order."""

    def __init__(self) -> None:
        self.connection = Connection(AMQP_URI)
        self.channel = self.connection.channel()
        self.queue = f"it-aid-events-{uuid.uuid4().hex[:8]}"
        self.channel.queue_declare(self.queue, exclusive=True)
        self.channel.queue_bind(self.queue, event_exchange("assistance"), "#")
        self.seen: list[dict[str, Any]] = []

    def drain(self) -> list[dict[str, Any]]:
        while (message := self.channel.basic_get(self.queue, no_ack=True)) is not None:
            self.seen.append(json.loads(message.body))
        return self.seen

    def of(self, request_id: str) -> list[str]:
        return [e["event_type"] for e in self.drain() if e["data"].get("request_id") == request_id]

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def tap() -> Iterator[EventTap]:
    events = EventTap()
    yield events
    events.close()


@pytest.fixture
def services(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)
    start_service(AssistanceService)


@pytest.fixture
def programme(services: None, rpc_as: Callable[[CallerContext], Any]) -> str:
    """A national cash programme of its own per test: one rule any household meets, a budget for the year."""
    officer = rpc_as(as_user("officer", "/DZ", "national-officer")).assistance
    code = f"it-{uuid.uuid4().hex[:10]}"
    officer.create_programme(
        {
            "code": code,
            "name_fr": "Allocation de test",
            "name_ar": "منحة تجريبية",
            "benefit_type": "cash",
            "need": "income_support",
            "period_kind": "yearly",
            "formula": {"base_dzd": 12000},
        }
    )
    officer.publish_rules(
        code,
        {
            "version": 1,
            "activated_at": datetime.now(UTC).isoformat(),
            "criteria": [
                {
                    "id": "one_member",
                    "kind": "members_between",
                    "label_fr": "Au moins un membre",
                    "label_ar": "فرد واحد على الأقل",
                    "min_members": 1,
                }
            ],
        },
    )
    officer.set_budget(code, "/DZ", YEAR, 10_000_000)
    officer.set_budget("urgent-aid", "/DZ", YEAR, 10_000_000)
    return code


def registered(rpc_as: Callable[[CallerContext], Any], area: str, national_id: str | None = None) -> str:
    member: dict[str, Any] = {  # nobody else in the registry resembles this person (no duplicate review)
        "given_name_lat": stranger_name(),
        "family_name_lat": stranger_name(),
        "sex": "F",
        "birth_date": stranger_birth_date(),
        "relationship": "head",
    }
    if national_id:
        member["national_id"] = national_id
    registry = rpc_as(as_user(f"registrar-{area}", area, "social-worker")).registry
    household = {"area": area, "address": "Cité 200 logements, bloc C", "members": [member]}
    return str(registry.register_household(household, uuid.uuid4().hex)["id"])


def request_for(rpc_as: Callable[[CallerContext], Any], area: str, household: str, programme: str) -> dict[str, Any]:
    agent = rpc_as(as_user("agent", area, "social-worker")).assistance
    body = {"household_id": household, "area": area, "programme": programme, "channel": "walk_in",
            "reason": "Perte de revenu"}  # fmt: skip
    return dict(agent.create_aid_request(body, uuid.uuid4().hex))


def proposed(rpc_as: Callable[[CallerContext], Any], area: str, household: str, programme: str) -> dict[str, Any]:
    request = request_for(rpc_as, area, household, programme)
    worker = rpc_as(as_user("worker", area, "social-worker")).assistance
    worker.diagnose_aid_request(request["id"], {"notes": "Visite à domicile"}, uuid.uuid4().hex)
    checked = worker.check_aid_eligibility(request["id"], uuid.uuid4().hex)
    assert checked["eligibility"]["eligible"] and checked["eligibility"]["amount_dzd"] == 12000
    proposal = {"decision": "grant", "motive": "Éligible", "period": YEAR,
                "payment_point": {"kind": "ccp", "ref": "0012345678 45"}}  # fmt: skip
    return dict(worker.propose_aid_decision(request["id"], proposal, uuid.uuid4().hex))


def test_full_lifecycle_with_its_events(programme: str, rpc_as: Callable[[CallerContext], Any], tap: EventTap) -> None:
    area = new_commune()
    household = registered(rpc_as, area)
    request = proposed(rpc_as, area, household, programme)
    coordinator = rpc_as(as_user("coordinator", area, "cell-coordinator")).assistance
    approved = coordinator.approve_aid_request(request["id"], {"motive": "Dossier complet"}, uuid.uuid4().hex)
    assert approved["state"] == "approved" and approved["decision"]["authority_role"] == "cell-coordinator"

    wilaya = wilaya_of(area)
    agent = rpc_as(as_user("agent.w", wilaya, "wilaya-agent")).assistance
    built = agent.build_payment_list(MONTH, wilaya)
    (listed,) = [lst for lst in built["lists"] if any(p["request_id"] == request["id"] for p in lst["payments"])]
    (payment,) = [p for p in listed["payments"] if p["request_id"] == request["id"]]
    assert payment["account"] == "001234567845" and payment["amount_dzd"] == 12000
    assert agent.send_payment_list(listed["id"])["status"] == "sent"
    csv = f"reference,status,paid_at\n{payment['reference']},paid,{datetime.now(UTC).isoformat()}\n"
    report = agent.reconcile_payments(csv, uuid.uuid4().hex)
    assert report["paid"] == 1 and report["unknown_references"] == []

    worker = rpc_as(as_user("worker", area, "social-worker")).assistance
    visit = {
        "visited_on": datetime.now(UTC).date().isoformat(),
        "situation": "improved",
        "notes": "Situation meilleure",
    }
    worker.record_follow_up_visit(request["id"], visit, uuid.uuid4().hex)
    closed = worker.close_aid_request(request["id"], {"motive": "Suivi terminé"}, uuid.uuid4().hex)
    assert closed["state"] == "closed"
    assert [h["to_state"] for h in closed["history"]] == [
        "received", "diagnosed", "checked", "proposed", "approved", "disbursement_pending", "disbursed",
        "follow_up", "closed",
    ]  # fmt: skip
    assert eventually(lambda: tap.of(request["id"]) == ["aid_requested", "aid_decided", "aid_disbursed"])
    budget = rpc_as(as_user("officer", "/DZ", "national-officer")).assistance.get_budget(programme, "/DZ", YEAR)
    assert budget["spent_dzd"] == 12000 and budget["committed_dzd"] == 0


def test_maker_cannot_approve_and_steps_out_of_order_are_refused(
    programme: str, rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    request = request_for(rpc_as, area, registered(rpc_as, area), programme)
    coordinator = rpc_as(as_user("coordinator", area, "cell-coordinator")).assistance
    with pytest.raises(RemoteError) as early:
        coordinator.approve_aid_request(request["id"], {"motive": "Trop tôt"}, uuid.uuid4().hex)
    assert early.value.exc_type == "InvalidTransition"

    request = proposed(rpc_as, area, registered(rpc_as, area), programme)
    proposer_as_checker = rpc_as(as_user("worker", area, "cell-coordinator")).assistance
    with pytest.raises(RemoteError) as maker:
        proposer_as_checker.approve_aid_request(request["id"], {"motive": "Par moi-même"}, uuid.uuid4().hex)
    assert maker.value.exc_type == "Forbidden"
    assert coordinator.get_aid_request(request["id"])["state"] == "proposed"


def test_the_same_key_twice_applies_once(programme: str, rpc_as: Callable[[CallerContext], Any]) -> None:
    area = new_commune()
    request = request_for(rpc_as, area, registered(rpc_as, area), programme)
    worker = rpc_as(as_user("worker", area, "social-worker")).assistance
    key = uuid.uuid4().hex
    first = worker.diagnose_aid_request(request["id"], {"notes": "Visite"}, key)
    second = worker.diagnose_aid_request(request["id"], {"notes": "Visite"}, key)
    assert first["history"] == second["history"]
    assert [h["step"] for h in second["history"]] == ["receive", "diagnose"]


def test_a_redelivered_rpc_message_is_applied_once(programme: str, rpc_as: Callable[[CallerContext], Any]) -> None:
    """The same nameko request (same correlation id and idempotency key) published twice, as after a lost ack."""
    area = new_commune()
    request = request_for(rpc_as, area, registered(rpc_as, area), programme)
    caller = as_user("worker", area, "social-worker")
    key, correlation = uuid.uuid4().hex, uuid.uuid4().hex
    body = encode_request([request["id"], {"notes": "Visite"}, key], {})
    with Connection(AMQP_URI) as conn:
        channel = conn.channel()
        reply_queue = f"it-replies-{uuid.uuid4().hex[:8]}"
        channel.queue_declare(reply_queue, exclusive=True)
        channel.queue_bind(reply_queue, RPC_EXCHANGE, reply_queue)
        producer = Producer(channel)
        for _ in range(2):
            producer.publish(
                body,
                exchange=Exchange(RPC_EXCHANGE, type="topic", durable=True),
                routing_key="assistance.diagnose_aid_request",
                reply_to=reply_queue,
                correlation_id=correlation,
                headers=context_headers(caller.to_data()),
                content_type="application/json",
                content_encoding="utf-8",
            )
        replies: list[Any] = []
        deadline = time.monotonic() + 20
        while len(replies) < 2 and time.monotonic() < deadline:
            message = channel.basic_get(reply_queue, no_ack=True)
            if message is None:
                time.sleep(0.05)
                continue
            raw = message.body
            replies.append(decode_reply(raw if isinstance(raw, bytes) else raw.encode()))
    assert len(replies) == 2 and all(reply.error is None for reply in replies), replies
    stored = rpc_as(caller).assistance.get_aid_request(request["id"])
    assert [h["step"] for h in stored["history"]] == ["receive", "diagnose"]


def test_double_aid_is_refused_for_the_same_person_registered_in_another_wilaya(
    programme: str, rpc_as: Callable[[CallerContext], Any]
) -> None:
    here = new_commune()
    there = new_commune()
    while wilaya_of(there) == wilaya_of(here):
        there = new_commune()
    national_id = NIN_PREFIX + str(uuid.uuid4().int)[:17]
    elsewhere = registered(rpc_as, there, national_id)
    granted = proposed(rpc_as, there, elsewhere, programme)
    director = rpc_as(as_user("director", wilaya_of(there), "wilaya-director")).assistance
    director.approve_aid_request(granted["id"], {"motive": "Accordée"}, uuid.uuid4().hex)

    household = registered(rpc_as, here, national_id)  # the same person, registered again in another wilaya
    request = proposed(rpc_as, here, household, programme)
    assert request["proposal"]["double_aid"] == [
        {"programme": programme, "need": "income_support", "period": YEAR, "related": True}
    ]
    coordinator = rpc_as(as_user("coordinator", here, "cell-coordinator")).assistance
    with pytest.raises(RemoteError) as refused:
        coordinator.approve_aid_request(request["id"], {"motive": "Dossier complet"}, uuid.uuid4().hex)
    assert refused.value.exc_type == "Conflict"
    assert elsewhere not in str(refused.value.value) and wilaya_of(there) not in str(refused.value.value)
    assert coordinator.get_aid_request(request["id"])["state"] == "proposed"


def test_late_urgent_aid_is_escalated_once_per_level(
    programme: str, rpc_as: Callable[[CallerContext], Any], tap: EventTap
) -> None:
    area = new_commune()
    coordinator = rpc_as(as_user("coordinator", area, "cell-coordinator")).assistance
    grant = {"household_id": registered(rpc_as, area), "area": area, "amount_dzd": 20000, "reason": "Incendie",
             "motive": "Famille sans abri", "payment_point": {"kind": "post_office", "ref": "16001"}}  # fmt: skip
    with pytest.raises(RemoteError) as capped:
        coordinator.grant_urgent_aid({**grant, "amount_dzd": 30001}, uuid.uuid4().hex)
    assert capped.value.exc_type == "Forbidden"
    urgent = coordinator.grant_urgent_aid(grant, uuid.uuid4().hex)
    assert urgent["state"] == "approved" and urgent["urgent"] is True

    def overdue() -> list[dict[str, Any]]:
        # at-least-once delivery: a redelivered event keeps its event_id, and consumers drop it
        unique = {
            e["event_id"]: e["data"]
            for e in tap.drain()
            if e["event_type"] == "regularisation_overdue" and e["data"]["request_id"] == urgent["id"]
        }
        return list(unique.values())

    escalations = eventually(lambda: (found := overdue()) and len(found) >= 2 and found)
    time.sleep(2)  # several more timer ticks: nothing is escalated twice
    assert [(e["level"], e["escalated_to"]) for e in overdue()] == [(1, "wilaya"), (2, "ministry")]
    assert escalations[0]["area"] == area
    assert tap.of(urgent["id"])[:2] == ["urgent_aid_granted", "aid_decided"]
    task = coordinator.get_aid_request(urgent["id"])["regularisation"]
    assert (task["level"], task["escalated_to"], task["status"]) == (2, "ministry", "awaiting_diagnosis")


def test_decision_letters_in_arabic_and_french(programme: str, rpc_as: Callable[[CallerContext], Any]) -> None:
    area = new_commune()
    household = registered(rpc_as, area)
    request = proposed(rpc_as, area, household, programme)
    coordinator = rpc_as(as_user("coordinator", area, "cell-coordinator")).assistance
    coordinator.approve_aid_request(request["id"], {"motive": "Ménage sans revenu"}, uuid.uuid4().hex)
    expected = {
        "fr": ["DÉCISION D'OCTROI", "Allocation de test", "12 000 DA", "Ménage sans revenu", household],
        "ar": ["قرار", "منح", "تجريبية", "منسق", "دج", household],
    }
    for language, texts in expected.items():
        letter = coordinator.decision_letter(request["id"], language)
        pdf = base64.b64decode(letter["pdf_base64"])
        assert pdf.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(pdf))
        text = reader.pages[0].extract_text()
        for fragment in texts:
            assert fragment in text, (language, fragment)
        fonts = reader.pages[0]["/Resources"]["/Font"]
        assert any("DejaVuSans" in str(f.get_object()["/BaseFont"]) for f in fonts.values())
