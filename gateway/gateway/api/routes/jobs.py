"""Long jobs: imports, duplicate scans and score recomputes report their progress here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from common.contracts.jobs import JobOut
from gateway.audit import audited
from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses=COMMON_ERRORS)


@router.get(
    "/{job_id}",
    response_model=JobOut,
    responses=error_responses(401, 403, 404, 503),
    openapi_extra=audited("job.read", "job"),
)
async def get_job(job_id: str, caller: Caller, rpc: Rpc) -> Any:
    """A job's status and progress (poll it); a job started outside your area does not exist."""
    return await rpc.call("registry", "get_job", job_id, context=caller)
