"""SLA: deadlines per category and severity, due date per step, the escalation ladder and the sweep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from tests.unit.veille.samples import T0, signal
from veille.domain.signals import (
    Category,
    Closure,
    Level,
    SignalEscalated,
    Status,
    close,
    escalated,
    plan_visit,
    record_visit,
    triage,
)
from veille.domain.sla import (
    DEFAULT_SLA,
    Deadlines,
    Ladder,
    SlaPolicy,
    SlaRule,
    due_at,
    due_before,
    level_for,
    sweep,
)

H = timedelta(hours=1)


def test_a_street_child_is_triaged_within_4_h_and_visited_within_24_h() -> None:
    s = signal(category="street_child", severity=1)
    assert due_at(s) == T0 + 4 * H
    triaged = triage(s, key="k1", by="u", at=T0 + H).signal
    assert due_at(triaged) == T0 + 24 * H
    planned = plan_visit(triaged, key="k2", by="u", at=T0 + 2 * H, planned_for=T0 + 3 * H).signal
    assert due_at(planned) == T0 + 24 * H
    visited = record_visit(planned, key="k3", by="u", at=T0 + 3 * H).signal
    assert due_at(visited) is None  # no close deadline for a street child


def test_the_most_specific_rule_applies() -> None:
    assert DEFAULT_SLA.deadlines("homeless_person", 2).triage == 48 * H  # every category, severity 1
    assert DEFAULT_SLA.deadlines("homeless_person", 4).triage == 12 * H  # every category, severity 4+
    assert DEFAULT_SLA.deadlines("street_child", 5).triage == 4 * H  # its own category wins
    visited = record_visit(
        plan_visit(triage(signal(category="poverty_pocket", severity=1), key="a", by="u", at=T0).signal,
                   key="b", by="u", at=T0, planned_for=T0).signal, key="c", by="u", at=T0).signal  # fmt: skip
    assert due_at(visited) == T0 + timedelta(days=30)


def test_a_closed_signal_is_never_due() -> None:
    closed = close(signal(), Closure(outcome="unfounded"), key="k", by="u", at=T0).signal
    assert due_at(closed) is None


@pytest.mark.parametrize(
    ("overdue", "level"),
    [(-H, "cell"), (timedelta(0), "cell"), (timedelta(seconds=1), "wilaya"), (23 * H, "wilaya"), (24 * H, "ministry")],
)
def test_the_level_follows_how_long_overdue(overdue: timedelta, level: str) -> None:
    assert level_for(overdue, DEFAULT_SLA.ladder) == level


def test_the_ladder_may_wait_before_the_wilaya() -> None:
    ladder = Ladder(wilaya_after=2 * H, ministry_after=6 * H)
    assert [level_for(t, ladder) for t in (H, 2 * H, 6 * H)] == ["cell", "wilaya", "ministry"]


def test_the_sweep_raises_late_signals_to_their_level_and_hands_them_to_that_area() -> None:
    on_time = signal("s-on-time", category="street_child", at=T0 + 3 * H)
    late = signal("s-late", category="street_child")  # due T0+4h
    very_late = signal("s-very-late", category="street_child", at=T0 - 30 * H)
    now = T0 + 5 * H
    found = {e.signal_id: e for e in sweep(now, [on_time, late, very_late])}
    assert set(found) == {"s-late", "s-very-late"}
    assert (found["s-late"].to_level, found["s-late"].assigned_area) == ("wilaya", "/DZ/16")
    assert (found["s-very-late"].to_level, found["s-very-late"].assigned_area) == ("ministry", "/DZ")
    event = found["s-late"].event
    assert (event.event, event.from_level, event.to_level, event.overdue_seconds, event.by) == (
        "signal_escalated", "cell", "wilaya", 3600, "system")  # fmt: skip
    assert event.due_at == T0 + 4 * H and event.status == "new"
    assert SignalEscalated.model_validate(event.model_dump(mode="json")) == event  # built unvalidated, yet valid


def test_the_sweep_is_repeatable_a_signal_at_its_level_is_not_raised_again() -> None:
    late = signal(category="street_child")
    now = T0 + 5 * H
    [escalation] = sweep(now, [late])
    raised = escalated(late, escalation.to_level)
    assert sweep(now, [raised]) == []
    [again] = sweep(T0 + 28 * H, [raised])  # 24 h overdue: now the ministry
    assert (again.from_level, again.to_level) == ("wilaya", "ministry")
    assert sweep(T0 + 100 * H, [escalated(raised, "ministry")]) == []


def test_handling_the_step_stands_down_and_the_next_deadline_starts_at_the_cell() -> None:
    late = escalated(signal(category="street_child"), "wilaya")
    triaged = triage(late, key="k1", by="u", at=T0 + 5 * H).signal
    assert triaged.level == "cell" and sweep(T0 + 5 * H, [triaged]) == []
    assert [e.to_level for e in sweep(T0 + 25 * H, [triaged])] == ["wilaya"]


def test_due_before_bounds_the_timers_read() -> None:
    ladder = Ladder(wilaya_after=2 * H, ministry_after=6 * H)
    rules = DEFAULT_SLA.model_copy(update={"ladder": ladder})
    assert due_before(T0, rules) == T0 - 2 * H
    not_yet = signal(category="street_child", at=T0 - 5 * H)  # due T0-1h: after due_before, so not read
    assert due_at(not_yet, rules) is not None and due_at(not_yet, rules) > due_before(T0, rules)  # type: ignore[operator]
    assert sweep(T0, [not_yet], rules) == []


def test_a_policy_without_a_default_rule_or_with_disordered_deadlines_is_refused() -> None:
    ladder = Ladder(ministry_after=H)
    deadlines = Deadlines(triage=H, visit=2 * H)
    with pytest.raises(ValidationError):
        SlaPolicy(rules=(SlaRule(category="disaster", deadlines=deadlines),), ladder=ladder)
    with pytest.raises(ValidationError):
        Deadlines(triage=2 * H, visit=H)
    with pytest.raises(ValidationError):
        Ladder(wilaya_after=2 * H, ministry_after=H)


@dataclass(frozen=True)
class DueRow:
    """The timer's projection: only the fields the sweep reads."""

    id: str
    area: str
    category: Category
    severity: int
    status: Status
    level: Level
    reported_at: datetime


def test_the_sweep_reads_a_projection_as_well_as_a_signal() -> None:
    row = DueRow("s1", "/DZ/16/1601", "street_child", 4, "triaged", "cell", T0)
    [escalation] = sweep(T0 + 25 * H, [row])
    assert (escalation.signal_id, escalation.to_level, escalation.due_at) == ("s1", "wilaya", T0 + 24 * H)
