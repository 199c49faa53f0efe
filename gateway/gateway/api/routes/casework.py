"""Case work of the proximity cells (assistance service): team, cases, visits, caseload.

A cell is named by its commune's code (``/v1/cells/1601/...``). A cell coordinator manages
their commune's team and cases, a wilaya director those of the wilaya; staff of the area
plan and record visits. Out of your area a cell or a case answers 404; a write aimed at a
cell outside it answers 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from common.contracts.casework import (
    COMMUNE_PATTERN,
    CaseClose,
    CaseFilter,
    CaseIn,
    Caseload,
    CaseOut,
    OverdueVisit,
    SoftLimitIn,
    TeamMemberIn,
    TeamMemberOut,
    VisitIn,
    VisitOut,
    VisitRecord,
)
from gateway.audit import COLLECTION, audited, from_path, from_request, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

cells = APIRouter(prefix="/v1/cells", tags=["casework"], responses=COMMON_ERRORS)
cases = APIRouter(prefix="/v1/cases", tags=["casework"], responses=COMMON_ERRORS)
router = APIRouter()

Commune = Annotated[str, Path(pattern=COMMUNE_PATTERN, description="the commune's code", examples=["1601"])]
ObjectId = Annotated[str, Path(pattern=r"^[0-9a-f]{24}$")]
READ_ERRORS = error_responses(401, 403, 404, 422, 503)
WRITE_ERRORS = error_responses(401, 403, 404, 409, 422, 503)


@cells.get("/{commune}/team", response_model=list[TeamMemberOut], responses=READ_ERRORS)
async def list_team(commune: Commune, caller: Caller, rpc: Rpc) -> Any:
    """The cell's team, past members included (``active`` is for today)."""
    return await rpc.call("assistance", "list_team", commune, context=caller)


@cells.post(
    "/{commune}/team",
    response_model=TeamMemberOut,
    responses=WRITE_ERRORS,
    openapi_extra=audited("casework.team", "team_member", from_request("user_id")),
)
async def set_team_member(commune: Commune, member: TeamMemberIn, caller: Caller, rpc: Rpc) -> Any:
    """Add a member, or change a member's discipline or active period (posting the same user again)."""
    return await rpc.call("assistance", "set_team_member", commune, member.model_dump(mode="json"), context=caller)


@cells.get("/{commune}/caseload", response_model=Caseload, responses=READ_ERRORS)
async def caseload(commune: Commune, caller: Caller, rpc: Rpc) -> Any:
    """Open cases per worker of the cell, against the cell's soft limit."""
    return await rpc.call("assistance", "caseload", commune, context=caller)


@cells.put(
    "/{commune}/caseload/soft-limit",
    response_model=Caseload,
    responses=WRITE_ERRORS,
    openapi_extra=audited("casework.soft_limit", "cell", from_path("commune")),
)
async def set_soft_limit(commune: Commune, body: SoftLimitIn, caller: Caller, rpc: Rpc) -> Any:
    """Set the cell's soft limit: workers above it are flagged, never refused a case."""
    return await rpc.call("assistance", "set_caseload_limit", commune, body.soft_limit, context=caller)


@cells.get(
    "/{commune}/overdue-visits",
    response_model=list[OverdueVisit],
    responses=READ_ERRORS,
    openapi_extra=audited("casework.overdue", "cell", from_path("commune")),
)
async def overdue_visits(commune: Commune, caller: Caller, rpc: Rpc) -> Any:
    """Visits planned before today and not recorded, in the cell's open cases, the oldest first."""
    return await rpc.call("assistance", "overdue_visits", commune, context=caller)


@cases.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseOut,
    responses=WRITE_ERRORS,
    openapi_extra=audited("case.open", "case", from_response()),
)
async def open_case(case: CaseIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Open a case on a household of your area; ``warnings`` flags caseloads above the soft limit.

    One open case per household (409 otherwise).
    """
    return await rpc.call("assistance", "open_case", case.model_dump(mode="json"), idempotency_key, context=caller)


@cases.get(
    "",
    response_model=list[CaseOut],
    responses=error_responses(401, 403, 422, 503),
    openapi_extra=audited("case.list", "case", COLLECTION),
)
async def list_cases(filters: Annotated[CaseFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """Cases in your area, the latest opened first."""
    return await rpc.call(
        "assistance", "list_cases", filters.model_dump(mode="json", exclude_none=True), context=caller
    )


@cases.get("/{case_id}", response_model=CaseOut, responses=READ_ERRORS, openapi_extra=audited("case.read", "case"))
async def get_case(case_id: ObjectId, caller: Caller, rpc: Rpc) -> Any:
    return await rpc.call("assistance", "get_case", case_id, context=caller)


@cases.post(
    "/{case_id}/close",
    response_model=CaseOut,
    responses=WRITE_ERRORS,
    openapi_extra=audited("case.close", "case"),
)
async def close_case(
    case_id: ObjectId, body: CaseClose, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Close the case with a note; its planned visits are cancelled (409 ``invalid_transition`` if closed)."""
    return await rpc.call(
        "assistance", "close_case", case_id, body.model_dump(mode="json"), idempotency_key, context=caller
    )


@cases.post(
    "/{case_id}/visits",
    status_code=status.HTTP_201_CREATED,
    response_model=VisitOut,
    responses=WRITE_ERRORS,
    openapi_extra=audited("case.plan_visit", "case"),
)
async def plan_visit(
    case_id: ObjectId, visit: VisitIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Plan a visit by a member of the case (the lead unless named)."""
    return await rpc.call(
        "assistance", "plan_visit", case_id, visit.model_dump(mode="json"), idempotency_key, context=caller
    )


@cases.post(
    "/{case_id}/visits/{visit_id}/record",
    response_model=VisitOut,
    responses=WRITE_ERRORS,
    openapi_extra=audited("case.record_visit", "case"),
)
async def record_visit(
    case_id: ObjectId,
    visit_id: ObjectId,
    record: VisitRecord,
    caller: Caller,
    rpc: Rpc,
    idempotency_key: IdempotencyKey,
) -> Any:
    """Record a planned visit with its outcome notes (once: 409 ``invalid_transition`` afterwards)."""
    return await rpc.call(
        "assistance",
        "record_visit",
        case_id,
        visit_id,
        record.model_dump(mode="json"),
        idempotency_key,
        context=caller,
    )


router.include_router(cells)
router.include_router(cases)
