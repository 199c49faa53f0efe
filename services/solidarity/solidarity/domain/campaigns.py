"""Solidarity campaigns: what they collect for, where they are published, and how far they got.

A campaign is drafted, opened (it takes gifts), closed (it takes no more) and archived.
Its goals are an amount and/or quantities of items (``{"food_parcel": 5000}``); progress
compares the totals of its recorded gifts (:class:`Totals`, folded by :func:`totals_of` here
or summed by the database) with each goal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, get_args

from common import areas
from common.refusals import conflict, invalid, out_of_order
from common.scope import Scope
from solidarity.domain.money import Money, currency

if TYPE_CHECKING:
    from solidarity.domain.gifts import Gift

CampaignKind = Literal["ramadan", "winter", "school_year", "disaster", "permanent"]
CampaignState = Literal["draft", "open", "closed", "archived"]
KINDS: tuple[str, ...] = get_args(CampaignKind)

# A draft never opened may be archived (abandoned); an open campaign closes before it is archived.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"open", "archived"}),
    "open": frozenset({"closed"}),
    "closed": frozenset({"archived"}),
    "archived": frozenset(),
}


@dataclass(frozen=True, slots=True)
class Goals:
    """What a campaign aims at: an amount, quantities per item, or both."""

    amount: Money | None = None
    items: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.amount is not None:
            self.amount.positive("goals.amount")
        for item, quantity in self.items.items():
            if not item.strip():
                raise invalid("goal_item_unnamed", "a goal names its item")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                raise invalid("goal_quantity_not_positive", "a goal quantity is a whole number above zero", item=item)


@dataclass(frozen=True, slots=True)
class Campaign:
    """A campaign as the domain sees it; build a new one with :func:`new_campaign`."""

    id: str
    kind: CampaignKind
    name_fr: str
    name_ar: str
    area: str  # the directorate that runs it
    published_areas: tuple[str, ...]
    starts_on: date
    ends_on: date | None  # None: a permanent campaign
    currencies: frozenset[str]
    categories: tuple[str, ...] = ()  # vulnerable categories it targets (registry's codes)
    goals: Goals = Goals()
    state: CampaignState = "draft"
    spent_by: str | None = None  # the programme or distribution that spends what it collects

    def transition(self, to: str, on: date) -> Campaign:
        """The campaign in state ``to`` on day ``on``; a step the lifecycle does not allow is refused,
        and so is opening a campaign whose period is over."""
        allowed = TRANSITIONS[self.state]
        if to not in allowed:
            raise out_of_order("campaign_transition_refused", f"a {self.state} campaign cannot become {to}",
                               self.state, allowed)  # fmt: skip
        if to == "open" and self.ends_on is not None and on > self.ends_on:
            raise conflict("campaign_period_over", "the campaign's period is over", ends_on=self.ends_on.isoformat())
        return replace(self, state=to)  # type: ignore[arg-type]  # to is one of TRANSITIONS' states

    def reached_by(self, scope: Scope) -> bool:
        """True if the campaign is offered in ``scope`` (published there or above it, or inside it)."""
        return any(scope.reaches(area) for area in self.published_areas)

    def check_accepts(self, amount: Money, restricted_area: str | None = None) -> None:
        """Refuse a gift this campaign cannot take: not open, a currency it does not take, an area outside it."""
        if self.state != "open":
            raise conflict("campaign_not_open", f"the campaign is {self.state}", campaign_id=self.id, state=self.state)
        if amount.currency not in self.currencies:
            raise invalid("currency_not_accepted", "the campaign does not take this currency",
                          currency=amount.currency, accepted=sorted(self.currencies))  # fmt: skip
        if restricted_area is not None and not any(areas.contains(a, restricted_area) for a in self.published_areas):
            raise invalid("restriction_outside_campaign", "the area is not one the campaign is published to",
                          area=restricted_area)  # fmt: skip


def new_campaign(
    *,
    id: str,
    kind: str,
    name_fr: str,
    name_ar: str,
    area: str,
    starts_on: date,
    ends_on: date | None,
    currencies: Iterable[str] = ("DZD",),
    published_areas: Iterable[str] = (),
    categories: Iterable[str] = (),
    goals: Goals | None = None,
    spent_by: str | None = None,
) -> Campaign:
    """A draft campaign, after every rule of its fields (published areas default to its own area)."""
    if kind not in KINDS:
        raise invalid("campaign_kind_unknown", "unknown campaign kind", kind=kind, known=list(KINDS))
    if not name_fr.strip() or not name_ar.strip():
        raise invalid("campaign_name_missing", "a campaign is named in French and in Arabic")
    areas.validate(area)
    published = tuple(dict.fromkeys(published_areas)) or (area,)
    for place in published:
        areas.validate(place)
        if not areas.contains(area, place):
            raise invalid("published_area_outside", "a campaign is published only inside its directorate's area",
                          area=place)  # fmt: skip
    if ends_on is None and kind != "permanent":
        raise invalid("campaign_period_open", "only a permanent campaign has no end date", kind=kind)
    if ends_on is not None and ends_on < starts_on:
        raise invalid("campaign_period_reversed", "a campaign ends after it starts")
    taken = frozenset(currencies)
    if not taken:
        raise invalid("campaign_currencies_missing", "a campaign takes at least one currency")
    for code in taken:
        currency(code)
    goals = goals or Goals()
    if goals.amount is not None and goals.amount.currency not in taken:
        raise invalid("currency_not_accepted", "the amount goal is in a currency the campaign does not take",
                      currency=goals.amount.currency, accepted=sorted(taken))  # fmt: skip
    return Campaign(
        id=id,
        kind=kind,  # type: ignore[arg-type]  # checked against KINDS above
        name_fr=name_fr.strip(),
        name_ar=name_ar.strip(),
        area=area,
        published_areas=published,
        starts_on=starts_on,
        ends_on=ends_on,
        currencies=taken,
        categories=tuple(dict.fromkeys(categories)),
        goals=goals,
        spent_by=spent_by,
    )


@dataclass(frozen=True, slots=True)
class Totals:
    """What a campaign's standing gifts add up to: money per currency, quantities per item."""

    money: Mapping[str, int] = field(default_factory=dict)  # currency -> minor units
    items: Mapping[str, int] = field(default_factory=dict)
    gifts: int = 0


