"""Case work of the proximity cells: team, cases, caseload and its soft limit, visit plans, overdue visits.

The repository is the Mongo one over mongomock; the registry is a fake answering household
facts inside the caller's area.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import mongomock
import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import worker_factory

from assistance.adapters.casework import MongoCaseworkRepository
from assistance.app.casework import today
from assistance.service import AssistanceService
from common import areas
from common.context import CallerContext
from common.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed

HOUSEHOLDS = {f"{n:024x}": "/DZ/16/1601" for n in range(1, 6)} | {f"{99:024x}": "/DZ/16/1602"}
FIRST, SECOND, THIRD = (f"{n:024x}" for n in range(1, 4))
NEIGHBOUR = f"{99:024x}"


class FakeRegistry:
    def __init__(self, caller: CallerContext | None) -> None:
        self.caller = caller

    def household_facts(self, household_id: str) -> dict[str, Any]:
        area = HOUSEHOLDS.get(household_id)
        if area is None or self.caller is None or not areas.contains(self.caller.area, area):
            raise RemoteError("NotFound", "household not found")
        return {"household_id": household_id, "area": area, "members": [{"person_key": f"{household_id}:0"}]}


def user(name: str, area: str, *roles: str) -> CallerContext:
    return CallerContext(user_id=name, roles=roles, area=area, correlation_id="c-1")


COORDINATOR = user("coordinator-1601", "/DZ/16/1601", "cell-coordinator")
WORKER = user("worker-1601", "/DZ/16/1601", "social-worker")
NEIGHBOUR_COORDINATOR = user("coordinator-1602", "/DZ/16/1602", "cell-coordinator")
DIRECTOR_16 = user("director-16", "/DZ/16", "wilaya-director")
DIRECTOR_31 = user("director-31", "/DZ/31", "wilaya-director")


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


class Cell:
    """Commune 1601's cell with a doctor, a psychologist and a social worker; one member has left."""

    def __init__(self) -> None:
        database = mongomock.MongoClient(tz_aware=True)[f"assistance_{uuid.uuid4().hex[:6]}"]
        MongoCaseworkRepository.ensure_indexes(database)
        self.repo = MongoCaseworkRepository(database)
        self.database = database
        for user_id, discipline in (
            ("dr-amrani", "doctor"),
            ("psy-kaci", "psychologist"),
            ("as-lounis", "social_worker"),
        ):
            self.as_(COORDINATOR).set_team_member(
                "1601", {"user_id": user_id, "discipline": discipline, "active_from": day(-100)}
            )
        self.as_(COORDINATOR).set_team_member(
            "1601",
            {"user_id": "jur-hamdi", "discipline": "legal_adviser", "active_from": day(-100), "active_until": day(-1)},
        )

    def as_(self, caller: CallerContext) -> Any:
        return worker_factory(AssistanceService, casework=self.repo, registry=FakeRegistry(caller), caller=caller)

    def open(self, household: str = FIRST, lead: str = "as-lounis", team: list[str] | None = None) -> Any:
        case = {"household_id": household, "lead": lead, "team": team or [], "goals": ["Accès aux soins"]}
        return self.as_(COORDINATOR).open_case(case, uuid.uuid4().hex)

    def plan(self, case_id: str, offset: int, caller: CallerContext = WORKER, **extra: Any) -> Any:
        visit = {"planned_for": day(offset), "purpose": "Visite à domicile", **extra}
        return self.as_(caller).plan_visit(case_id, visit, uuid.uuid4().hex)


@pytest.fixture
def cell() -> Cell:
    return Cell()


def key() -> str:
    return uuid.uuid4().hex


# --- the team ------------------------------------------------------------------------


def test_the_team_is_managed_in_its_commune_and_read_in_the_wilaya(cell: Cell) -> None:
    team = cell.as_(DIRECTOR_16).list_team("1601")
    assert [(m["user_id"], m["discipline"], m["active"]) for m in team] == [
        ("as-lounis", "social_worker", True),
        ("dr-amrani", "doctor", True),
        ("jur-hamdi", "legal_adviser", False),
        ("psy-kaci", "psychologist", True),
    ]
    member = {"user_id": "soc-bey", "discipline": "sociologist", "active_from": day(0)}
    with pytest.raises(Forbidden):  # a worker does not manage the team
        cell.as_(WORKER).set_team_member("1601", member)
    with pytest.raises(Forbidden):  # nor a coordinator of another commune
        cell.as_(NEIGHBOUR_COORDINATOR).set_team_member("1601", member)
    with pytest.raises(NotFound):
        cell.as_(DIRECTOR_31).list_team("1601")
    with pytest.raises(NotFound):
        cell.as_(NEIGHBOUR_COORDINATOR).list_team("1601")
    assert cell.as_(DIRECTOR_16).set_team_member("1601", member)["active"] is True
    ended = cell.as_(COORDINATOR).set_team_member("1601", {**member, "active_until": day(-1), "active_from": day(-5)})
    assert ended["active"] is False and len(cell.as_(WORKER).list_team("1601")) == 5  # updated, not added


