"""Assistance programme catalogue: programmes, rules versions, budgets and eligibility."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from common.contracts.jobs import JobOut
from common.contracts.programmes import (
    PERIOD_PATTERN,
    BudgetIn,
    BudgetOut,
    EligibilityResult,
    EligibilityRunIn,
    ProgrammeIn,
    ProgrammeOut,
    RuleSet,
)
from gateway.audit import audited, from_path, from_response
from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/programmes", tags=["assistance"], responses=COMMON_ERRORS)

Period = Annotated[str, Path(pattern=PERIOD_PATTERN, examples=["2026-03"], description="YYYY-MM if monthly, else YYYY")]
AreaPath = Annotated[
    str,
    Path(pattern=r"^DZ(/[A-Za-z0-9-]+){0,3}$", examples=["DZ/16"], description="area path without its leading slash"),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=audited("programme.create", "programme", from_response("code")),
    response_model=ProgrammeOut,
    responses=error_responses(401, 403, 409, 422, 503),
)
async def create_programme(programme: ProgrammeIn, caller: Caller, rpc: Rpc) -> Any:
    """Publish a programme (its code makes the call idempotent)."""
    return await rpc.call("assistance", "create_programme", programme.model_dump(mode="json"), context=caller)


@router.get("", response_model=list[ProgrammeOut], responses=error_responses(401, 403, 503))
async def list_programmes(caller: Caller, rpc: Rpc) -> Any:
    """Programmes offered in or above the caller's area, each with the rules version in force."""
    return await rpc.call("assistance", "list_programmes", context=caller)


@router.get("/{code}", response_model=ProgrammeOut, responses=error_responses(401, 403, 404, 503))
async def get_programme(code: str, caller: Caller, rpc: Rpc) -> Any:
    """A programme with every rules version and the one in force; one not offered in your area does not exist."""
    return await rpc.call("assistance", "get_programme", code, context=caller)


@router.post(
    "/{code}/rules",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgrammeOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    openapi_extra=audited("programme.rules.publish", "programme", from_path("code")),
)
async def publish_rules(code: str, rules: RuleSet, caller: Caller, rpc: Rpc) -> Any:
    """Publish the next rules version; published versions never change (another content for one is 409).

    ``version`` must be the next number (repeating the same version and content is
    idempotent); ``activated_at`` is now or later, and not before the previous version.
    """
    return await rpc.call("assistance", "publish_rules", code, rules.model_dump(mode="json"), context=caller)


@router.put(
    "/{code}/budgets/{period}/{area:path}",
    response_model=BudgetOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    openapi_extra=audited("budget.set", "budget", from_path("code", "period", "area")),
)
async def set_budget(code: str, period: Period, area: AreaPath, body: BudgetIn, caller: Caller, rpc: Rpc) -> Any:
    """Set the programme's envelope for an area (yours or below) and period, e.g. ``PUT …/budgets/2026-03/DZ/16``.

    Lowering it below what is already committed or spent answers 409.
    """
    return await rpc.call("assistance", "set_budget", code, f"/{area}", period, body.allocated_dzd, context=caller)


@router.get(
    "/{code}/budgets/{period}/{area:path}",
    response_model=BudgetOut,
    responses=error_responses(401, 403, 404, 422, 503),
    openapi_extra=audited("budget.read", "budget", from_path("code", "period", "area")),
)
async def get_budget(code: str, period: Period, area: AreaPath, caller: Caller, rpc: Rpc) -> Any:
    """The envelope: allocated, committed, spent and remaining (404 if unset or outside your area)."""
    return await rpc.call("assistance", "get_budget", code, f"/{area}", period, context=caller)


@router.get(
    "/{code}/eligibility/{household_id}",
    response_model=EligibilityResult,
    responses=error_responses(401, 403, 404, 409, 503),
    openapi_extra=audited("eligibility.check", "household"),
)
async def check_eligibility(code: str, household_id: str, caller: Caller, rpc: Rpc) -> Any:
    """Whether the household is eligible today, with the reason for every criterion (fr, ar) and the amount.

    409 if the programme has no rules in force yet.
    """
    return await rpc.call("assistance", "check_eligibility", code, household_id, context=caller)


@router.post(
    "/{code}/eligibility-runs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    openapi_extra=audited("eligibility.run", "eligibility_run", from_response()),
)
async def start_eligibility_run(code: str, body: EligibilityRunIn, caller: Caller, rpc: Rpc) -> Any:
    """Check every household of an area against the programme: a job (``/v1/eligibility-runs/{id}``)."""
    return await rpc.call("assistance", "start_eligibility_run", code, body.area, context=caller)
