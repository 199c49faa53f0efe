"""The solidarity service: thin entrypoints over the use cases in ``solidarity.app``.

Each entrypoint authorizes the caller, reads its payload, calls one use case and answers
a view (``solidarity.views``). Reading order: this file, then ``app/``, ``domain/``, ``adapters/``.
"""

from __future__ import annotations

from typing import Any

from common import policy
from common.contracts.campaigns import CampaignIn, CampaignStepIn
from common.contracts.donors import DonorIn
from common.contracts.gifts import GiftIn, ReasonIn
from common.idempotency import keyed
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.outbox_relay import OutboxRelay
from common.validation import parse
from solidarity import views
from solidarity.adapters import campaign_totals, gifts
from solidarity.adapters.campaign_totals import MongoCampaignTotals
from solidarity.adapters.campaigns import MongoCampaigns
from solidarity.adapters.donors import MongoDonors
from solidarity.adapters.gifts import MongoGifts
from solidarity.app import campaigns as campaigning
from solidarity.app import donors as donor_records
from solidarity.app import gifts as giving
from solidarity.app.ports import Campaigns, CampaignTotals, Donors, Gifts

PAGE = 200
OUTBOX_COLLECTIONS = (gifts.COLLECTION, campaign_totals.COLLECTION)


class SolidarityService(PlatformService):
    """Campaigns, donors, gifts, pledges, statement imports, receipts and bequests."""

    name = "solidarity"

    campaigns: Campaigns = MongoRepository(MongoCampaigns)
    totals: CampaignTotals = MongoRepository(MongoCampaignTotals)
    donors: Donors = MongoRepository(MongoDonors)
    gifts: Gifts = MongoRepository(MongoGifts)
    outbox = OutboxRelay(collections=OUTBOX_COLLECTIONS)  # publishes the events written with the records

    @property
    def desk(self) -> giving.GiftDesk:
        return giving.GiftDesk(self.campaigns, self.totals, self.donors, self.gifts)

    # campaigns (app.campaigns)

    @rpc
    def create_campaign(self, campaign: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A draft campaign in the caller's area or below; a repeated key answers the first one."""
        caller = policy.authorize(self.caller, "campaign.manage")
        payload = parse(CampaignIn, campaign)
        key = keyed(caller.user_id, idempotency_key, "create_campaign", payload)
        return views.campaign(campaigning.create(self.campaigns, caller, payload, key))

    @rpc
    def list_campaigns(self) -> list[dict[str, Any]]:
        """Campaigns running in or above the caller's area (donors see all they may give to)."""
        caller = policy.authorize(self.caller, "campaign.read")
        return [views.campaign(found) for found in campaigning.offered(self.campaigns, caller)]

    @rpc
    def get_campaign(self, campaign_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "campaign.read")
        return views.campaign(campaigning.visible(self.campaigns, caller, campaign_id))

    @rpc
    def move_campaign(self, campaign_id: str, step: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Open, close or archive a campaign run in the caller's area (asking for its present state answers it)."""
        caller = policy.authorize(self.caller, "campaign.manage")
        payload = parse(CampaignStepIn, step)
        keyed(caller.user_id, idempotency_key, "move_campaign", campaign_id, payload)
        return views.campaign(campaigning.move(self.campaigns, caller, campaign_id, payload.to))

    @rpc
    def campaign_progress(self, campaign_id: str) -> dict[str, Any]:
        """Each goal against what the campaign's standing gifts add up to."""
        caller = policy.authorize(self.caller, "campaign.read")
        return views.progress(campaigning.progress_of(self.campaigns, self.totals, caller, campaign_id))

    # donors (app.donors)

    @rpc
    def register_donor(self, donor: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A walk-in donor in the staff's area, or a donor user's own record (once)."""
        caller = policy.authorize(self.caller, "gift.record")
        payload = parse(DonorIn, donor)
        key = keyed(caller.user_id, idempotency_key, "register_donor", payload)
        return views.donor(donor_records.register(self.donors, caller, payload, key))

    @rpc
    def get_donor(self, donor_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "gift.read")
        return views.donor(donor_records.visible(self.donors, caller, donor_id))

    @rpc
    def my_donor(self) -> dict[str, Any]:
        """The donor user's own record."""
        caller = policy.authorize(self.caller, "donor.self")
        return views.donor(donor_records.own(self.donors, caller))

    @rpc
    def list_donors(self) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "gift.read")
        found, total = donor_records.listed(self.donors, caller, PAGE)
        return views.page([views.donor(one) for one in found], total)

    # gifts (app.gifts)

    @rpc
    def record_gift(self, gift: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Record a gift (cash or in kind) once per key; it counts in its campaign's progress."""
        caller = policy.authorize(self.caller, "gift.record")
        payload = parse(GiftIn, gift)
        key = keyed(caller.user_id, idempotency_key, "record_gift", payload)
        return views.gift(giving.record(self.desk, caller, payload, key))

    @rpc
    def get_gift(self, gift_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "gift.read")
        return views.gift(giving.visible(self.desk, caller, gift_id))

    @rpc
    def list_gifts(self, donor_id: str | None = None, campaign_id: str | None = None) -> dict[str, Any]:
        """The gifts the caller sees (newest first, up to a page) and how many."""
        caller = policy.authorize(self.caller, "gift.read")
        found, total = giving.listed(self.desk, caller, donor_id, campaign_id, PAGE)
        return views.page([views.gift(one) for one in found], total)

    @rpc
    def withdraw_gift(self, gift_id: str, how: str, reason: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Cancel (``how`` = ``cancel``) or refund (``refund``) a gift with its reason."""
        caller = policy.authorize(self.caller, "gift.cancel")
        payload = parse(ReasonIn, reason)
        keyed(caller.user_id, idempotency_key, "withdraw_gift", gift_id, how, payload)
        return views.gift(giving.withdraw(self.desk, caller, gift_id, how, payload.reason))

    # --- receipts ---

    # --- bequests ---
