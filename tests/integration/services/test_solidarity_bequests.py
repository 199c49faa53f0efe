"""Bequests in a real solidarity container over the real broker and database.

The lifecycle through RPC with documents, replays, refusals (out of order 409, wrong
authority 403, out of sight 404, hostile documents 422 with nothing stored), the events on
``solidarity.events`` through the outbox, the overdue marking over the indexed due dates,
and the query plans of the hot reads.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from bson import ObjectId
from kombu import Connection, Exchange, Queue
from nameko.exceptions import RemoteError
from pymongo import MongoClient
from pymongo.database import Database

from common.clock import now
from common.context import CallerContext
from common.contracts.events import BEQUEST_STAGE_CHANGED, BequestStageChanged, parse_event
from common.explain import CommandRecorder, PlanKind, explain
from common.scope import Scope
from solidarity.adapters.bequests import MongoBequestDocuments, MongoBequestRepository
from solidarity.adapters.gifts import MongoGifts
from solidarity.app import bequests as cases
from solidarity.domain.bequests import Sight
from solidarity.reference import bequest_rules
from solidarity.service import SolidarityService
from tests.integration.services.conftest import AMQP_URI, MONGO_URI, PREFIX, eventually

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
RULES = bequest_rules({})


def person(role: str, area: str, user: str | None = None) -> CallerContext:
    return CallerContext(user_id=user or f"it-{role}-{uuid.uuid4().hex[:6]}", roles=(role,), area=area,
                         correlation_id=uuid.uuid4().hex)  # fmt: skip


@pytest.fixture
def db() -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI, tz_aware=True)
    yield client[f"{PREFIX}solidarity"]
    client.close()


@pytest.fixture
def events() -> Iterator[Callable[[], list[BequestStageChanged]]]:
    """A private queue on ``solidarity.events`` for bequest_stage_changed; returns a drain of the typed events."""
    exchange = Exchange("solidarity.events", type="topic", durable=True)
    queue = Queue(f"bequests-it-{uuid.uuid4().hex[:8]}", exchange, routing_key=BEQUEST_STAGE_CHANGED, auto_delete=False)
    connection = Connection(AMQP_URI)
    bound = queue(connection.default_channel)
    bound.declare()
    seen: list[BequestStageChanged] = []

    def drain() -> list[BequestStageChanged]:
        while (message := bound.get(no_ack=True)) is not None:
            seen.append(parse_event(message.decode(), BequestStageChanged).data)
        return seen

    yield drain
    bound.delete()
    connection.release()


@pytest.fixture
def solidarity(start_service: Any, rpc_as: Callable[[CallerContext], Any]) -> Callable[[CallerContext], Any]:
    start_service(SolidarityService)
    return lambda caller: rpc_as(caller).solidarity


def refusal(call: Callable[[], Any]) -> tuple[str, str]:
    """The error class and message of a refused call (the stable codes are checked through the gateway)."""
    with pytest.raises(RemoteError) as raised:
        call()
    return raised.value.exc_type, str(raised.value.value)


def walk_in(service: Any, area: str) -> str:
    """A walk-in donor registered by the staff of ``area``: the donor record a declaration names."""
    donor = {"kind": "person", "name": "Bienfaiteur de test", "area": area}
    return str(service.register_donor(donor, f"donor-{uuid.uuid4().hex}")["id"])


def attach(service: Any, bequest_id: str, kind: str = "will", content: bytes = PDF) -> dict[str, Any]:
    document = {"kind": kind, "filename": f"{kind}.pdf", "media_type": "application/pdf",
                "content": base64.b64encode(content).decode()}  # fmt: skip
    return service.attach_bequest_document(bequest_id, document, f"doc-{uuid.uuid4().hex}")


def test_the_lifecycle_over_the_real_stack_with_its_events(
    solidarity: Callable[[CallerContext], Any], db: Database[Any], events: Callable[[], list[BequestStageChanged]]
) -> None:
    agent, director = person("wilaya-agent", "/DZ/16"), person("wilaya-director", "/DZ/16")
    body = {
        "donor_id": walk_in(solidarity(agent), "/DZ/16"),
        "area": "/DZ/16",
        "declared_value": {"amount": "3000000"},
        "description": "Un F3",
    }
    declared = solidarity(agent).declare_bequest(body, "declare-it-1")
    assert solidarity(agent).declare_bequest(body, "declare-it-1")["id"] == declared["id"]  # a replay answers the first
    bequest_id = declared["id"]
    assert (declared["state"], declared["authority"], declared["allowed_steps"]) == (
        "declared", "wilaya-director", ["notify", "revoke"])  # fmt: skip

    will = attach(solidarity(agent), bequest_id)
    notified = solidarity(agent).take_bequest_step(bequest_id, "notify", {"documents": [will["id"]]}, "notify-it-1")
    again = solidarity(agent).take_bequest_step(bequest_id, "notify", {"documents": [will["id"]]}, "notify-it-1")
    assert again["version"] == notified["version"] == 2 and notified["due_on"] == str(now().date() + timedelta(days=60))

    decision = attach(solidarity(agent), bequest_id, "acceptance_decision")
    wrong = person("cell-coordinator", "/DZ/16/1601")
    national = solidarity(person("national-officer", "/DZ"))
    accept = {"documents": [decision["id"]]}
    exc_type, details = refusal(lambda: national.take_bequest_step(bequest_id, "accept", accept, "accept-wrong-1"))
    assert (exc_type, details) == ("Forbidden", "another authority decides on a bequest of this value")
    assert refusal(lambda: solidarity(wrong).get_bequest(bequest_id))[0] == "NotFound"  # another commune's cell
    accepted = solidarity(director).take_bequest_step(
        bequest_id, "accept", {"documents": [decision["id"]], "charges": ["Entretien de la tombe"]}, "accept-it-1"
    )
    assert (accepted["state"], accepted["decided_by_authority"]) == ("accepted", "wilaya-director")
    out_of_order = refusal(lambda: solidarity(agent).take_bequest_step(bequest_id, "close", {}, "close-early-1"))
    assert out_of_order == ("InvalidTransition", "a accepted bequest cannot take the step close")

    report = attach(solidarity(agent), bequest_id, "valuation_report")
    solidarity(agent).take_bequest_step(
        bequest_id, "value", {"documents": [report["id"]], "valuation": {"amount": "3100000"}}, "value-it-1"
    )
    deed = attach(solidarity(agent), bequest_id, "deed")
    realise = {"documents": [deed["id"]], "realisation": "cash", "amount": {"amount": "3050000.50"}}
    solidarity(agent).take_bequest_step(bequest_id, "realise", realise, "realise-it-1")
    closed = solidarity(agent).take_bequest_step(bequest_id, "close", {}, "close-it-1")
    assert closed["state"] == "closed" and closed["realised"] == {"amount": "3050000.50", "currency": "DZD"}
    assert [h["step"] for h in closed["history"]] == ["declare", "notify", "accept", "value", "realise", "close"]

    listed = solidarity(director).list_bequest_documents(bequest_id)
    assert {d["kind"]: d["steps"] for d in listed} == {"will": ["notify"], "acceptance_decision": ["accept"],
                                                      "valuation_report": ["value"], "deed": ["realise"]}  # fmt: skip
    fetched = solidarity(person("auditor", "/DZ")).get_bequest_document(bequest_id, will["id"])
    assert base64.b64decode(fetched["content"]) == PDF and fetched["media_type"] == "application/pdf"

    steps = eventually(lambda: [e.step for e in events() if e.bequest_id == bequest_id] if len(events()) >= 6 else None)
    assert steps == ["declare", "notify", "accept", "value", "realise", "close"]
    assert all(e.area == "/DZ/16" for e in events())
    realised = next(e for e in events() if e.step == "realise")
    assert (realised.realisation, realised.amount_minor, realised.currency) == ("cash", 305000050, "DZD")
    stored = eventually(lambda: db.bequests.find_one({"_id": ObjectId(bequest_id), "_outbox": []}))
    assert stored["version"] == 6 and stored["history"][1]["key"].endswith("|notify-it-1")  # the relay drained it

    # the cash realisation becomes one unrestricted gift of the donor (the service's timer may have run already)
    cases.record_cash_gifts(MongoBequestRepository(db), MongoGifts(db))
    cases.record_cash_gifts(MongoBequestRepository(db), MongoGifts(db))
    [gift] = db.gifts.find({"payment_reference": f"LEG-{bequest_id.upper()}"})
    assert (gift["donor_id"], gift["area"], gift["campaign_id"]) == (body["donor_id"], "/DZ/16", None)
    assert gift["cash"]["amount_minor"] == 305000050 and gift["state"] == "recorded"
    marked = db.bequests.find_one({"_id": ObjectId(bequest_id)})
    assert marked is not None and marked["gift_id"] == str(gift["_id"]) and "gift_pending" not in marked


def test_hostile_documents_are_refused_and_nothing_is_stored(
    solidarity: Callable[[CallerContext], Any], db: Database[Any]
) -> None:
    agent = person("wilaya-agent", "/DZ/31")
    body = {
        "donor_id": walk_in(solidarity(agent), "/DZ/31"),
        "area": "/DZ/31",
        "declared_value": {"amount": "100"},
        "description": "Des meubles",
    }
    bequest_id = solidarity(agent).declare_bequest(body, "declare-it-2")["id"]
    for content, message in [
        (b"MZ\x90\x00\x03 not a pdf", "a document is a PDF, a JPEG or a PNG file"),
        (b"%PDF-1.4\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>", "a PDF with scripts, actions"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "the file is not of the type it was sent as"),
    ]:
        exc_type, text = refusal(partial(attach, solidarity(agent), bequest_id, "will", content))
        assert exc_type == "ValidationFailed" and text.startswith(message)
    assert db.bequest_documents.count_documents({"bequest_id": bequest_id}) == 0
    assert refusal(lambda: attach(solidarity(person("wilaya-agent", "/DZ/16")), bequest_id))[0] == "NotFound"


def test_overdue_steps_are_marked_once_over_the_indexed_due_dates(
    solidarity: Callable[[CallerContext], Any], db: Database[Any], events: Callable[[], list[BequestStageChanged]]
) -> None:
    agent = person("cell-coordinator", "/DZ/16/1602")
    body = {
        "donor_id": walk_in(solidarity(agent), "/DZ/16/1602"),
        "area": "/DZ/16/1602",
        "declared_value": {"amount": "1000"},
        "description": "Un terrain",
    }
    bequest_id = solidarity(agent).declare_bequest(body, "declare-it-3")["id"]
    will = attach(solidarity(agent), bequest_id)
    notified = solidarity(agent).take_bequest_step(bequest_id, "notify", {"documents": [will["id"]]}, "notify-it-3")
    store = MongoBequestRepository(db)
    late = now().date() + timedelta(days=61)
    assert cases.mark_overdue(store, RULES, late) >= 1
    assert cases.mark_overdue(store, RULES, late) == 0  # announced once
    seen = solidarity(agent).get_bequest(bequest_id)
    assert seen["overdue"] is True and seen["due_on"] == notified["due_on"]
    assert solidarity(agent).count_bequests({"overdue": True}) == {"count": 1}
    marked = eventually(lambda: [e for e in events() if e.bequest_id == bequest_id and e.step == "overdue"])
    assert len(marked) == 1 and marked[0].overdue and marked[0].to_state == "notified"


def test_the_hot_reads_are_planned_through_an_index(db: Database[Any]) -> None:
    recorder = CommandRecorder()
    client: MongoClient[Any] = MongoClient(MONGO_URI, event_listeners=[recorder], tz_aware=True)
    database = client[db.name]
    MongoBequestRepository.ensure_indexes(database)
    MongoBequestDocuments.ensure_indexes(database)
    store, documents = MongoBequestRepository(database), MongoBequestDocuments(database)
    reads: list[Callable[[], object]] = [
        lambda: store.search(Sight(scope=Scope("/DZ/16")), "declared", None, None, 50),
        lambda: store.count(Sight(scope=Scope("/DZ/16/1601")), None, None),
        lambda: store.search(Sight(donor_user_id="donor-x"), None, None, None, 50),
        lambda: store.due_before(now().date(), 100),
        lambda: store.awaiting_gift(500),  # the cash realisations' timer
        lambda: documents.of_bequest("0" * 24),
    ]
    for read in reads:
        recorder.take()
        read()
        for recorded in recorder.take():
            plan = explain(database, recorded.command)
            assert plan.kind == PlanKind.INDEX, f"{recorded.command}: {plan}"
    client.close()
