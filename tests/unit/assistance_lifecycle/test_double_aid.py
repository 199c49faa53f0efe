"""The no-double-aid rule on periods, and what it reveals."""

from __future__ import annotations

import pytest

from assistance.domain import double_aid
from common.errors import ValidationFailed


@pytest.mark.parametrize(
    ("a", "b", "clash"),
    [
        ("2026-03", "2026-03", True),
        ("2026-03", "2026-04", False),
        ("2026", "2026-12", True),
        ("2025", "2026-01", False),
        ("2026", "2026", True),
    ],
)
def test_periods_overlap(a: str, b: str, clash: bool) -> None:
    assert double_aid.overlaps(a, b) is clash
    assert double_aid.overlaps(b, a) is clash


def test_february_of_a_leap_year() -> None:
    assert double_aid.period_bounds("2028-02")[1].day == 29


@pytest.mark.parametrize("bad", ["2026-13", "26", "2026-3x", ""])
def test_bad_periods(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        double_aid.period_bounds(bad)


def test_findings_show_programme_and_period_but_never_the_other_household() -> None:
    grants = [
        {"id": "r1", "household_id": "h-other-wilaya", "programme": "afs", "need": "income_support", "period": "2026"},
        {"id": "r2", "household_id": "h-self", "programme": "afs", "need": "income_support", "period": "2025-12"},
        {"id": "r3", "household_id": "h-self", "programme": "afs", "need": "income_support", "period": "2026-02"},
    ]
    found = double_aid.findings(grants, "2026-02", {"h-self"}, request_id="r3")
    assert found == [{"programme": "afs", "need": "income_support", "period": "2026", "related": True}]
    assert "h-other-wilaya" not in repr(found)


def test_policy_refuses_or_flags() -> None:
    finding = [{"programme": "afs", "need": "income_support", "period": "2026", "related": False}]
    assert double_aid.judge(finding, "refuse").refused
    flagged = double_aid.judge(finding, "flag")
    assert flagged.flagged and not flagged.refused
    assert not double_aid.judge([], "refuse").refused
