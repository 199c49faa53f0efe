"""Households: register and read (registry service)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from common.contracts.households import HouseholdFilter, HouseholdIn, HouseholdOut, HouseholdPage, HouseholdUpdate
from gateway.audit import COLLECTION, audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/households", tags=["households"], responses=COMMON_ERRORS)

ERRORS = error_responses(401, 403, 404, 422, 503)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=HouseholdOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),  # 409: the key was used for another request
    openapi_extra=audited("household.register", "household", from_response()),
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


@router.get(
    "",
    response_model=HouseholdPage,
    responses=ERRORS,
    openapi_extra=audited("household.list", "household", COLLECTION),
)
async def list_households(filters: Annotated[HouseholdFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """Households in the caller's area (optionally a sub-area), by creation; page with ``after``."""
    return await rpc.call(
        "registry", "list_households", filters.model_dump(mode="json", exclude_none=True), context=caller
    )


@router.patch(
    "/{household_id}",
    response_model=HouseholdOut,
    responses=ERRORS,
    openapi_extra=audited("household.update", "household"),
)
async def update_household(household_id: str, changes: HouseholdUpdate, caller: Caller, rpc: Rpc) -> Any:
    """Change the editable fields (the address). Repeating the same change is harmless."""
    return await rpc.call("registry", "update_household", household_id, changes.model_dump(mode="json"), context=caller)
