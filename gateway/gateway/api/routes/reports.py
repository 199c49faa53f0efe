"""Reports read from the reporting service's read models."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=COMMON_ERRORS)


class HouseholdCount(BaseModel):
    area: str
    households: int


@router.get(
    "/households/count",
    response_model=HouseholdCount,
    responses=error_responses(401, 403, 503),
)
async def household_count(caller: Caller, rpc: Rpc) -> Any:
    """Registered households in the caller's area, as reporting has recorded them."""
    return await rpc.call("reporting", "household_count", context=caller)
