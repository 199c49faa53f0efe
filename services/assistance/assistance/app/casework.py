"""Case work of the proximity cells: the team, cases, visit plans, caseloads and overdue visits.

A cell is named by its commune's code (``1601``). A cell coordinator manages the team and
cases of their commune, a wilaya director those of the wilaya's communes; any staff member
of the area plans and records visits. Out of the caller's area a case or a cell does not
exist (NotFound); a write aimed at a cell outside it is Forbidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from assistance.app.ports import CaseworkRepository
from assistance.app.referrals import household_facts
from assistance.domain.casework import Case, TeamMember, Visit
from common import policy
from common.context import CallerContext
from common.contracts.casework import (
    COMMUNE_PATTERN,
    CaseClose,
    CaseFilter,
    CaseIn,
    SoftLimitIn,
    TeamMemberIn,
    VisitIn,
    VisitRecord,
    commune_area,
)
from common.errors import Conflict, IdempotencyKeyReused, NotFound, ValidationFailed
from common.idempotency import check_key, keyed
from common.validation import parse

ALGERIA = timezone(timedelta(hours=1))  # CET all year round, no daylight saving time
_COMMUNE = re.compile(COMMUNE_PATTERN)


def today() -> date:
    """The day in Algeria: visits are due by local days."""
    return datetime.now(ALGERIA).date()


def cell_of(commune: object) -> str:
    if not isinstance(commune, str) or not _COMMUNE.match(commune):
        raise ValidationFailed("a cell is named by its commune's four-digit code", {"commune": commune})
    return commune_area(commune)


def list_team(casework: CaseworkRepository, caller: CallerContext, commune: str) -> list[TeamMember]:
    """The cell's team members, past ones included (``active`` says who is active today)."""
    cell = cell_of(commune)
    policy.visible(caller, cell, "cell")
    return casework.team(cell, today())


def set_team_member(
    casework: CaseworkRepository, caller: CallerContext, commune: str, member: dict[str, Any]
) -> TeamMember:
    """Add a member to the cell's team, or change their discipline or active period."""
    cell = cell_of(commune)
    policy.require_within(caller, cell)
    return casework.set_member(cell, parse(TeamMemberIn, member), caller.user_id, today())


def caseload(casework: CaseworkRepository, caller: CallerContext, commune: str) -> dict[str, Any]:
    """Open cases per member of the cell, against the cell's soft limit."""
    cell = cell_of(commune)
    policy.visible(caller, cell, "cell")
    return cell_caseload(casework, cell)


def set_caseload_limit(
    casework: CaseworkRepository, caller: CallerContext, commune: str, soft_limit: int
) -> dict[str, Any]:
    """Set the cell's soft limit (open cases per member above which it is warned); the new caseload."""
    cell = cell_of(commune)
    policy.require_within(caller, cell)
    casework.set_soft_limit(cell, parse(SoftLimitIn, {"soft_limit": soft_limit}).soft_limit, caller.user_id)
    return cell_caseload(casework, cell)


def overdue_visits(casework: CaseworkRepository, caller: CallerContext, commune: str) -> list[tuple[Visit, int]]:
    """Visits planned before today and not recorded, in the cell's open cases, the oldest first, with days late."""
    cell = cell_of(commune)
    policy.visible(caller, cell, "cell")
    day = today()
    return [(visit, visit.days_overdue(day)) for visit in casework.overdue(cell, day)]


def open_case(
    casework: CaseworkRepository,
    facts_of: Callable[[str], dict[str, Any]],
    caller: CallerContext,
    case: dict[str, Any],
    idempotency_key: str,
) -> tuple[Case, list[dict[str, Any]]]:
    """Open a case on a household of the caller's area, followed by the cell of its commune.

    The lead and the team must be active members of that cell. One open case per
    household; the same key answers the same case. ``warnings`` names the members
    whose caseload is now above the cell's soft limit (the second of the pair).
    """
    check_key(idempotency_key)
    payload = parse(CaseIn, case)
    key = keyed(caller.user_id, idempotency_key, "open_case", payload)
    facts = household_facts(facts_of, payload.household_id)
    policy.require_within(caller, facts["area"])
    proposed = Case.open(
        household_id=payload.household_id,
        household_area=facts["area"],
        lead=payload.lead,
        team=payload.team,
        goals=payload.goals,
        user_id=caller.user_id,
        key=key,
    )
    active = {member.user_id for member in casework.team(proposed.cell, today()) if member.active}
    if strangers := [user for user in proposed.team if user not in active]:
        raise ValidationFailed("the lead and the team must be active members of the cell", {"not_members": strangers})
    stored, _ = casework.open_case(proposed, key)
    return stored, caseload_warnings(casework, stored.cell, list(stored.team))


def get_case(casework: CaseworkRepository, caller: CallerContext, case_id: str) -> Case:
    return visible_case(casework, caller, case_id)


