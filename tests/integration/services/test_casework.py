"""Case work over the real broker and database: team, cases, caseload, visits planned, recorded and overdue."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import eventlet
import pytest
from nameko.exceptions import RemoteError

from assistance.app.casework import today
from assistance.service import AssistanceService
from common.context import CallerContext
from registry.service import RegistryService

_used: set[str] = set()


def new_cell() -> str:
    """A commune code of its own (``<wilaya><nn>``), so counts are exact whatever ran before."""
    while True:
        code = f"{random.randint(1, 48):02d}{random.randint(0, 99):02d}"
        if code not in _used:
            _used.add(code)
            return code


def as_user(user: str, area: str, *roles: str) -> CallerContext:
    return CallerContext(user_id=user, roles=roles, area=area, correlation_id=uuid.uuid4().hex)


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def household(area: str) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    head = {"given_name_lat": f"Karima{tag}", "family_name_lat": f"Test{tag}", "sex": "F", "relationship": "head"}
    return {"area": area, "address": "Douar El Kheng", "members": [{**head, "birth_year": 1980}]}


class Cell:
    def __init__(self, rpc_as: Callable[[CallerContext], Any]) -> None:
        self.code = new_cell()
        self.area = f"/DZ/{self.code[:2]}/{self.code}"
        self.coordinator = rpc_as(as_user("it-coordinator", self.area, "cell-coordinator"))
        self.worker = rpc_as(as_user("it-worker", self.area, "social-worker"))
        self.director = rpc_as(as_user("it-director", f"/DZ/{self.code[:2]}", "wilaya-director"))
        for user_id, discipline in (("it-psy", "psychologist"), ("it-as", "social_worker"), ("it-doc", "doctor")):
            member = {"user_id": user_id, "discipline": discipline, "active_from": day(-30)}
            self.coordinator.assistance.set_team_member(self.code, member)

    def open(self, lead: str = "it-as", team: list[str] | None = None) -> dict[str, Any]:
        registered = self.worker.registry.register_household(household(self.area), uuid.uuid4().hex)
        case = {"household_id": registered["id"], "lead": lead, "team": team or [], "goals": ["Insertion sociale"]}
        opened: dict[str, Any] = self.coordinator.assistance.open_case(case, uuid.uuid4().hex)
        return opened

    def plan(self, case_id: str, offset: int) -> dict[str, Any]:
        visit = {"planned_for": day(offset), "purpose": "Visite de suivi"}
        planned: dict[str, Any] = self.worker.assistance.plan_visit(case_id, visit, uuid.uuid4().hex)
        return planned


@pytest.fixture
def services(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)
    start_service(AssistanceService)


def test_caseload_against_the_soft_limit(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    cell = Cell(rpc_as)
    assert [m["user_id"] for m in cell.director.assistance.list_team(cell.code)] == ["it-as", "it-doc", "it-psy"]
    cell.coordinator.assistance.set_caseload_limit(cell.code, 2)
    opened = [cell.open(team=["it-psy"]), cell.open(), cell.open(lead="it-doc", team=["it-as"])]
    assert [c["warnings"] for c in opened[:2]] == [[], []]
    assert opened[2]["warnings"] == [
        {"code": "caseload_above_soft_limit", "user_id": "it-as", "open_cases": 3, "soft_limit": 2}
    ]
    load = cell.director.assistance.caseload(cell.code)
    by_user = {w["user_id"]: (w["open_cases"], w["leading"], w["above_soft_limit"]) for w in load["workers"]}
    assert load["open_cases"] == 3
    assert by_user == {"it-as": (3, 2, True), "it-doc": (1, 1, False), "it-psy": (1, 0, False)}

    with pytest.raises(RemoteError) as twice:  # one open case per household
        cell.coordinator.assistance.open_case(
            {"household_id": opened[0]["household_id"], "lead": "it-as", "goals": ["Encore"]}, uuid.uuid4().hex
        )
    assert twice.value.exc_type == "Conflict"
    other_wilaya = rpc_as(as_user("it-other", "/DZ/99", "wilaya-director")).assistance
    with pytest.raises(RemoteError) as hidden:
        other_wilaya.caseload(cell.code)
    assert hidden.value.exc_type == "NotFound"
    with pytest.raises(RemoteError) as not_theirs:
        cell.worker.assistance.set_team_member(
            cell.code, {"user_id": "x", "discipline": "doctor", "active_from": day(0)}
        )
    assert not_theirs.value.exc_type == "Forbidden"


def test_visits_planned_recorded_and_overdue(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    cell = Cell(rpc_as)
    case, other = cell.open(team=["it-doc"]), cell.open()
    late, later = cell.plan(case["id"], -4), cell.plan(case["id"], -1)
    cell.plan(case["id"], 0)
    elsewhere = cell.plan(other["id"], -2)

    overdue = cell.coordinator.assistance.overdue_visits(cell.code)
    assert [(v["id"], v["days_overdue"]) for v in overdue] == [(late["id"], 4), (elsewhere["id"], 2), (later["id"], 1)]

    record = {"visited_on": day(-3), "outcome": "Famille rencontrée, dossier AFS à compléter"}
    key = uuid.uuid4().hex
    recorded = cell.worker.assistance.record_visit(case["id"], late["id"], record, key)
    assert recorded["status"] == "recorded" and recorded["visited_on"] == day(-3)
    assert cell.worker.assistance.record_visit(case["id"], late["id"], record, key) == recorded
    with pytest.raises(RemoteError) as again:
        cell.worker.assistance.record_visit(case["id"], late["id"], record, uuid.uuid4().hex)
    assert again.value.exc_type == "InvalidTransition"

    closed = cell.coordinator.assistance.close_case(other["id"], {"note": "Orientée vers un foyer"}, uuid.uuid4().hex)
    assert closed["status"] == "closed"
    assert [v["id"] for v in cell.worker.assistance.overdue_visits(cell.code)] == [later["id"]]
    with pytest.raises(RemoteError) as cancelled:
        cell.worker.assistance.record_visit(other["id"], elsewhere["id"], record, uuid.uuid4().hex)
    assert cancelled.value.exc_type == "InvalidTransition"


def test_racing_records_of_one_visit_record_it_once(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    cell = Cell(rpc_as)
    case = cell.open()
    visit = cell.plan(case["id"], -1)
    workers = [rpc_as(as_user(f"it-worker-{n}", cell.area, "social-worker")).assistance for n in range(4)]

    def record(worker: Any, n: int) -> Any:
        body = {"visited_on": day(0), "outcome": f"Compte rendu {n}"}
        try:
            return worker.record_visit(case["id"], visit["id"], body, f"race-{n}-{visit['id']}")
        except RemoteError as exc:
            return exc.exc_type

    threads = [eventlet.spawn(record, worker, n) for n, worker in enumerate(workers)]
    outcomes = [thread.wait() for thread in threads]
    won = [(n, o) for n, o in enumerate(outcomes) if isinstance(o, dict)]
    assert len(won) == 1 and sorted(o for o in outcomes if not isinstance(o, dict)) == ["InvalidTransition"] * 3
    (n, winner), body = won[0], {"visited_on": day(0), "outcome": f"Compte rendu {won[0][0]}"}
    assert winner["outcome"] == f"Compte rendu {n}"
    assert workers[n].record_visit(case["id"], visit["id"], body, f"race-{n}-{visit['id']}") == winner  # its replay
