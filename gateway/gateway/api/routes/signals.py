"""Social-watch field signals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from common.contracts.signals import SignalIn, SignalOut
from gateway.audit import COLLECTION, audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/signals", tags=["veille"], responses=COMMON_ERRORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=audited("signal.report", "signal", from_response()),
    response_model=SignalOut,
    responses=error_responses(401, 403, 409, 422, 503),  # 409: the key was used for another request
)
async def report_signal(signal: SignalIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    return await rpc.call("veille", "report_signal", signal.model_dump(mode="json"), idempotency_key, context=caller)


@router.get(
    "",
    response_model=list[SignalOut],
    responses=error_responses(401, 403, 503),
    openapi_extra=audited("signal.list", "signal", COLLECTION),
)
async def list_signals(caller: Caller, rpc: Rpc) -> Any:
    """The most severe, then newest, signals in the caller's area."""
    return await rpc.call("veille", "list_signals", context=caller)
