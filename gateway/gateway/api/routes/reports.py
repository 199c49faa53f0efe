"""Reports read from the reporting service's read models: quarterly and annual reports, closes, exports."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=COMMON_ERRORS)

Area = Annotated[str | None, Query(description="an area inside yours; yours by default")]


class HouseholdCount(BaseModel):
    area: str
    households: int


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: str | None = None


class ActionPlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: str | None = None
    text: str = Field(min_length=1, max_length=4000, description="the action plan for the next period")


@router.get(
    "/households/count",
    response_model=HouseholdCount,
    responses=error_responses(401, 403, 503),
)
async def household_count(caller: Caller, rpc: Rpc) -> Any:
    """Registered households in the caller's area, as reporting has recorded them."""
    return await rpc.call("reporting", "household_count", context=caller)


# ``period`` is a quarter (2026-Q3) or a year (2026, the annual balance); anything else is 422 unknown_period.


@router.get("/periods/{period}", responses=error_responses(401, 403, 404, 409, 422, 503))
async def get_report(period: str, caller: Caller, rpc: Rpc, area: Area = None, final: bool = False) -> Any:
    """The quarterly report or annual balance of an area: provisional (as of the last event applied), or the
    last closed version with ``final`` (409 ``period_not_closed`` if never closed)."""
    return await rpc.call("reporting", "get_report", period, area, final, context=caller)


@router.get("/periods/{period}/versions", responses=error_responses(401, 403, 404, 422, 503))
async def report_versions(period: str, caller: Caller, rpc: Rpc, area: Area = None) -> Any:
    """Every closed version of the period (hash, who closed it, when, and what each correction changed)."""
    return await rpc.call("reporting", "report_versions", period, area, context=caller)


@router.post("/periods/{period}/close", status_code=201, responses=error_responses(401, 403, 404, 409, 422, 503))
async def close_report(period: str, body: CloseIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Freeze the ended period's report of your own area as its next version (a correction after the first)."""
    return await rpc.call("reporting", "close_report", period, body.area, idempotency_key, context=caller)


@router.put("/periods/{period}/action-plan", responses=error_responses(401, 403, 404, 409, 422, 503))
async def set_action_plan(
    period: str, body: ActionPlanIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """The action plan your area enters with the period's report, for the next period."""
    return await rpc.call("reporting", "set_action_plan", period, body.area, body.text, idempotency_key, context=caller)


@router.get("/periods/{period}/public", responses=error_responses(401, 403, 404, 422, 503))
async def public_figures(period: str, caller: Caller, rpc: Rpc, area: Area = None) -> Any:
    """The published figures by area (donors too): small cells and their complements hidden (``null``)."""
    return await rpc.call("reporting", "public_figures", period, area, context=caller)


def _file_or_job(answer: dict[str, Any]) -> Response:
    if "job" in answer:
        return JSONResponse(status_code=202, content=answer["job"])
    file = answer["file"]
    return Response(
        content=base64.b64decode(file["content_base64"]),
        media_type=file["media_type"],
        headers={"Content-Disposition": f'attachment; filename="{file["name"]}"'},
    )


@router.get(
    "/periods/{period}/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
        202: {"description": "a large export: the job writing it (poll /v1/reports/exports/{job_id})"},
        **error_responses(401, 403, 404, 422, 503),
    },
)
async def export_report(
    period: str,
    caller: Caller,
    rpc: Rpc,
    area: Area = None,
    level: Annotated[Literal["children", "communes"], Query()] = "children",
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
    public: bool = False,
) -> Response:
    """The period's headline figures by area as CSV or XLSX; suppressed when ``public`` (always for donors)."""
    return _file_or_job(
        await rpc.call("reporting", "export_report", period, area, level, format, public, context=caller)
    )


@router.get(
    "/exports/{job_id}",
    response_class=Response,
    responses={202: {"description": "still running: the job"}, **error_responses(401, 403, 404, 503)},
)
async def export_job(job_id: str, caller: Caller, rpc: Rpc) -> Response:
    """A large export you started: the file once written (200), the job while it runs (202)."""
    return _file_or_job(await rpc.call("reporting", "export_job", job_id, context=caller))


@router.post("/rebuild", status_code=202, responses=error_responses(401, 403, 409, 503))
async def rebuild_read_models(caller: Caller, rpc: Rpc) -> Any:
    """Empty the read models and replay the event log, as a job (national officer; one at a time: 409 otherwise)."""
    return await rpc.call("reporting", "rebuild_read_models", context=caller)


@router.get("/jobs/{job_id}", responses=error_responses(401, 403, 404, 503))
async def get_job(job_id: str, caller: Caller, rpc: Rpc) -> Any:
    """A reporting job (rebuild, export): its status, progress and result."""
    return await rpc.call("reporting", "get_job", job_id, context=caller)
