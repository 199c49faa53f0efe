"""The registry's public shapes that are not stored as they are shown.

Households leave the registry through :func:`household` (national ids only masked, history,
assessment and bookkeeping aside) and reviews through ``registry.domain.review_access.review_for``
(the side outside the caller's area shows nothing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.contracts.assessment import Assessment
from common.jsonable import jsonable
from registry.app.households import Found, Registration
from registry.app.reviews import Decided
from registry.domain.household import Household, Page
from registry.domain.review_access import OUTSIDE_AREA
from registry.scoring.engine import ScoreResult
from registry.scoring.model import ScoringModel


def household(found: Household, redirected_from: str | None = None) -> dict[str, Any]:
    """A household as the registry answers (``common.contracts.households.HouseholdOut`` reads it).

    A field the household has not got is absent, but provenance, consent and score, which are
    ``None``; ``redirected_from`` names the merged household asked for when its survivor answers.
    """
    shown: dict[str, Any] = {"area": found.area, "address": found.address}
    if found.household_ref is not None:
        shown["household_ref"] = found.household_ref
    shown |= {
        "provenance": found.provenance,
        "consent": found.consent,
        "members": [member.without_secrets() for member in found.members],
        "status": found.status,
    }
    if found.merged_into is not None:
        shown["merged_into"] = found.merged_into
    shown |= {"score": found.score, "created_at": found.created_at, "created_by": found.created_by}
    if found.updated_at is not None:
        shown["updated_at"] = found.updated_at
    if found.updated_by is not None:
        shown["updated_by"] = found.updated_by
    shown["id"] = found.id
    if redirected_from is not None:
        shown["redirected_from"] = redirected_from
    return jsonable(shown)


def found(result: Found) -> dict[str, Any]:
    """``get_household``: the household asked for, or the one it was merged into."""
    return household(result.household, result.redirected_from)


def registration(result: Registration) -> dict[str, Any]:
    """``register_household``: the household with its probable duplicates."""
    return {
        **household(result.household),
        "possible_duplicates": result.possible_duplicates,
        "possible_duplicates_outside_area": result.possible_duplicates_outside_area,
    }


def decided(result: Decided) -> dict[str, Any]:
    """``decide_duplicate_review``: the review, and the household it leaves (nothing of it outside the area)."""
    shown = found(result.household) if result.household else dict(OUTSIDE_AREA)
    return {"review": result.review, "household": shown}


def household_page(page: Page) -> dict[str, Any]:
    """``list_households``: a page and where the next one starts."""
    return {"items": [household(item) for item in page.items], "next_cursor": page.next_cursor}


def model_summary(model: ScoringModel, active: ScoringModel) -> dict[str, Any]:
    """A scoring model as ``list_scoring_models`` shows it."""
    return {
        "version": model.version,
        "activated_at": model.activated_at.isoformat() if model.activated_at else None,
        "active": model.version == active.version,
        "draft": model.activated_at is None,
        "description": model.description,
        "weights": {name: dimension.weight for name, dimension in model.dimensions.items()},
        "bands": [{"name": b.name, "from": b.start, "to": b.end} for b in model.bands],
    }


def score_explanation(
    household: dict[str, Any],
    redirected_from: str | None,
    stored: dict[str, Any],
    answers: Assessment,
    scored: ScoreResult,
) -> dict[str, Any]:
    """A stored score with its model's explanation; ``matches_stored`` is false if the answers now score otherwise."""
    computed_at = stored.get("computed_at")
    return {
        "household_id": str(household["_id"]),
        "redirected_from": redirected_from,
        "model_version": stored["model_version"],
        "score": stored["score"],
        "band": stored["band"],
        "inputs_hash": stored["inputs_hash"],
        "computed_at": computed_at.isoformat() if isinstance(computed_at, datetime) else computed_at,
        "assessed_at": answers.assessed_at.isoformat(),
        "matches_stored": (scored.score, scored.band, scored.inputs_hash)
        == (stored["score"], stored["band"], stored["inputs_hash"]),
        "dimensions": [d.model_dump(mode="json") for d in scored.dimensions],
    }
