"""The duplicate review queue: list, read, decide (merge or release), and the batch scan.

Each caller reads and decides reviews as ``registry.domain.review_access`` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from common import areas
from common.context import CallerContext
from common.errors import NotFound
from common.jobs import Report, run_job
from common.scope import Scope
from registry.app.households import Found, find
from registry.app.ports import HouseholdRepository, JobRepository, ReviewRepository
from registry.domain.review_access import (
    finish_or_conflict,
    readable,
    require_decidable,
    require_not_maker,
    review_for,
)
from registry.duplicates import scan
from registry.reference.areas import load_wilayas

if TYPE_CHECKING:
    from common.nameko_ext.background import Spawn


def list_reviews(
    households: HouseholdRepository, reviews: ReviewRepository, scope: Scope, limit: int, household_id: str | None
) -> list[dict[str, Any]]:
    """Reviews inside ``scope``, strongest first: the pending ones, or every one of ``household_id``.

    ``household_id`` must be a household inside ``scope`` (a merged one too): any other answers 404.
    """
    if household_id is not None:
        own = households.raw_status(household_id) if isinstance(household_id, str) else None
        if own is None or not scope.contains(own["area"]):
            raise NotFound("household not found")
    found = reviews.find(scope, limit, household_id)
    return [review_for(scope.area, review) for review in found if readable(scope.area, review)]


def get_review(reviews: ReviewRepository, scope: Scope, review_id: str) -> dict[str, Any]:
    """A review with at least one household inside ``scope``, as the caller may read it."""
    review = reviews.get(review_id) if isinstance(review_id, str) else None
    if review is None or not readable(scope.area, review):
        raise NotFound("review not found")
    return review_for(scope.area, review)


@dataclass(frozen=True)
class Decided:
    """A decision taken: the review as the caller reads it, and its household (``None``: outside the caller's area)."""

    review: dict[str, Any]
    household: Found | None


def decide(
    households: HouseholdRepository, reviews: ReviewRepository, caller: CallerContext, review_id: str, decision: str
) -> Decided:
    """``same`` merges the later household into the earlier one; ``different`` releases it.

    Only a caller whose area holds both households decides; nobody decides on a household
    they registered themselves (maker-checker). A merge a failure interrupted is finished.
    """
    review = require_decidable(caller.area, reviews.get(review_id) if isinstance(review_id, str) else None)
    held = households.raw_status(review["held"])
    if held is None:
        raise NotFound("review not found")
    require_not_maker(held, caller.user_id)
    decided = reviews.decide(review_id, decision, caller.user_id) or finish_or_conflict(review, decision, held)
    household: Found | None
    if decision == "same":
        household = Found(households.merge(review["existing"], review["held"], caller.user_id))
    else:
        if reviews.still_pending_for(review["held"]) == 0:
            households.activate(review["held"], caller.user_id)
        household = find(households, review["held"])
    shown = household if household and areas.contains(caller.area, household.household.area) else None
    return Decided(review_for(caller.area, decided), shown)


def start_scan(
    households: HouseholdRepository,
    reviews: ReviewRepository,
    jobs: JobRepository,
    background: Spawn,
    caller: CallerContext,
    target: str,
) -> dict[str, Any]:
    """Scan every household in ``target`` one wilaya at a time, as a job; new pairs are queued for review."""
    job = jobs.start("duplicate_scan", target, caller.user_id, {"area": target}, exclusive=f"duplicate_scan:{target}")

    def work(report: Report) -> dict[str, Any]:
        return scan_area(households, reviews, target, report)

    background(lambda: run_job(jobs, job["id"], work), job["id"])
    return job


def scan_area(
    households: HouseholdRepository, reviews: ReviewRepository, target: str, report: Report
) -> dict[str, Any]:
    """The scan job's work: per wilaya, every probable pair not queued or decided yet gets a review."""
    regions = [f"{areas.NATIONAL}/{code}" for code in load_wilayas()] if target == areas.NATIONAL else [target]
    state = {"wilayas_done": 0, "wilayas_total": len(regions), "pairs_found": 0, "reviews_opened": 0}
    for region in regions:
        pairs = scan(households.stream(Scope(region)))
        state["pairs_found"] += len(pairs)
        for (newer, _), (finding, newer_area) in pairs.items():
            state["reviews_opened"] += len(reviews.open(newer, newer_area, [finding]))
        state["wilayas_done"] += 1
        report(dict(state))
    return state
