"""Vulnerability scoring (registry): assess a household, explain its score, the models, recompute."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from common.contracts.assessment import Assessment
from common.contracts.jobs import JobOut
from common.contracts.scoring import AssessmentResult, ScoreExplanation, ScoringModelOut
from gateway.audit import audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(tags=["scoring"], responses=COMMON_ERRORS)


@router.put(
    "/v1/households/{household_id}/assessment",
    response_model=AssessmentResult,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    openapi_extra=audited("household.assess", "household"),
)
async def assess_household(
    household_id: str, assessment: Assessment, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Record a household's precarity assessment; it is scored at once by the model in force.

    The answer explains the score: per dimension, each rule with the value it saw and
    its points. Repeating the request with the same key acts once and answers the same;
    a merged household answers 409 (assess the household it was merged into).
    """
    payload = assessment.model_dump(mode="json")
    return await rpc.call("registry", "assess_household", household_id, payload, idempotency_key, context=caller)


@router.get(
    "/v1/households/{household_id}/score",
    response_model=ScoreExplanation,
    responses=error_responses(401, 403, 404, 409, 503),
    openapi_extra=audited("household.score.read", "household"),
)
async def explain_score(household_id: str, caller: Caller, rpc: Rpc) -> Any:
    """The household's score, explained by the model version that computed it (404 if never assessed)."""
    return await rpc.call("registry", "explain_score", household_id, context=caller)


@router.get(
    "/v1/scoring/models",
    response_model=list[ScoringModelOut],
    responses=error_responses(401, 403, 409, 503),
)
async def list_models(caller: Caller, rpc: Rpc) -> Any:
    """The scoring models shipped with the registry: the one in force, earlier ones and drafts."""
    return await rpc.call("registry", "list_scoring_models", context=caller)


@router.post(
    "/v1/scoring/recomputations",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses=error_responses(401, 403, 409, 503),
    openapi_extra=audited("scoring.recompute", "score_recompute", from_response()),
)
async def start_recompute(caller: Caller, rpc: Rpc) -> Any:
    """Rescore every assessed household in your area with the model in force: a job (``/v1/jobs/{id}``).

    National officers only. Unchanged scores are not rewritten, so a second run writes
    nothing; one recompute runs at a time (409 otherwise).
    """
    return await rpc.call("registry", "start_score_recompute", context=caller)
