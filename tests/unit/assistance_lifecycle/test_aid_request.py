"""The aid request aggregate and the approval use case, without nameko or a database.

The use case runs over in-memory ports: requests are a dict by id, and a scope keeps the
requests whose area it contains (``Scope.contains``), as the Mongo adapter's filter does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from assistance.app import aid_requests as aid
from assistance.app.ports import AidDesk
from assistance.domain import double_aid
from assistance.domain.aid_request import AidRequest, Change, Decision
from assistance.domain.lifecycle import GRANTED
from common import policy
from common.context import CallerContext
from common.contracts.aid import AidMotiveIn
from common.contracts.events import AidDecided, Event
from common.contracts.facts import HouseholdFacts
from common.errors import Conflict, Forbidden, InvalidTransition, NotFound
from common.idempotency import KeyedRequest
from common.scope import Scope

COMMUNE = "/DZ/16/1601"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def facts(household_id: str = "h1", area: str = COMMUNE, related: tuple[str, ...] = ()) -> HouseholdFacts:
    return HouseholdFacts.model_validate(
        {
            "household_id": household_id,
            "area": area,
            "status": "active",
            "as_of": "2026-03-01",
            "members_count": 3,
            "members": [],
            "categories": [],
            "assessed": False,
            "related_households": list(related),
        }
    )


def proposed(request_id: str = "r1", household_id: str = "h1", area: str = COMMUNE) -> AidRequest:
    """A request as the repository would read it after a grant was proposed."""
    request, _ = AidRequest.receive(
        request_id,
        facts(household_id, area),
        {"code": "afs", "need": "income_support", "benefit_type": "cash"},
        "walk_in",
        None,
        "agent",
        AT,
        {"idempotency_key": f"agent:{request_id}"},
        f"agent:{request_id}",
    )
    proposal = {"by": "worker", "at": AT, "decision": "grant", "period": "2026-03", "amount_dzd": 12000}
    return replace(request, state="proposed", stored={**request.stored, "proposal": proposal, "version": 3})


class Requests:
    """The AidRequests port as a dict by id; writes are guarded on the version read, as the adapter's."""

    def __init__(self, *requests: AidRequest) -> None:
        self.rows = {request.id: request for request in requests}
        self.events: list[Event] = []

    def new_id(self) -> str:
        return f"r{len(self.rows) + 1}"

    def create(self, request: AidRequest, events: list[Event]) -> tuple[AidRequest, bool]:
        self.rows[request.id] = request
        self.events += events
        return request, True

    def get(self, request_id: str) -> AidRequest | None:
        return self.rows.get(request_id)

    def by_key(self, idempotency_key: str) -> AidRequest | None:
        return next((r for r in self.rows.values() if r.stored.get("idempotency_key") == idempotency_key), None)

    def search(self, scope: Scope, filters: dict[str, Any], after: str | None, limit: int) -> list[AidRequest]:
        return [r for r in self.rows.values() if scope.contains(r.area)][:limit]

    def apply(
        self, request: AidRequest, step: str, key: KeyedRequest | str, user_id: str, change: Change
    ) -> AidRequest | None:
        current = self.rows[request.id]
        if (current.state, current.version) != (request.state, request.version):
            return None
        entry = {"key": key.scoped if isinstance(key, KeyedRequest) else key, "step": step, "by": user_id}
        stored = {**current.stored, **change.set, "version": current.version + 1}
        stored["history"] = [*current.history, entry]
        self.rows[request.id] = replace(current, state=change.state, stored=stored)
        self.events += change.events
        return self.rows[request.id]

    def grants(self, household_ids: Any, need: str) -> list[dict[str, Any]]:
        wanted = set(household_ids)
        return [
            {
                "id": r.id,
                "household_id": r.household_id,
                "programme": r.programme,
                "need": r.need,
                "period": r.period,
            }
            for r in self.rows.values()
            if r.household_id in wanted and r.need == need and r.state in GRANTED
        ]

    def in_state(self, scope: Scope, state: str, benefit_type: str) -> list[AidRequest]:
        return [r for r in self.rows.values() if scope.contains(r.area) and r.state == state]

    def set_fields(self, request_id: str, guard: dict[str, Any], values: dict[str, Any]) -> bool:
        return False

    def overdue_regularisations(self, at: datetime) -> list[AidRequest]:
        return []

    def escalate(self, request: AidRequest, level: int, escalated_to: str, next_at: Any, event: Event) -> bool:
        return False


class Cover:
    def __init__(self) -> None:
        self.claims: dict[str, str] = {}

    def claim(self, request_id: str, keys: list[str]) -> list[str]:
        taken = [self.claims[key] for key in keys if self.claims.get(key, request_id) != request_id]
        if taken:
            return taken[:1]
        self.claims.update(dict.fromkeys(keys, request_id))
        return []

    def release(self, request_id: str) -> int:
        mine = [key for key, holder in self.claims.items() if holder == request_id]
        for key in mine:
            del self.claims[key]
        return len(mine)


