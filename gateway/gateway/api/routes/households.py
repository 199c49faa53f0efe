"""Households: register and read (registry service)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from common.contracts.households import HouseholdIn, HouseholdOut
from gateway.audit import audited
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import error_responses

router = APIRouter(prefix="/v1/households", tags=["households"])

ERRORS = error_responses(401, 403, 404, 422, 503)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=HouseholdOut,
    responses=ERRORS,
    openapi_extra=audited("household.register", "household"),
)
async def register_household(household: HouseholdIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    return await rpc.call(
        "registry", "register_household", household.model_dump(mode="json"), idempotency_key, context=caller
    )


@router.get(
    "/{household_id}",
    response_model=HouseholdOut,
    responses=ERRORS,
    openapi_extra=audited("household.read", "household"),
)
async def get_household(household_id: str, caller: Caller, rpc: Rpc) -> Any:
    return await rpc.call("registry", "get_household", household_id, context=caller)
