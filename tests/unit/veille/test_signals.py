"""Signals: reported inside their area, a lifecycle taken in order, idempotent steps, events without personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from common.errors import InvalidTransition
from tests.unit.veille.refusal import refused
from tests.unit.veille.samples import ALGIERS, T0, draft, signal
from veille.domain.signals import (
    BoundingBox,
    Closure,
    Signal,
    SignalClosed,
    SignalReported,
    SignalStoodDown,
    close,
    escalated,
    plan_visit,
    record_visit,
    report,
    triage,
)

BOX = BoundingBox(south=36.7, west=3.0, north=36.8, east=3.1)
H = timedelta(hours=1)


def visited() -> Signal:
    s = triage(signal(), key="k1", by="u", at=T0 + H).signal
    s = plan_visit(s, key="k2", by="u", at=T0 + 2 * H, planned_for=T0 + 5 * H).signal
    return record_visit(s, key="k3", by="u", at=T0 + 6 * H).signal


def test_a_report_is_new_at_the_cell_and_its_event_names_no_person() -> None:
    done = report(draft(), id="s1", by="u-agent", at=T0, area_box=BOX)
    assert (done.signal.status, done.signal.level, done.signal.area_ancestors[-1]) == ("new", "cell", ALGIERS)
    [event] = done.events
    assert isinstance(event, SignalReported)
    assert event.model_dump(mode="json") == {
        "signal_id": "s1", "area": ALGIERS, "category": "street_child", "severity": 4,
        "occurred_at": "2027-01-10T08:00:00Z", "by": "u-agent", "event": "signal_reported",
        "reporter_kind": "hotline", "persons": 1,
    }  # fmt: skip


def test_a_geo_point_outside_the_area_box_is_refused() -> None:
    error = refused("geo_point_outside_area", report, draft(point={"lat": 35.0, "lon": 3.05}),
                    id="s1", by="u", at=T0, area_box=BOX)  # fmt: skip
    assert error.details["area"] == ALGIERS


def test_without_a_box_the_point_is_only_checked_for_range() -> None:
    assert report(draft(point={"lat": 35.0, "lon": 3.05}), id="s1", by="u", at=T0).signal.point is not None
    with pytest.raises(ValidationError):
        draft(point={"lat": 95.0, "lon": 3.05})


@pytest.mark.parametrize(
    "change",
    [{"category": "other"}, {"severity": 6}, {"area": "/DZ/16"}, {"persons": {"count": 0}}, {"description": ""},
     {"reporter": {"kind": "neighbour"}}, {"unknown": 1}],
)  # fmt: skip
def test_bad_drafts_are_refused_by_the_schema(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        draft(**change)


def test_an_inverted_bounding_box_is_refused() -> None:
    with pytest.raises(ValidationError):
        BoundingBox(south=37, west=3, north=36, east=4)


def test_the_whole_lifecycle_in_order() -> None:
    s = triage(signal(), key="k1", by="u", at=T0 + H, severity=5).signal
    assert (s.status, s.severity, s.triaged_at) == ("triaged", 5, T0 + H)
    s = plan_visit(s, key="k2", by="u", at=T0 + 2 * H, planned_for=T0 + 5 * H).signal
    assert (s.status, s.visit_planned_for) == ("visit_planned", T0 + 5 * H)
    s = record_visit(s, key="k3", by="u", at=T0 + 6 * H).signal
    assert (s.status, s.visited_at) == ("visited", T0 + 6 * H)
    done = close(s, Closure(outcome="case_opened", case_id="c9"), key="k4", by="u", at=T0 + 7 * H)
    assert (done.signal.status, done.signal.open, done.signal.closed_at) == ("closed", False, T0 + 7 * H)
    [event] = done.events
    assert isinstance(event, SignalClosed) and (event.outcome, event.reference) == ("case_opened", "c9")


def test_a_step_out_of_order_is_a_conflict_with_the_allowed_steps() -> None:
    error = refused("signal_step_out_of_order", record_visit, signal(), key="k", by="u", at=T0)
    assert isinstance(error, InvalidTransition) and error.http_status == 409
    assert error.details == {"code": "signal_step_out_of_order", "state": "new", "allowed": ["close", "triage"]}


def test_a_closed_signal_allows_nothing() -> None:
    closed = close(signal(), Closure(outcome="unfounded"), key="k", by="u", at=T0).signal
    error = refused("signal_step_out_of_order", triage, closed, key="k2", by="u", at=T0)
    assert error.details["allowed"] == []


@pytest.mark.parametrize("outcome", ["resolved", "case_opened", "referral", "aid_request"])
def test_before_the_visit_only_unfounded_or_duplicate_close_it(outcome: str) -> None:
    closure = Closure.model_validate({"outcome": outcome, "case_id": "c", "referral_id": "r", "aid_request_id": "a"})
    error = refused("signal_not_visited", close, signal(), closure, key="k", by="u", at=T0)
    assert error.details["allowed"] == ["close", "triage"]


@pytest.mark.parametrize(
    ("outcome", "field"),
    [("case_opened", "case_id"), ("referral", "referral_id"), ("aid_request", "aid_request_id"),
     ("duplicate", "duplicate_of")],
)  # fmt: skip
def test_an_outcome_leading_elsewhere_names_where(outcome: str, field: str) -> None:
    error = refused("outcome_reference_required", close, visited(), Closure.model_validate({"outcome": outcome}),
                    key="k", by="u", at=T0)  # fmt: skip
    assert error.details["field"] == field


def test_a_signal_is_not_a_duplicate_of_itself() -> None:
    refused("duplicate_of_itself", close, signal(), Closure(outcome="duplicate", duplicate_of="s1"), key="k", by="u",
            at=T0)  # fmt: skip
    done = close(signal(), Closure(outcome="duplicate", duplicate_of="s0"), key="k", by="u", at=T0)
    assert done.signal.closure == Closure(outcome="duplicate", duplicate_of="s0")


def test_the_same_key_for_the_same_step_replays_without_events() -> None:
    first = triage(signal(), key="k1", by="u", at=T0 + H)
    again = triage(first.signal, key="k1", by="u", at=T0 + 2 * H, severity=1)
    assert again.replayed and again.events == () and again.signal == first.signal


def test_the_same_key_for_another_step_is_refused() -> None:
    triaged = triage(signal(), key="k1", by="u", at=T0 + H).signal
    error = refused("step_key_reused", plan_visit, triaged, key="k1", by="u", at=T0, planned_for=T0 + H)
    assert error.details["step"] == "triage" and error.http_status == 409


def test_a_step_needs_a_key_and_a_triage_a_severity_in_range() -> None:
    refused("idempotency_key_required", triage, signal(), key=" ", by="u", at=T0)
    refused("severity_out_of_range", triage, signal(), key="k", by="u", at=T0, severity=9)


def test_a_visit_is_not_planned_before_the_report() -> None:
    triaged = triage(signal(), key="k1", by="u", at=T0).signal
    refused("visit_before_report", plan_visit, triaged, key="k2", by="u", at=T0, planned_for=T0 - H)


def test_handling_an_escalated_signal_stands_it_down_to_the_cell() -> None:
    raised = escalated(signal(), "wilaya")
    done = triage(raised, key="k1", by="u", at=T0 + H)
    assert done.signal.level == "cell"
    assert [e.event for e in done.events] == ["signal_triaged", "signal_stood_down"]
    stood_down = done.events[1]
    assert isinstance(stood_down, SignalStoodDown) and stood_down.from_level == "wilaya"
