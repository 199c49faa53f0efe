"""Gifts: record (cash or in kind, restricted or not, with a tribute), read, list, cancel and refund.

Staff record gifts of donors registered in their area, received in their area. A donor
user records their own gifts, paid by card, CCP or transfer (never "at the counter": only
staff take cash), and reads only their own. A gift to a campaign counts in its totals
while it stands; a cancelled or refunded gift is taken back and its valid receipt voided.

Those follow-ups live in other documents than the gift, so without a transaction they are
made safe by a marker: the gift is written (recorded, or withdrawn) with ``settle`` = the
move's sign in the same write, each follow-up is idempotent (the totals are guarded by the
move's tag, a void receipt is not voided twice), and the marker is removed last. A crash in
between leaves the marker, and :func:`settle_unsettled` (a timer) finishes the move once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from common import policy
from common.clock import now
from common.context import CallerContext
from common.contracts.events import DonationRecorded
from common.contracts.gifts import GiftIn
from common.idempotency import KeyedRequest
from common.refusals import invalid
from solidarity.app import campaigns as campaigning
from solidarity.app import donors as donor_records
from solidarity.app import receipts as receipting
from solidarity.app.ports import Campaigns, CampaignTotals, Donors, Gifts, ReceiptRegister
from solidarity.domain.donors import Donor
from solidarity.domain.gifts import CashPayment, Gift, ItemLine, Tribute, new_gift
from solidarity.domain.money import Money

SELF_SERVICE_CHANNELS = frozenset({"card", "ccp", "bank_transfer"})
SETTLE_AFTER_SECONDS = 60  # a move unsettled this long was left by a stopped process: the timer finishes it
SETTLE_BATCH = 500
SETTLER = "settle"  # who a receipt voided by the timer is voided by


@dataclass(frozen=True)
class GiftDesk:
    """What the gift use cases work with, bundled once per call by the service."""

    campaigns: Campaigns
    totals: CampaignTotals
    donors: Donors
    gifts: Gifts
    register: ReceiptRegister | None = None  # None: no receipts to void (the benchmarks)


def record(desk: GiftDesk, caller: CallerContext, body: GiftIn, key: KeyedRequest) -> Gift:
    """Record a gift once per key; it announces ``donation_recorded`` and counts in its campaign's totals."""
    earlier = desk.gifts.by_key(key)
    if earlier is not None:
        return earlier  # a replay answers the first gift, even once its campaign has closed
    donor = giver(desk, caller, body.donor_id)
    campaign = campaigning.visible(desk.campaigns, caller, body.campaign_id) if body.campaign_id else None
    self_service = donor_records.is_self_service(caller)
    if self_service and (body.cash is None or body.cash.channel not in SELF_SERVICE_CHANNELS):
        raise invalid("self_service_channel", "a donor records gifts paid by card, CCP or transfer",
                      allowed=sorted(SELF_SERVICE_CHANNELS))  # fmt: skip
    area = (
        body.area
        or (campaign.area if campaign and self_service else None)
        or (donor.area if self_service else caller.area)
    )
    if not self_service:
        policy.require_within(caller, area)
    today = now().date()
    received_on = body.received_on or today
    if received_on > today:
        raise invalid("received_in_future", "a gift is recorded once received", received_on=received_on.isoformat())
    cash = body.cash
    gift = new_gift(
        id=desk.gifts.new_id(),
        donor_id=donor.id,
        area=area,
        received_on=received_on,
        cash=CashPayment(Money.of(cash.amount, cash.currency), cash.channel, cash.reference) if cash else None,
        items=[ItemLine(i.item, i.quantity, Money.of(i.unit_value, i.currency), i.condition) for i in body.items],
        campaign=campaign,
        restricted_area=body.restricted_area,
        tribute=Tribute(body.tribute.kind, body.tribute.name) if body.tribute else None,
    )
    event = DonationRecorded(
        gift_id=gift.id, donor_id=gift.donor_id, area=gift.area, campaign_id=gift.campaign_id,
        kind="cash" if gift.cash else "in_kind", amount_minor=gift.value.minor, currency=gift.value.currency,
    )  # fmt: skip
    settling = 1 if campaign is not None else 0
    stored, created = desk.gifts.create(gift, key, key.user_id, [event], settling)  # key's author: app.statements
    if created and settling:
        settle(desk, stored, +1, caller.user_id)
    return stored


