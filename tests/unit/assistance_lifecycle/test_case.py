"""The case and visit entities: stored shape, who sees a case (it has no area field), the rules of a visit plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from assistance.domain.casework import Case, TeamMember, Visit
from common.contracts.casework import TeamMemberIn
from common.errors import InvalidTransition, NotFound, ValidationFailed
from common.idempotency import keyed
from common.policy import visible_or_404
from common.scope import Scope

TODAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def opened() -> Case:
    return Case.open(
        household_id="66b0c2f1e4a1b2c3d4e5f601",
        household_area="/DZ/16/1601",
        lead="worker-1",
        team=["worker-2", "worker-1"],
        goals=["scolarité"],
        user_id="coordinator",
        key=keyed("coordinator", "key-open-case", "open"),
    )


def plan(case: Case, visitor: str | None = None, planned_for: date = TODAY) -> Visit:
    key = keyed("worker-1", "key-plan-visit", "plan")
    return case.plan(planned_for=planned_for, today=TODAY, purpose="suivi", visitor=visitor, user_id="w", key=key)


def test_a_case_is_given_back_as_read_the_lead_first_in_its_team() -> None:
    case = opened()
    doc = case.document()
    assert Case.from_document(doc).document() == doc
    assert (case.cell, case.team, case.open_key) == ("/DZ/16/1601", ("worker-1", "worker-2"), case.household_id)
    assert case.public()["team"] == ["worker-1", "worker-2"] and case.public()["closed_at"] is None


@pytest.mark.parametrize(
    ("area", "seen"),
    [("/DZ", True), ("/DZ/16", True), ("/DZ/16/1601", True), ("/DZ/16/1602", False), ("/DZ/31", False)],
)
def test_a_case_is_seen_in_its_commune_and_above(area: str, seen: bool) -> None:
    assert opened().visible_in(Scope(area)) is seen
    if not seen:
        with pytest.raises(NotFound, match="case not found"):
            visible_or_404(opened(), lambda e: e.visible_in(Scope(area)), "case")


def test_a_visit_is_the_leads_unless_named_inside_the_window() -> None:
    case = opened()
    visit = plan(case)
    assert (visit.case_id, visit.cell, visit.status, visit.stored["visitor"]) == (
        case.id,
        "/DZ/16/1601",
        "planned",
        "worker-1",
    )
    assert Visit.from_document(visit.document()).document() == visit.document()
    assert plan(opened(), "worker-2").stored["visitor"] == "worker-2"
    with pytest.raises(ValidationFailed, match="member of the case"):
        plan(opened(), "stranger")
    with pytest.raises(ValidationFailed, match="a year ahead"):
        plan(opened(), planned_for=TODAY + timedelta(days=400))
    with pytest.raises(InvalidTransition, match="the case is closed"):
        plan(replace(opened(), status="closed"))


def test_a_visit_knows_its_lateness_and_is_recorded_once() -> None:
    visit = plan(opened(), planned_for=TODAY - timedelta(days=3))
    assert visit.days_overdue(TODAY) == 3
    visit.must_be_planned()
    with pytest.raises(InvalidTransition, match="the visit is cancelled"):
        replace(visit, status="cancelled").must_be_planned()
    assert not visit.recorded_under(keyed("worker-1", "key-record", "record"))


def test_a_team_member_is_active_within_their_period_only() -> None:
    member = TeamMemberIn.model_validate(
        {
            "user_id": "worker-1",
            "display_name": "Amina Haddad",
            "discipline": "social_worker",
            "active_from": "2026-01-01",
        }
        | {"active_until": "2026-03-01"}
    )
    appointed = TeamMember.appoint("/DZ/16/1601", member, "coordinator", AT, date(2026, 2, 1))
    assert appointed.active and appointed.document()["area_ancestors"] == ["/DZ", "/DZ/16", "/DZ/16/1601"]
    assert not TeamMember.from_document(appointed.document(), TODAY).active
    shown = appointed.public()
    assert (shown["user_id"], shown["active"], shown["updated_at"]) == ("worker-1", True, AT.isoformat())