@pytest.mark.parametrize(
    ("commune", "member"),
    [
        ("16-01", {"user_id": "x1", "discipline": "doctor", "active_from": "2026-01-01"}),
        ("1601", {"user_id": "x1", "discipline": "astrologer", "active_from": "2026-01-01"}),
        ("1601", {"user_id": "x1", "discipline": "doctor", "active_from": "2026-02-01", "active_until": "2026-01-01"}),
        ("1601", {"user_id": "has space", "discipline": "doctor", "active_from": "2026-01-01"}),
    ],
)
def test_bad_team_members(cell: Cell, commune: str, member: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        cell.as_(COORDINATOR).set_team_member(commune, member)


# --- cases and the caseload ----------------------------------------------------------


def test_a_case_is_opened_once_per_household_and_key(cell: Cell) -> None:
    body = {"household_id": FIRST, "lead": "as-lounis", "team": ["psy-kaci"], "goals": ["Scolarisation des enfants"]}
    case_key = key()
    case = cell.as_(COORDINATOR).open_case(body, case_key)
    assert (case["status"], case["cell"], case["team"]) == ("open", "/DZ/16/1601", ["as-lounis", "psy-kaci"])
    assert cell.as_(COORDINATOR).open_case(body, case_key)["id"] == case["id"]
    with pytest.raises(Conflict) as twice:
        cell.as_(COORDINATOR).open_case(body, key())
    assert twice.value.details == {"case_id": case["id"]}
    assert cell.as_(WORKER).get_case(case["id"])["goals"] == ["Scolarisation des enfants"]
    assert [c["id"] for c in cell.as_(DIRECTOR_16).list_cases({"commune": "1601", "status": "open"})] == [case["id"]]
    assert cell.as_(DIRECTOR_16).list_cases({"lead": "dr-amrani"}) == []
    with pytest.raises(NotFound):
        cell.as_(NEIGHBOUR_COORDINATOR).get_case(case["id"])
    assert cell.as_(DIRECTOR_31).list_cases() == []


@pytest.mark.parametrize(
    ("caller", "change", "error"),
    [
        (WORKER, {}, Forbidden),  # workers visit, coordinators open cases
        (COORDINATOR, {"household_id": NEIGHBOUR}, NotFound),  # outside the commune
        (COORDINATOR, {"lead": "jur-hamdi"}, ValidationFailed),  # no longer on the team
        (COORDINATOR, {"team": ["stranger"]}, ValidationFailed),
        (COORDINATOR, {"goals": []}, ValidationFailed),
        (COORDINATOR, {"team": ["psy-kaci", "psy-kaci"]}, ValidationFailed),
    ],
)
def test_bad_cases(cell: Cell, caller: CallerContext, change: dict[str, Any], error: type[Exception]) -> None:
    body = {"household_id": FIRST, "lead": "as-lounis", "team": [], "goals": ["Accès aux soins"], **change}
    with pytest.raises(error):
        cell.as_(caller).open_case(body, key())
    assert cell.database["cases"].count_documents({}) == 0


def test_the_soft_limit_warns_but_never_refuses(cell: Cell) -> None:
    cell.as_(COORDINATOR).set_caseload_limit("1601", 1)
    first = cell.open(FIRST, team=["psy-kaci"])
    assert first["warnings"] == []
    second = cell.open(SECOND, team=["dr-amrani"])
    assert second["status"] == "open"
    assert second["warnings"] == [
        {"code": "caseload_above_soft_limit", "user_id": "as-lounis", "open_cases": 2, "soft_limit": 1}
    ]
    load = cell.as_(DIRECTOR_16).caseload("1601")
    assert (load["cell"], load["soft_limit"], load["open_cases"]) == ("/DZ/16/1601", 1, 2)
    by_user = {w["user_id"]: w for w in load["workers"]}
    assert load["workers"][0]["user_id"] == "as-lounis"
    assert (by_user["as-lounis"]["open_cases"], by_user["as-lounis"]["leading"]) == (2, 2)
    assert by_user["as-lounis"]["above_soft_limit"] is True
    assert (by_user["psy-kaci"]["open_cases"], by_user["psy-kaci"]["above_soft_limit"]) == (1, False)
    assert (by_user["jur-hamdi"]["open_cases"], by_user["jur-hamdi"]["active"]) == (0, False)

    cell.as_(COORDINATOR).close_case(first["id"], {"note": "Objectifs atteints"}, key())
    assert {w["user_id"]: w["open_cases"] for w in cell.as_(WORKER).caseload("1601")["workers"]}["as-lounis"] == 1
    with pytest.raises(Forbidden):
        cell.as_(WORKER).set_caseload_limit("1601", 10)
    with pytest.raises(ValidationFailed):
        cell.as_(COORDINATOR).set_caseload_limit("1601", 0)
    with pytest.raises(NotFound):
        cell.as_(DIRECTOR_31).caseload("1601")


def test_closing_is_replayed_by_its_key_and_refused_twice(cell: Cell) -> None:
    case = cell.open()
    close_key = key()
    closed = cell.as_(COORDINATOR).close_case(case["id"], {"note": "Famille relogée"}, close_key)
    assert (closed["status"], closed["closed_by"], closed["closure_note"]) == (
        "closed",
        "coordinator-1601",
        "Famille relogée",
    )
    assert cell.as_(COORDINATOR).close_case(case["id"], {"note": "Famille relogée"}, close_key) == closed
    with pytest.raises(InvalidTransition) as again:
        cell.as_(COORDINATOR).close_case(case["id"], {"note": "Encore"}, key())
    assert again.value.details == {"state": "closed", "allowed": []}
    assert cell.open()["id"] != case["id"]  # closed: the household may be followed again


# --- visits --------------------------------------------------------------------------


def test_a_visit_is_planned_recorded_once_and_replayed(cell: Cell) -> None:
    case = cell.open(team=["dr-amrani"])
    visit = cell.plan(case["id"], 2)
    assert (visit["status"], visit["visitor"], visit["planned_for"]) == ("planned", "as-lounis", day(2))
    assert cell.plan(case["id"], 3, visitor="dr-amrani")["visitor"] == "dr-amrani"
    with pytest.raises(ValidationFailed):
        cell.plan(case["id"], 3, visitor="psy-kaci")  # not on this case
    with pytest.raises(ValidationFailed):
        cell.plan(case["id"], -40)
    with pytest.raises(ValidationFailed):
        cell.plan(case["id"], 400)

    record = {"visited_on": day(0), "outcome": "Logement insalubre, orientation vers l'APC"}
    with pytest.raises(ValidationFailed):
        cell.as_(WORKER).record_visit(case["id"], visit["id"], {**record, "visited_on": day(1)}, key())
    record_key = key()
    recorded = cell.as_(WORKER).record_visit(case["id"], visit["id"], record, record_key)
    assert (recorded["status"], recorded["visited_on"], recorded["recorded_by"]) == ("recorded", day(0), "worker-1601")
    assert cell.as_(WORKER).record_visit(case["id"], visit["id"], record, record_key) == recorded
    with pytest.raises(InvalidTransition) as twice:
        cell.as_(WORKER).record_visit(case["id"], visit["id"], record, key())
    assert twice.value.details == {"state": "recorded", "allowed": []}


def test_planning_with_one_key_plans_one_visit(cell: Cell) -> None:
    case, other = cell.open(FIRST), cell.open(SECOND)
    visit = {"planned_for": day(1), "purpose": "Suivi"}
    plan_key = key()
    first = cell.as_(WORKER).plan_visit(case["id"], visit, plan_key)
    assert cell.as_(WORKER).plan_visit(case["id"], visit, plan_key) == first
    with pytest.raises(Conflict):
        cell.as_(WORKER).plan_visit(other["id"], visit, plan_key)
    assert cell.database["visits"].count_documents({}) == 1


def test_overdue_visits_are_the_planned_ones_of_open_cases_before_today(cell: Cell) -> None:
    case, other = cell.open(FIRST), cell.open(SECOND)
    late = cell.plan(case["id"], -3)
    later = cell.plan(case["id"], -1)
    cell.plan(case["id"], 0)  # due today: not overdue yet
    cell.plan(case["id"], 5)
    closing = cell.plan(other["id"], -2)
    done = cell.plan(other["id"], -10)
    cell.as_(WORKER).record_visit(other["id"], done["id"], {"visited_on": day(-9), "outcome": "RAS"}, key())

    overdue = cell.as_(DIRECTOR_16).overdue_visits("1601")
    assert [(v["id"], v["days_overdue"]) for v in overdue] == [(late["id"], 3), (closing["id"], 2), (later["id"], 1)]

    cell.as_(COORDINATOR).close_case(other["id"], {"note": "Dossier transféré"}, key())
    assert [v["id"] for v in cell.as_(WORKER).overdue_visits("1601")] == [late["id"], later["id"]]
    assert cell.as_(WORKER).get_case(other["id"])["status"] == "closed"
    with pytest.raises(InvalidTransition):  # the closed case's planned visit was cancelled
        cell.as_(WORKER).record_visit(other["id"], closing["id"], {"visited_on": day(0), "outcome": "RAS"}, key())
    with pytest.raises(InvalidTransition):
        cell.plan(other["id"], 1)
    with pytest.raises(NotFound):
        cell.as_(NEIGHBOUR_COORDINATOR).overdue_visits("1601")
    with pytest.raises(NotFound):  # a visit through another case
        cell.as_(WORKER).record_visit(other["id"], late["id"], {"visited_on": day(0), "outcome": "RAS"}, key())
    with pytest.raises(NotFound):
        cell.plan(case["id"], 1, caller=NEIGHBOUR_COORDINATOR)
