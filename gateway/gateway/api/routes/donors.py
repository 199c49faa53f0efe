"""Donors: walk-in donors registered by staff in their area; a donor user's own record."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from common.contracts.donors import ConsentIn, DonorIn, DonorOut, DonorPage
from gateway.audit import COLLECTION, audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/donors", tags=["solidarity"], responses=COMMON_ERRORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=audited("donor.register", "donor", from_response()),
    response_model=DonorOut,
    responses=error_responses(401, 403, 409, 422, 503),
)
async def register_donor(donor: DonorIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Staff: a walk-in donor in their area. A donor user: their own record (once; 409 ``donor_exists`` after)."""
    return await rpc.call(
        "solidarity", "register_donor", donor.model_dump(mode="json"), idempotency_key, context=caller
    )


@router.get(
    "",
    response_model=DonorPage,
    responses=error_responses(401, 403, 503),
    openapi_extra=audited("donor.list", "donor", COLLECTION),
)
async def list_donors(caller: Caller, rpc: Rpc) -> Any:
    """Donors of the caller's area (newest first); a donor user sees their own record only."""
    return await rpc.call("solidarity", "list_donors", context=caller)


@router.get(
    "/me",
    response_model=DonorOut,
    responses=error_responses(401, 403, 404, 503),
    openapi_extra=audited("donor.read", "donor", from_response()),
)
async def my_donor(caller: Caller, rpc: Rpc) -> Any:
    """The donor user's own record (404 ``donor_profile_missing`` until registered)."""
    return await rpc.call("solidarity", "my_donor", context=caller)


@router.get(
    "/{donor_id}",
    response_model=DonorOut,
    responses=error_responses(401, 403, 404, 503),
    openapi_extra=audited("donor.read", "donor"),
)
async def get_donor(donor_id: str, caller: Caller, rpc: Rpc) -> Any:
    return await rpc.call("solidarity", "get_donor", donor_id, context=caller)


@router.put(
    "/{donor_id}/consent",
    openapi_extra=audited("donor.consent", "donor"),
    response_model=DonorOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def set_donor_consent(
    donor_id: str, consent: ConsentIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """The channels the donor agrees to be contacted through (empty: withdrawn), and anonymity on public lists.

    The donor user for their own record; staff for donors of their area (404 otherwise).
    """
    return await rpc.call(
        "solidarity", "set_donor_consent", donor_id, consent.model_dump(mode="json"), idempotency_key, context=caller
    )