def totals_of(gifts: Iterable[Gift]) -> Totals:
    """Fold gifts into totals; cancelled and refunded gifts do not count. Cash counts as money, items as quantities."""
    money: dict[str, int] = {}
    items: dict[str, int] = {}
    count = 0
    for gift in gifts:
        if not gift.standing:
            continue
        count += 1
        if gift.cash is not None:
            money[gift.cash.amount.currency] = money.get(gift.cash.amount.currency, 0) + gift.cash.amount.minor
        for line in gift.items:
            items[line.item] = items.get(line.item, 0) + line.quantity
    return Totals(money, items, count)


@dataclass(frozen=True, slots=True)
class GoalProgress:
    """One goal: reached so far, the target, and the share reached (may pass 1)."""

    goal: str  # "amount" or the item
    reached: int
    target: int

    @property
    def share(self) -> Fraction:
        return Fraction(self.reached, self.target)

    @property
    def percent(self) -> int:
        """Whole percent reached, rounded down (99.9 % is not yet 100)."""
        return self.reached * 100 // self.target


@dataclass(frozen=True, slots=True)
class Progress:
    campaign_id: str
    goals: tuple[GoalProgress, ...]
    raised: Mapping[str, int]  # every currency received, the goal's and others
    gifts: int


def progress(campaign: Campaign, totals: Totals) -> Progress:
    """Each goal against the totals; money in another currency than the goal's is reported, not converted."""
    rows: list[GoalProgress] = []
    if campaign.goals.amount is not None:
        goal = campaign.goals.amount
        rows.append(GoalProgress("amount", totals.money.get(goal.currency, 0), goal.minor))
    rows += [GoalProgress(item, totals.items.get(item, 0), target) for item, target in campaign.goals.items.items()]
    return Progress(campaign.id, tuple(rows), dict(totals.money), totals.gifts)