def giver(desk: GiftDesk, caller: CallerContext, donor_id: str | None) -> Donor:
    """The donor a gift is recorded for: the donor user's own record, or one the staff sees."""
    if donor_records.is_self_service(caller):
        mine = donor_records.own(desk.donors, caller)
        if donor_id is not None and donor_id != mine.id:
            return donor_records.visible(desk.donors, caller, donor_id)  # another's: NotFound
        return mine
    if donor_id is None:
        raise invalid("donor_required", "a gift names its donor (donor_id)")
    return donor_records.visible(desk.donors, caller, donor_id)


def in_sight(caller: CallerContext, donors: Donors) -> Callable[[Gift], bool]:
    """The test a gift passes to exist for the caller."""
    if donor_records.is_self_service(caller):
        mine = donors.of_user(caller.user_id)
        return lambda gift: mine is not None and gift.donor_id == mine.id
    scope = policy.scope(caller)
    return lambda gift: scope.contains(gift.area)


def visible(desk: GiftDesk, caller: CallerContext, gift_id: Any) -> Gift:
    """One gift: a donor's own, or one received inside the staff's area; NotFound otherwise."""
    found = desk.gifts.get(gift_id) if isinstance(gift_id, str) else None
    return policy.visible_or_404(found, in_sight(caller, desk.donors), "gift")


def listed(
    desk: GiftDesk, caller: CallerContext, donor_id: Any, campaign_id: Any, limit: int
) -> tuple[list[Gift], int]:
    """Gifts the caller sees (newest first) and how many, of one donor and/or one campaign they see."""
    if donor_records.is_self_service(caller):
        mine = desk.donors.of_user(caller.user_id)
        if donor_id is not None and (mine is None or donor_id != mine.id):
            donor_records.visible(desk.donors, caller, donor_id)  # another's: NotFound
        if campaign_id is not None:
            campaigning.visible(desk.campaigns, caller, campaign_id)
        if mine is None:
            return [], 0  # a donor who has not registered yet has given nothing
        return (desk.gifts.find(None, mine.id, campaign_id, limit), desk.gifts.count(None, mine.id, campaign_id))
    if donor_id is not None:
        donor_records.visible(desk.donors, caller, donor_id)
    if campaign_id is not None:
        campaigning.visible(desk.campaigns, caller, campaign_id)
    scope = policy.scope(caller)
    return desk.gifts.find(scope, donor_id, campaign_id, limit), desk.gifts.count(scope, donor_id, campaign_id)


def withdraw(desk: GiftDesk, caller: CallerContext, gift_id: Any, how: str, reason: str) -> Gift:
    """Cancel (``how`` = cancel) or refund a gift with its reason; the same request again answers the gift as it is."""
    gift = visible(desk, caller, gift_id)
    done = "cancelled" if how == "cancel" else "refunded"
    pending = desk.gifts.unsettled_sign(gift.id)
    if gift.state == done and gift.reason == reason.strip():
        if pending < 0:
            settle(desk, gift, -1, caller.user_id)  # a repeat finishes what the first request left
        return gift  # a replay
    changed = gift.cancelled(reason) if how == "cancel" else gift.refunded(reason)
    if pending > 0:
        settle(desk, gift, +1, caller.user_id)  # counted before it is taken back
    moved = desk.gifts.move(gift, changed, -1)
    if moved is None:
        return withdraw(desk, caller, gift_id, how, reason)  # it moved meanwhile: decide on what it is now
    settle(desk, moved, -1, caller.user_id)
    return moved


def settle(desk: GiftDesk, gift: Gift, sign: int, by: str) -> None:
    """Finish a gift's move once, whoever runs it (the request, its repeat or the timer), then drop its marker.

    Recorded (+1): counted in its campaign. Withdrawn (-1): taken back from its campaign, and its valid
    receipt voided with the gift's reason (``receipt_cancelled`` goes out once).
    """
    if gift.campaign_id is not None:
        campaign = desk.campaigns.get(gift.campaign_id)
        if campaign is not None:
            campaigning.count_gift(desk.totals, campaign, gift, sign)
    if sign < 0 and desk.register is not None:
        receipting.void_with_gift(desk.register, gift, by)
    desk.gifts.settled(gift.id, sign)


def settle_unsettled(desk: GiftDesk, at: datetime, after_seconds: int = SETTLE_AFTER_SECONDS) -> int:
    """Finish the moves a stopped process left unsettled (older than ``after_seconds``); how many."""
    left = desk.gifts.unsettled(at - timedelta(seconds=after_seconds), SETTLE_BATCH)
    for gift, sign in left:
        settle(desk, gift, sign, SETTLER)
    return len(left)