class Budgets:
    def __init__(self) -> None:
        self.committed: dict[str, int] = {}

    def get(self, code: str) -> dict[str, Any] | None:
        return {"code": code, "area": "/DZ", "active": True}

    def commit(self, programme_code: str, area: str, period: str, amount_dzd: int, request_id: str) -> None:
        self.committed[request_id] = amount_dzd

    def release(self, request_id: str) -> None:
        self.committed.pop(request_id, None)

    def spend(self, request_id: str) -> None: ...


class Rules:
    def __init__(self, policy_: str = "refuse") -> None:
        self.policy = policy_

    def double_aid_policy(self, need: str) -> str:
        return self.policy


def desk(requests: Requests, rules: str = "refuse", related: tuple[str, ...] = ()) -> AidDesk:
    return AidDesk(
        requests=requests,
        cover=Cover(),
        programmes=Budgets(),
        facts=lambda household_id: facts(household_id, related=related),
        rules=Rules(rules),
    )


def checker(user: str = "coordinator", area: str = COMMUNE) -> CallerContext:
    return CallerContext(user_id=user, roles=(policy.CELL_COORDINATOR,), area=area, correlation_id="c")


MOTIVE = AidMotiveIn(motive="Dossier vu")
KEY = "approve-key-1"


def test_the_document_reads_back_as_it_was_stored() -> None:
    request = proposed()
    assert AidRequest.from_document({**request.document(), "_id": "r1"}).document() == request.document()
    assert list(request.document())[:4] == ["_id", "household_id", "area", "area_ancestors"]


def test_approval_reads_entrypoint_use_case_domain_guarded_save() -> None:
    requests = Requests(proposed())
    ports = desk(requests)
    approved = aid.approve(ports, checker(), "r1", MOTIVE, KEY)
    assert approved.state == "approved"
    decision = approved.decision
    assert decision == Decision(
        by="coordinator",
        at=decision.at if decision else AT,
        decision="grant",
        amount_dzd=12000,
        period="2026-03",
        motive="Dossier vu",
        authority_role=policy.CELL_COORDINATOR,
        authority_area=COMMUNE,
    )
    assert [type(event) for event in requests.events] == [AidDecided]
    assert ports.programmes.committed == {"r1": 12000}  # type: ignore[attr-defined]


def test_the_same_key_replays_the_approval() -> None:
    requests = Requests(proposed())
    ports = desk(requests)
    first = aid.approve(ports, checker(), "r1", MOTIVE, KEY)
    assert aid.approve(ports, checker(), "r1", MOTIVE, KEY) == first
    assert len(requests.events) == 1


def test_a_maker_never_approves_and_nothing_is_held() -> None:
    ports = desk(Requests(proposed()))
    with pytest.raises(Forbidden):
        aid.approve(ports, checker(user="worker"), "r1", MOTIVE, KEY)
    assert ports.programmes.committed == {}  # type: ignore[attr-defined]


def test_outside_the_area_the_request_does_not_exist() -> None:
    ports = desk(Requests(proposed()))
    with pytest.raises(NotFound):
        aid.approve(ports, checker(area="/DZ/31/3101"), "r1", MOTIVE, KEY)


def test_a_related_grant_of_the_same_need_refuses_the_approval() -> None:
    granted = replace(proposed("r0", household_id="h0", area="/DZ/31/3101"), state="approved")
    requests = Requests(granted, proposed())
    ports = desk(requests, related=("h0",))
    with pytest.raises(Conflict) as refused:
        aid.approve(ports, checker(), "r1", MOTIVE, KEY)
    assert refused.value.details["reason"] == "double_aid"
    assert requests.get("r1").state == "proposed"  # type: ignore[union-attr]
    assert ports.cover.claims == {} and ports.programmes.committed == {}  # type: ignore[attr-defined]


def test_a_flag_policy_grants_and_flags() -> None:
    granted = replace(proposed("r0", household_id="h0"), state="approved")
    requests = Requests(granted, proposed())
    approved = aid.approve(desk(requests, rules="flag", related=("h0",)), checker(), "r1", MOTIVE, KEY)
    assert approved.decision is not None and approved.decision.double_aid_flagged
    event = requests.events[-1]
    assert isinstance(event, AidDecided) and event.double_aid_flagged


def test_a_proposed_refusal_is_not_approved() -> None:
    request = proposed()
    refusal = replace(
        request, stored={**request.stored, "proposal": {**request.stored["proposal"], "decision": "refuse"}}
    )
    with pytest.raises(InvalidTransition):
        aid.approve(desk(Requests(refusal)), checker(), "r1", MOTIVE, KEY)


def test_the_double_aid_verdict_is_pure() -> None:
    grants = [{"id": "r0", "household_id": "h0", "programme": "afs-31", "need": "income_support", "period": "2026"}]
    verdict = double_aid.verdict(grants, "2026-03", {"h1"}, "r1", "refuse", offered=lambda code: False)
    assert verdict.refused
    assert verdict.findings == [{"need": "income_support", "period": "2026", "related": True}]  # programme unnamed
