"""Gifts: cash or in kind, to a campaign or not; cancellation and refund with a reason."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status

from common.contracts.gifts import GiftIn, GiftOut, GiftPage, ReasonIn
from gateway.audit import COLLECTION, audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/gifts", tags=["solidarity"], responses=COMMON_ERRORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=audited("gift.record", "gift", from_response()),
    response_model=GiftOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def record_gift(gift: GiftIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Record a gift once per key (staff: of a donor of their area; a donor user: their own, by card, CCP or transfer).

    Refused with a stable ``details.code``: ``amount_not_positive``, ``currency_not_accepted``,
    ``campaign_not_open`` (409), ``donor_required``, ``self_service_channel``...; an unknown
    campaign or donor is 404.
    """
    return await rpc.call("solidarity", "record_gift", gift.model_dump(mode="json"), idempotency_key, context=caller)


@router.get(
    "",
    response_model=GiftPage,
    responses=error_responses(401, 403, 404, 503),
    openapi_extra=audited("gift.list", "gift", COLLECTION),
)
async def list_gifts(
    caller: Caller,
    rpc: Rpc,
    donor_id: str | None = Query(default=None, max_length=64),
    campaign_id: str | None = Query(default=None, max_length=64),
) -> Any:
    """The gifts the caller sees, newest first, and how many (a donor user: their own only)."""
    return await rpc.call("solidarity", "list_gifts", donor_id, campaign_id, context=caller)


@router.get(
    "/{gift_id}",
    response_model=GiftOut,
    responses=error_responses(401, 403, 404, 503),
    openapi_extra=audited("gift.read", "gift"),
)
async def get_gift(gift_id: str, caller: Caller, rpc: Rpc) -> Any:
    return await rpc.call("solidarity", "get_gift", gift_id, context=caller)


@router.post(
    "/{gift_id}/cancellation",
    openapi_extra=audited("gift.cancel", "gift"),
    response_model=GiftOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def cancel_gift(gift_id: str, body: ReasonIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """A gift recorded by mistake, with the reason; it no longer counts in its campaign."""
    return await rpc.call(
        "solidarity", "withdraw_gift", gift_id, "cancel", body.model_dump(mode="json"), idempotency_key, context=caller
    )


@router.post(
    "/{gift_id}/refund",
    openapi_extra=audited("gift.refund", "gift"),
    response_model=GiftOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def refund_gift(gift_id: str, body: ReasonIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Cash given back, with the reason; it no longer counts in its campaign."""
    return await rpc.call(
        "solidarity", "withdraw_gift", gift_id, "refund", body.model_dump(mode="json"), idempotency_key, context=caller
    )
