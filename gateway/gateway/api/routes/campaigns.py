"""Solidarity campaigns: create (draft), open/close/archive, read where offered, progress against goals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from common.contracts.campaigns import CampaignIn, CampaignOut, CampaignStepIn, ProgressOut
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


@router.get("/{campaign_id}", response_model=CampaignOut, responses=error_responses(401, 403, 404, 503))
async def get_campaign(campaign_id: str, caller: Caller, rpc: Rpc) -> Any:
    """A campaign offered in the caller's area (404 elsewhere, as for an unknown id)."""
    return await rpc.call("solidarity", "get_campaign", campaign_id, context=caller)


@router.post(
    "/{campaign_id}/state",
    openapi_extra=audited("campaign.move", "campaign"),
    response_model=CampaignOut,
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def move_campaign(
    campaign_id: str, step: CampaignStepIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Open, close or archive a campaign run inside the caller's area (draft → open → closed → archived)."""
    return await rpc.call(
        "solidarity", "move_campaign", campaign_id, step.model_dump(mode="json"), idempotency_key, context=caller
    )


@router.get("/{campaign_id}/progress", response_model=ProgressOut, responses=error_responses(401, 403, 404, 503))
async def campaign_progress(campaign_id: str, caller: Caller, rpc: Rpc) -> Any:
    """Each goal against what the campaign's standing gifts add up to (one read of its totals)."""
    return await rpc.call("solidarity", "campaign_progress", campaign_id, context=caller)
