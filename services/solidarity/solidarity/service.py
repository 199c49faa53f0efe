"""Solidarity entrypoints."""

from __future__ import annotations

from typing import Any

from common import policy
from common.contracts.campaigns import CampaignIn
from common.idempotency import keyed
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.validation import parse
from solidarity.repository import CampaignRepository, MongoCampaignRepository


class SolidarityService(PlatformService):
    name = "solidarity"

    campaigns: CampaignRepository = MongoRepository(MongoCampaignRepository)

    @rpc
    def create_campaign(self, campaign: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "campaign.manage")
        payload = parse(CampaignIn, campaign)
        policy.require_within(caller, payload.area)
        key = keyed(caller.user_id, idempotency_key, "create_campaign", payload)
        return self.campaigns.create(payload, caller.user_id, key)

    @rpc
    def list_campaigns(self) -> list[dict[str, Any]]:
        """Campaigns running in or above the caller's area (donors see all they may give to)."""
        caller = policy.authorize(self.caller, "campaign.read")
        return self.campaigns.list(policy.scope(caller))
