"""The registry's public shapes that are not stored as they are shown.

Households leave the registry through ``registry.adapters.households.public`` (national ids
only masked, history aside) and reviews through ``registry.domain.review_access.review_for``
(the side outside the caller's area shows nothing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.contracts.assessment import Assessment
from registry.scoring.engine import ScoreResult
from registry.scoring.model import ScoringModel


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
