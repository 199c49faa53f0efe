"""The duplicate review queue: list, decide (merge or release), and the batch scan."""

from __future__ import annotations

from typing import Any

from common import areas, policy
from common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from common.jobs import Report, run_job
from common.nameko_ext.entrypoints import rpc
from common.scope import Scope
from registry.base import RegistryBase
from registry.duplicates import scan
from registry.reference.areas import load_wilayas
from registry.review_access import OUTSIDE_AREA, readable, require_decidable, review_for


class ReviewEntrypoints(RegistryBase):
    """Each caller reads and decides reviews as ``registry.review_access`` says."""

    @rpc
    def list_duplicate_reviews(self, limit: int = 50, household_id: str | None = None) -> list[dict[str, Any]]:
        """Reviews in the caller's area, strongest first: the pending ones, or every one of ``household_id``.

        A review is listed where either household lies; the side outside the caller's area
        shows nothing. ``household_id`` must be a household of the caller's area (a merged
        one too, so each side can follow its case): any other answers 404.
        """
        caller = policy.authorize(self.caller, "review.read")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 200:
            raise ValidationFailed("limit must be 1 to 200", {"limit": limit})
        if household_id is not None:
            own = self.households.raw_status(household_id) if isinstance(household_id, str) else None
            if own is None or not areas.contains(caller.area, own["area"]):
                raise NotFound("household not found")
        found = self.reviews.find(policy.scope(caller), limit, household_id)
        return [review_for(caller.area, review) for review in found if readable(caller.area, review)]

    @rpc
    def get_duplicate_review(self, review_id: str) -> dict[str, Any]:
        """A review with at least one household in the caller's area, as the caller may read it."""
        caller = policy.authorize(self.caller, "review.read")
        review = self.reviews.get(review_id) if isinstance(review_id, str) else None
        if review is None or not readable(caller.area, review):
            raise NotFound("review not found")
        return review_for(caller.area, review)

    @rpc
    def decide_duplicate_review(self, review_id: str, decision: str) -> dict[str, Any]:
        """``same`` merges the later household into the earlier one; ``different`` releases it.

        A decision is remembered: the pair is never asked again. Only a caller whose area
        holds both households decides (a cross-area review answers 403 ``cross_area_review``);
        nobody decides on a household they registered themselves (maker-checker).
        """
        caller = policy.authorize(self.caller, "review.decide")
        if decision not in ("same", "different"):
            raise ValidationFailed("decision must be 'same' or 'different'", {"decision": decision})
        review = require_decidable(caller.area, self.reviews.get(review_id) if isinstance(review_id, str) else None)
        held = self.households.raw_status(review["held"])
        if held is None:
            raise NotFound("review not found")
        if held.get("created_by") == caller.user_id:
            raise Forbidden("you cannot decide on a household you registered")
        decided = self.reviews.decide(review_id, decision, caller.user_id)
        if decided is None:
            if not (review["status"] == decision == "same" and held["status"] != "merged"):
                raise Conflict("this review was already decided", {"status": review["status"]})
            decided = review  # decided before a failure stopped the merge: finish it
        household: dict[str, Any] | None
        if decision == "same":
            household = self.households.merge(review["existing"], review["held"], caller.user_id)
        else:
            if self.reviews.still_pending_for(review["held"]) == 0:
                self.households.activate(review["held"], caller.user_id)
            household = self.households.get(review["held"])
        shown = household if household and areas.contains(caller.area, household["area"]) else OUTSIDE_AREA
        return {"review": review_for(caller.area, decided), "household": shown}

    @rpc
    def start_duplicate_scan(self, area: str) -> dict[str, Any]:
        """Scan every household in ``area`` (the nation, a wilaya or a commune), one wilaya at a time.

        Runs as a job (``get_job``). New pairs are queued for review; pairs already
        queued or decided are not asked again.
        """
        caller = policy.authorize(self.caller, "review.scan")
        target = areas.validate(area)
        policy.require_within(caller, target)
        job = self.jobs.start(
            "duplicate_scan", target, caller.user_id, {"area": target}, exclusive=f"duplicate_scan:{target}"
        )
        self.background(lambda: run_job(self.jobs, job["id"], lambda report: self._scan(target, report)), job["id"])
        return job

    def _scan(self, target: str, report: Report) -> dict[str, Any]:
        regions = [f"{areas.NATIONAL}/{code}" for code in load_wilayas()] if target == areas.NATIONAL else [target]
        state = {"wilayas_done": 0, "wilayas_total": len(regions), "pairs_found": 0, "reviews_opened": 0}
        for region in regions:
            pairs = scan(self.households.stream(Scope(region)))
            state["pairs_found"] += len(pairs)
            for (newer, _), (finding, newer_area) in pairs.items():
                state["reviews_opened"] += len(self.reviews.open(newer, newer_area, [finding]))
            state["wilayas_done"] += 1
            report(dict(state))
        return state
