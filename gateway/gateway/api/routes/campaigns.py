"""Solidarity campaigns."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from common.contracts.campaigns import CampaignIn, CampaignOut
from gateway.audit import audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/campaigns", tags=["solidarity"], responses=COMMON_ERRORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=audited("campaign.create", "campaign", from_response()),
    response_model=CampaignOut,
    responses=error_responses(401, 403, 409, 422, 503),  # 409: the key was used for another request
)
async def create_campaign(campaign: CampaignIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    return await rpc.call(
        "solidarity", "create_campaign", campaign.model_dump(mode="json"), idempotency_key, context=caller
    )


@router.get("", response_model=list[CampaignOut], responses=error_responses(401, 403, 503))
async def list_campaigns(caller: Caller, rpc: Rpc) -> Any:
    return await rpc.call("solidarity", "list_campaigns", context=caller)
