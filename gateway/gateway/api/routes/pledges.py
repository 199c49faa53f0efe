"""Pledges: a promised total on an instalment schedule, payments against it, cancellation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from common.contracts.gifts import PaymentIn, PledgeIn, PledgeOut, PledgePage, ReasonIn
from gateway.audit import COLLECTION, audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/pledges", tags=["solidarity"], responses=COMMON_ERRORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=audited("pledge.create", "pledge", from_response()),
    response_model=PledgeOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def create_pledge(pledge: PledgeIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """A pledge: ``instalments`` summing to ``total`` (else 422 ``instalments_sum_mismatch``), or ``monthly``."""
    return await rpc.call(
        "solidarity", "create_pledge", pledge.model_dump(mode="json"), idempotency_key, context=caller
    )


@router.get(
    "",
    response_model=PledgePage,
    responses=error_responses(401, 403, 503),
    openapi_extra=audited("pledge.list", "pledge", COLLECTION),
)
async def list_pledges(caller: Caller, rpc: Rpc) -> Any:
    """Pledges followed in the caller's area (a donor user: their own), newest first, and how many."""
    return await rpc.call("solidarity", "list_pledges", context=caller)


@router.get(
    "/{pledge_id}",
    response_model=PledgeOut,
    responses=error_responses(401, 403, 404, 503),
    openapi_extra=audited("pledge.read", "pledge"),
)
async def get_pledge(pledge_id: str, caller: Caller, rpc: Rpc) -> Any:
    return await rpc.call("solidarity", "get_pledge", pledge_id, context=caller)


@router.post(
    "/{pledge_id}/payments",
    openapi_extra=audited("pledge.pay", "pledge"),
    response_model=PledgeOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def pay_pledge(
    pledge_id: str, payment: PaymentIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Record the payment as a gift and apply it to the oldest unpaid instalments (``payment_exceeds_pledge``)."""
    return await rpc.call(
        "solidarity", "pay_pledge", pledge_id, payment.model_dump(mode="json"), idempotency_key, context=caller
    )


@router.post(
    "/{pledge_id}/cancellation",
    openapi_extra=audited("pledge.cancel", "pledge"),
    response_model=PledgeOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def cancel_pledge(
    pledge_id: str, body: ReasonIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await rpc.call(
        "solidarity", "cancel_pledge", pledge_id, body.model_dump(mode="json"), idempotency_key, context=caller
    )
