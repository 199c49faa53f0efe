"""Gifts: cash through a channel, or items in kind with a valuation; restricted or not; in memory or honour of someone.

A gift is ``recorded``, then ``receipted`` (its amount is locked: a receipt states it),
and may be ``cancelled`` (recorded by mistake, never received) or ``refunded`` (cash given
back) with a reason. A receipted gift that is cancelled or refunded needs its receipt voided
(:attr:`Gift.receipt_number` says which).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal, get_args

from common import areas
from common.refusals import conflict, invalid
from solidarity.domain.campaigns import Campaign
from solidarity.domain.money import Money, total

Channel = Literal["counter", "ccp", "bank_transfer", "card"]
CHANNELS: tuple[str, ...] = get_args(Channel)
Condition = Literal["new", "good", "used"]
CONDITIONS: tuple[str, ...] = get_args(Condition)
TributeKind = Literal["in_memory_of", "in_honour_of"]
GiftState = Literal["recorded", "receipted", "cancelled", "refunded"]

# A counter gift is receipted on the spot; every other channel is traced by the bank's, CCP's or acquirer's reference.
REFERENCE_REQUIRED: frozenset[str] = frozenset({"ccp", "bank_transfer", "card"})


@dataclass(frozen=True, slots=True)
class CashPayment:
    amount: Money
    channel: Channel
    reference: str | None = None

    def __post_init__(self) -> None:
        self.amount.positive()
        if self.channel not in CHANNELS:
            raise invalid("channel_unknown", "unknown payment channel", channel=self.channel, known=list(CHANNELS))
        if self.channel in REFERENCE_REQUIRED and not (self.reference or "").strip():
            raise invalid("payment_reference_required", "this channel's payments carry their reference",
                          channel=self.channel)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ItemLine:
    """Items given in kind: how many, what one is worth, in what condition."""

    item: str
    quantity: int
    unit_value: Money
    condition: Condition = "new"

    def __post_init__(self) -> None:
        if not self.item.strip():
            raise invalid("item_unnamed", "an item given in kind is named")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) or self.quantity <= 0:
            raise invalid("quantity_not_positive", "a quantity is a whole number above zero", item=self.item)
        self.unit_value.positive("unit_value")
        if self.condition not in CONDITIONS:
            raise invalid("condition_unknown", "unknown condition", condition=self.condition, known=list(CONDITIONS))

    @property
    def value(self) -> Money:
        return self.unit_value.times(self.quantity)


@dataclass(frozen=True, slots=True)
class Tribute:
    """In memory of, or in honour of, someone the donor names."""

    kind: TributeKind
    name: str

    def __post_init__(self) -> None:
        if self.kind not in get_args(TributeKind):
            raise invalid("tribute_kind_unknown", "unknown tribute", kind=self.kind)
        if not self.name.strip():
            raise invalid("tribute_unnamed", "a gift in memory or in honour of someone names them")


@dataclass(frozen=True, slots=True)
class Gift:
    id: str
    donor_id: str
    area: str  # where it was received
    received_on: date
    cash: CashPayment | None = None
    items: tuple[ItemLine, ...] = ()
    campaign_id: str | None = None  # restricted to a campaign
    restricted_area: str | None = None  # restricted to an area
    tribute: Tribute | None = None
    state: GiftState = "recorded"
    receipt_number: str | None = None
    reason: str | None = None  # of a cancellation or refund

    @property
    def value(self) -> Money:
        """The cash amount, or the valuation of the items (all in one currency)."""
        if self.cash is not None:
            return self.cash.amount
        return total((line.value for line in self.items), self.items[0].unit_value.currency)

    @property
    def restricted(self) -> bool:
        return self.campaign_id is not None or self.restricted_area is not None

    @property
    def standing(self) -> bool:
        """True while the gift counts (neither cancelled nor refunded)."""
        return self.state in ("recorded", "receipted")

    def amended(self, cash: CashPayment | None = None, items: Iterable[ItemLine] | None = None) -> Gift:
        """The gift with a corrected amount or items; refused once receipted (``amount_locked``) or not standing."""
        if self.state == "receipted":
            raise conflict("amount_locked", "the gift is receipted: its amount is locked", receipt=self.receipt_number)
        self._require_standing()
        if (self.cash is not None and cash is None) or (self.items and items is None):
            raise invalid("gift_kind_changed", "an amendment keeps the gift's kind (cash or in kind)")
        amended = replace(self, cash=cash, items=tuple(items or ()))
        _check_value(amended)
        return amended

    def receipted(self, number: str) -> Gift:
        """The gift once its receipt is issued; a cancelled, refunded or already receipted gift is refused."""
        if self.state in ("cancelled", "refunded"):
            raise conflict("gift_not_standing", f"no receipt for a {self.state} gift", state=self.state)
        if self.state == "receipted":
            raise conflict("gift_already_receipted", "the gift already has its receipt", receipt=self.receipt_number)
        return replace(self, state="receipted", receipt_number=number)

    def cancelled(self, reason: str) -> Gift:
        """The gift recorded by mistake, with the reason; its receipt (if any) must be voided."""
        self._require_standing()
        return replace(self, state="cancelled", reason=_reason(reason))

    def refunded(self, reason: str) -> Gift:
        """The cash given back, with the reason; items in kind are not refunded (they go back through stock)."""
        self._require_standing()
        if self.cash is None:
            raise invalid("refund_in_kind", "only cash gifts are refunded")
        return replace(self, state="refunded", reason=_reason(reason))

    def _require_standing(self) -> None:
        if not self.standing:
            raise conflict("gift_not_standing", f"the gift is {self.state}", state=self.state)


def _reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise invalid("reason_required", "a cancellation or refund states its reason")
    return reason.strip()


def _check_value(gift: Gift) -> None:
    if (gift.cash is None) == (not gift.items):
        raise invalid("gift_kind_ambiguous", "a gift is either cash or items in kind")
    if gift.items:
        gift.value  # noqa: B018  # refuses items valued in two currencies (currency_mismatch)


def new_gift(
    *,
    id: str,
    donor_id: str,
    area: str,
    received_on: date,
    cash: CashPayment | None = None,
    items: Iterable[ItemLine] = (),
    campaign: Campaign | None = None,
    restricted_area: str | None = None,
    tribute: Tribute | None = None,
) -> Gift:
    """A recorded gift after every rule, including the campaign's: open, in a currency it takes, inside its areas."""
    areas.validate(area)
    if restricted_area is not None:
        areas.validate(restricted_area)
    gift = Gift(id, donor_id, area, received_on, cash, tuple(items), campaign.id if campaign else None,
                restricted_area, tribute)  # fmt: skip
    _check_value(gift)
    if campaign is not None:
        campaign.check_accepts(gift.value, restricted_area)
    return gift
