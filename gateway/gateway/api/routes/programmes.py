"""Assistance programme catalogue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from common.contracts.programmes import ProgrammeIn, ProgrammeOut
from gateway.audit import audited
from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/programmes", tags=["assistance"], responses=COMMON_ERRORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=audited("programme.create", "programme"),
    response_model=ProgrammeOut,
    responses=error_responses(401, 403, 409, 422, 503),
)
async def create_programme(programme: ProgrammeIn, caller: Caller, rpc: Rpc) -> Any:
    """Publish a programme (its code makes the call idempotent)."""
    return await rpc.call("assistance", "create_programme", programme.model_dump(mode="json"), context=caller)


@router.get("", response_model=list[ProgrammeOut], responses=error_responses(401, 403, 503))
async def list_programmes(caller: Caller, rpc: Rpc) -> Any:
    """Programmes offered in or above the caller's area."""
    return await rpc.call("assistance", "list_programmes", context=caller)
