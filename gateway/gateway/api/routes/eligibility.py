"""Eligibility runs (assistance): their progress, counts and the households they found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from common.contracts.jobs import JobOut
from common.contracts.programmes import EligibilityRunHouseholds
from gateway.audit import audited, from_path
from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/eligibility-runs", tags=["assistance"], responses=COMMON_ERRORS)


@router.get(
    "/{run_id}",
    response_model=JobOut,
    responses=error_responses(401, 403, 404, 503),
    openapi_extra=audited("eligibility.run.read", "eligibility_run", from_path("run_id")),
)
async def get_eligibility_run(run_id: str, caller: Caller, rpc: Rpc) -> Any:
    """A run's status and progress; once done, ``result`` counts eligible and not eligible households,
    failures per criterion and the total amount. A run outside your area does not exist."""
    return await rpc.call("assistance", "get_eligibility_run", run_id, context=caller)


@router.get(
    "/{run_id}/households",
    response_model=EligibilityRunHouseholds,
    responses=error_responses(401, 403, 404, 422, 503),
    openapi_extra=audited("eligibility.run.households", "eligibility_run", from_path("run_id")),
)
async def eligibility_run_households(
    run_id: str, caller: Caller, rpc: Rpc, chunk: Annotated[int, Query(ge=0, le=99_999)] = 0
) -> Any:
    """The eligible households of a run with their amounts, up to 1,000 per chunk; follow ``next_chunk``."""
    return await rpc.call("assistance", "eligibility_run_households", run_id, chunk, context=caller)
