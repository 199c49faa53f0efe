"""Institutions and referrals to them (assistance service).

An institution serves its wilaya: staff see their wilaya's institutions with their
occupancy. A referral is proposed by staff over the person's household, then accepted or
refused, placed and ended by the institution's side (a wilaya director or national
officer over the institution's wilaya); the referring side may withdraw it. Every step
takes an ``Idempotency-Key``: the same key answers the step's stored outcome.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from common.contracts.referrals import (
    CODE_PATTERN,
    AcceptIn,
    EndIn,
    InstitutionFilter,
    InstitutionIn,
    InstitutionOut,
    MotiveIn,
    PlaceIn,
    ReferralFilter,
    ReferralIn,
    ReferralOut,
)
from gateway.audit import COLLECTION, audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

institutions = APIRouter(prefix="/v1/institutions", tags=["referrals"], responses=COMMON_ERRORS)
referrals = APIRouter(prefix="/v1/referrals", tags=["referrals"], responses=COMMON_ERRORS)
router = APIRouter()

Code = Annotated[str, Path(pattern=CODE_PATTERN, description="the institution's code")]
ReferralId = Annotated[str, Path(pattern=r"^[0-9a-f]{24}$")]
STEP_ERRORS = error_responses(401, 403, 404, 409, 422, 503)


@institutions.get("", response_model=list[InstitutionOut], responses=error_responses(401, 403, 422, 503))
async def list_institutions(filters: Annotated[InstitutionFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """Institutions of your wilaya (every wilaya's for a national officer), by code, with occupancy."""
    return await rpc.call(
        "assistance", "list_institutions", filters.model_dump(mode="json", exclude_none=True), context=caller
    )


@institutions.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=InstitutionOut,
    responses=error_responses(401, 403, 409, 422, 503),
    openapi_extra=audited("institution.create", "institution", from_response("code")),
)
async def create_institution(institution: InstitutionIn, caller: Caller, rpc: Rpc) -> Any:
    """Add an institution in your area. Its code makes the call idempotent; another one with the code is 409."""
    return await rpc.call("assistance", "create_institution", institution.model_dump(mode="json"), context=caller)


@institutions.get(
    "/{institution_id}", response_model=InstitutionOut, responses=error_responses(401, 403, 404, 422, 503)
)
async def get_institution(institution_id: Code, caller: Caller, rpc: Rpc) -> Any:
    """One institution with its occupancy (places taken by current placements, by kind if split)."""
    return await rpc.call("assistance", "get_institution", institution_id, context=caller)


@institutions.put(
    "/{institution_id}",
    response_model=InstitutionOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    openapi_extra=audited("institution.update", "institution"),
)
async def update_institution(institution_id: Code, institution: InstitutionIn, caller: Caller, rpc: Rpc) -> Any:
    """Replace an institution's description and capacity; a capacity below the places taken is 409."""
    return await rpc.call(
        "assistance", "update_institution", institution_id, institution.model_dump(mode="json"), context=caller
    )


@referrals.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReferralOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("referral.propose", "referral", from_response()),
)
async def propose_referral(referral: ReferralIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Refer a household member (``<household id>:<index>``) to an institution of your wilaya.

    One open referral per person and institution (409 otherwise).
    """
    return await rpc.call(
        "assistance", "propose_referral", referral.model_dump(mode="json"), idempotency_key, context=caller
    )


@referrals.get(
    "",
    response_model=list[ReferralOut],
    responses=error_responses(401, 403, 422, 503),
    openapi_extra=audited("referral.list", "referral", COLLECTION),
)
async def list_referrals(filters: Annotated[ReferralFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """Referrals in your area (the households' or the institutions' side), the latest first."""
    return await rpc.call(
        "assistance", "list_referrals", filters.model_dump(mode="json", exclude_none=True), context=caller
    )


@referrals.get(
    "/{referral_id}",
    response_model=ReferralOut,
    responses=error_responses(401, 403, 404, 422, 503),
    openapi_extra=audited("referral.read", "referral"),
)
async def get_referral(referral_id: ReferralId, caller: Caller, rpc: Rpc) -> Any:
    return await rpc.call("assistance", "get_referral", referral_id, context=caller)


async def _step(
    rpc: Rpc, caller: Caller, referral_id: str, step: str, body: dict[str, Any], idempotency_key: str
) -> Any:
    return await rpc.call("assistance", "advance_referral", referral_id, step, body, idempotency_key, context=caller)


@referrals.post(
    "/{referral_id}/accept",
    response_model=ReferralOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("referral.accept", "referral"),
)
async def accept_referral(
    referral_id: ReferralId, body: AcceptIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """The institution's side accepts a proposed referral (409 ``invalid_transition`` from another state)."""
    return await _step(rpc, caller, referral_id, "accept", body.model_dump(mode="json"), idempotency_key)


@referrals.post(
    "/{referral_id}/refuse",
    response_model=ReferralOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("referral.refuse", "referral"),
)
async def refuse_referral(
    referral_id: ReferralId, body: MotiveIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """The institution's side refuses a proposed referral, with a motive."""
    return await _step(rpc, caller, referral_id, "refuse", body.model_dump(mode="json"), idempotency_key)


@referrals.post(
    "/{referral_id}/place",
    response_model=ReferralOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("referral.place", "referral"),
)
async def place_referral(
    referral_id: ReferralId, body: PlaceIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Admit the person: takes one of the institution's places, or 409 ``conflict`` when none is left."""
    return await _step(rpc, caller, referral_id, "place", body.model_dump(mode="json"), idempotency_key)


@referrals.post(
    "/{referral_id}/end",
    response_model=ReferralOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("referral.end", "referral"),
)
async def end_referral(
    referral_id: ReferralId, body: EndIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Record the person's exit (date and motive): the place is given back."""
    return await _step(rpc, caller, referral_id, "end", body.model_dump(mode="json"), idempotency_key)


@referrals.post(
    "/{referral_id}/withdraw",
    response_model=ReferralOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("referral.withdraw", "referral"),
)
async def withdraw_referral(
    referral_id: ReferralId, body: MotiveIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """The referring side withdraws a proposed or accepted referral (a place it held is given back)."""
    return await _step(rpc, caller, referral_id, "withdraw", body.model_dump(mode="json"), idempotency_key)


router.include_router(institutions)
router.include_router(referrals)