def list_cases(
    casework: CaseworkRepository, caller: CallerContext, filters: dict[str, Any] | None = None
) -> list[Case]:
    """Cases in the caller's area, the latest opened first."""
    return casework.list_cases(policy.scope(caller), parse(CaseFilter, filters or {}))


def close_case(
    casework: CaseworkRepository, caller: CallerContext, case_id: str, details: dict[str, Any], idempotency_key: str
) -> Case:
    """Close an open case with a note; its planned visits are cancelled."""
    check_key(idempotency_key)
    payload = parse(CaseClose, details)
    key = keyed(caller.user_id, idempotency_key, "close_case", case_id, payload)
    case = visible_case(casework, caller, case_id)
    if not case.closed_under(key):
        case.must_be_open()
        closed = casework.close_case(case_id, payload.note, key, caller.user_id)
        case = closed or visible_case(casework, caller, case_id)
        if not case.closed_under(key):  # closed meanwhile by another call
            case.must_be_open()
            raise Conflict("the case changed during this step: try again")
    return case


def plan_visit(
    casework: CaseworkRepository, caller: CallerContext, case_id: str, visit: dict[str, Any], idempotency_key: str
) -> Visit:
    """Plan a visit of an open case by one of its members (the lead unless named)."""
    check_key(idempotency_key)
    payload = parse(VisitIn, visit)
    key = keyed(caller.user_id, idempotency_key, "plan_visit", case_id, payload)
    case = visible_case(casework, caller, case_id)
    earlier = casework.visit_for_key(key)
    if earlier is not None:
        if earlier.case_id != case.id:  # a visit from before fingerprints
            raise IdempotencyKeyReused("this idempotency key was used for another visit")
        return earlier
    planned = case.plan(
        planned_for=payload.planned_for,
        today=today(),
        purpose=payload.purpose,
        visitor=payload.visitor,
        user_id=caller.user_id,
        key=key,
    )
    stored, _ = casework.plan_visit(planned)
    return stored


def record_visit(
    casework: CaseworkRepository,
    caller: CallerContext,
    case_id: str,
    visit_id: str,
    record: dict[str, Any],
    idempotency_key: str,
) -> Visit:
    """Record a planned visit with its outcome notes; a visit is recorded once."""
    check_key(idempotency_key)
    payload = parse(VisitRecord, record)
    key = keyed(caller.user_id, idempotency_key, "record_visit", case_id, visit_id, payload)
    case = visible_case(casework, caller, case_id)
    visit = casework.get_visit(visit_id) if isinstance(visit_id, str) else None
    if visit is None or visit.case_id != case.id:
        raise NotFound("visit not found")
    if visit.recorded_under(key):
        return visit
    visit.must_be_planned()
    case.must_be_open()
    if payload.visited_on > today():
        raise ValidationFailed("a visit is recorded once it took place", {"visited_on": str(payload.visited_on)})
    recorded = casework.record_visit(visit_id, payload.visited_on.isoformat(), payload.outcome, key, caller.user_id)
    if recorded is None:  # recorded or cancelled meanwhile by another call
        visit = casework.get_visit(visit_id) or visit
        if visit.recorded_under(key):
            return visit
        visit.must_be_planned()
        raise Conflict("the visit changed during this step: try again")
    return recorded


def visible_case(casework: CaseworkRepository, caller: CallerContext, case_id: str) -> Case:
    """A case of the caller's area; outside it (a case has no area of its own) it does not exist."""
    found = casework.get_case(case_id) if isinstance(case_id, str) else None
    return policy.visible_or_404(found, lambda case: case.visible_in(policy.scope(caller)), "case")


def cell_caseload(casework: CaseworkRepository, cell: str) -> dict[str, Any]:
    limit = casework.soft_limit(cell)
    count, involved, leading = casework.caseload(cell)
    team = {member.user_id: member for member in casework.team(cell, today())}
    workers = [
        {
            "user_id": user,
            "display_name": member.display_name if (member := team.get(user)) else None,
            "discipline": member.discipline if member else None,
            "active": bool(member and member.active),
            "open_cases": involved[user],
            "leading": leading[user],
            "above_soft_limit": involved[user] > limit,
        }
        for user in sorted(set(team) | set(involved))
    ]
    workers.sort(key=lambda worker: -involved[str(worker["user_id"])])
    return {"cell": cell, "soft_limit": limit, "open_cases": count, "workers": workers}


def caseload_warnings(casework: CaseworkRepository, cell: str, members: list[str]) -> list[dict[str, Any]]:
    limit = casework.soft_limit(cell)
    _, involved, _ = casework.caseload(cell)
    return [
        {"code": "caseload_above_soft_limit", "user_id": user, "open_cases": involved[user], "soft_limit": limit}
        for user in members
        if involved[user] > limit
    ]
