"""Campaign storage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo.database import Database

from common import areas, scoping
from common.contracts.campaigns import CampaignIn
from common.documents import as_public
from common.idempotency import KeyedRequest, insert_once
from common.scope import Scope
from solidarity.documents import Campaign


class CampaignRepository(Protocol):
    def create(self, campaign: CampaignIn, user_id: str, idempotency_key: KeyedRequest) -> dict[str, Any]:
        """Create a campaign once per caller's idempotency key."""

    def list(self, scope: Scope) -> list[dict[str, Any]]:
        """Campaigns published to an area reaching ``scope``, newest first."""


class MongoCampaignRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        Campaign.ensure_indexes()

    def create(self, campaign: CampaignIn, user_id: str, idempotency_key: KeyedRequest) -> dict[str, Any]:
        doc = Campaign(
            **campaign.model_dump(),
            area_ancestors=areas.ancestors(campaign.area),
            created_at=datetime.now(UTC).replace(microsecond=0),
            created_by=user_id,
        )
        return as_public(insert_once(doc, idempotency_key))

    def list(self, scope: Scope) -> list[dict[str, Any]]:
        return [as_public(doc) for doc in Campaign.objects(__raw__=scoping.reaching(scope)).order_by("-starts_on")]
