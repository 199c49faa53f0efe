"""The registry's pure rules: registration's status and shown duplicates, and who may decide a review."""

from __future__ import annotations

from typing import Any

import pytest

from common.errors import Conflict, Forbidden
from common.scope import Scope
from registry.domain.households import duplicates_shown, registration_status, still_open
from registry.domain.review_access import finish_or_conflict, require_not_maker
from registry.duplicates import Finding

ALGER, ORAN = "/DZ/16/1601", "/DZ/31/3101"


def finding(household_id: str, area: str) -> Finding:
    return Finding(household_id, area, "match", 0.97, ("h:0", f"{household_id}:0"), ["national_id"], [], None)


def test_a_household_with_open_duplicates_is_held_and_shows_only_those_in_scope() -> None:
    found = [finding("h-alger", ALGER), finding("h-oran", ORAN), finding("h-settled", ALGER)]
    open_ = still_open(found, {"h-settled"})
    assert [f.household_id for f in open_] == ["h-alger", "h-oran"]
    assert registration_status(open_) == "held_for_review"
    assert duplicates_shown(open_, Scope("/DZ/16")) == (["h-alger"], 1)
    assert duplicates_shown(open_, Scope.national()) == (["h-alger", "h-oran"], 0)
    assert registration_status(still_open([finding("h-settled", ALGER)], {"h-settled"})) == "active"


def test_nobody_decides_on_a_household_they_registered() -> None:
    with pytest.raises(Forbidden, match="you cannot decide on a household you registered"):
        require_not_maker({"created_by": "worker-1"}, "worker-1")
    require_not_maker({"created_by": "worker-1"}, "coordinator-1")


@pytest.mark.parametrize(
    ("status", "decision", "held_status", "finished"),
    [
        ("same", "same", "held_for_review", True),  # the merge a failure interrupted is finished
        ("same", "same", "merged", False),
        ("different", "same", "held_for_review", False),
        ("same", "different", "held_for_review", False),
    ],
)
def test_a_decided_review_is_finished_or_conflicts(
    status: str, decision: str, held_status: str, finished: bool
) -> None:
    review: dict[str, Any] = {"id": "r-1", "status": status}
    if finished:
        assert finish_or_conflict(review, decision, {"status": held_status}) is review
    else:
        with pytest.raises(Conflict, match="this review was already decided"):
            finish_or_conflict(review, decision, {"status": held_status})
