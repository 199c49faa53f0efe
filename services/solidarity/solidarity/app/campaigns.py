"""Campaigns: create (draft), open/close/archive, list and read where they are offered, progress from the totals.

Who sees what: a campaign is seen wherever it is offered (published to the caller's area,
above it or inside it; donors are national and see all). It is managed by staff of the
directorate that runs it: outside that area it does not exist for a write either (404).
"""

from __future__ import annotations

from typing import Any

from common import policy
from common.clock import now
from common.context import CallerContext
from common.contracts.campaigns import CampaignIn
from common.contracts.events import CampaignProgressed
from common.idempotency import KeyedRequest
from common.refusals import conflict
from solidarity.app.ports import Campaigns, CampaignTotals
from solidarity.domain.campaigns import Campaign, Goals, Progress, Totals, new_campaign, progress
from solidarity.domain.gifts import Gift
from solidarity.domain.money import Money


def create(campaigns: Campaigns, caller: CallerContext, body: CampaignIn, key: KeyedRequest) -> Campaign:
    """A draft campaign in the caller's area or below (a repeated key answers the first one)."""
    policy.require_within(caller, body.area)
    goals = body.goals
    draft = new_campaign(
        id=campaigns.new_id(),
        kind="permanent" if body.kind == "other" else body.kind,
        name_fr=body.name_fr,
        name_ar=body.name_ar,
        area=body.area,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        currencies=body.currencies,
        published_areas=body.published_areas,
        categories=body.categories,
        goals=Goals(
            Money.of(goals.amount.amount, goals.amount.currency) if goals and goals.amount else None,
            dict(goals.items) if goals else {},
        ),
        spent_by=body.spent_by,
    )
    return campaigns.create(draft, key, caller.user_id)


def offered(campaigns: Campaigns, caller: CallerContext) -> list[Campaign]:
    """Campaigns offered in the caller's area, newest first."""
    return campaigns.reaching(policy.scope(caller))


def visible(campaigns: Campaigns, caller: CallerContext, campaign_id: Any) -> Campaign:
    """One campaign offered to the caller; NotFound otherwise (unknown or not offered alike)."""
    found = campaigns.get(campaign_id) if isinstance(campaign_id, str) else None
    return policy.visible_or_404(found, lambda c: c.reached_by(policy.scope(caller)), "campaign")


def managed(campaigns: Campaigns, caller: CallerContext, campaign_id: Any) -> Campaign:
    """One campaign run inside the caller's area; NotFound otherwise."""
    found = campaigns.get(campaign_id) if isinstance(campaign_id, str) else None
    return policy.visible_or_404(found, lambda c: policy.scope(caller).contains(c.area), "campaign")


def move(campaigns: Campaigns, caller: CallerContext, campaign_id: Any, to: str) -> Campaign:
    """Open, close or archive; asking again for the state it is in answers it as it stands (a replay)."""
    campaign = managed(campaigns, caller, campaign_id)
    if campaign.state == to:
        return campaign
    moved = campaigns.move(campaign, campaign.transition(to, now().date()))
    if moved is None:
        raise conflict("campaign_changed", "the campaign changed meanwhile: read it again", campaign_id=campaign.id)
    return moved


def progress_of(campaigns: Campaigns, totals: CampaignTotals, caller: CallerContext, campaign_id: Any) -> Progress:
    """Each goal against the campaign's totals (one read of its counter)."""
    campaign = visible(campaigns, caller, campaign_id)
    return progress(campaign, totals.of(campaign.id))


def count_gift(totals: CampaignTotals, campaign: Campaign, gift: Gift, sign: int) -> Totals | None:
    """Add a gift to (or take it back from) its campaign's totals once; announce each tenth of a goal passed.

    None: this move was counted already (a retry), nothing changed and nothing is announced again.
    """
    after = totals.add(campaign, gift, sign)
    if after is None:
        return None
    before = _before(after, gift, sign)
    now_percents = _percents(campaign, after)
    if sign > 0 and (before.gifts == 0 or _tenths(_percents(campaign, before)) != _tenths(now_percents)):
        event = CampaignProgressed(
            campaign_id=campaign.id, area=campaign.area, raised=dict(after.money), gifts=after.gifts,
            percents=now_percents,
        )  # fmt: skip
        totals.announce(campaign.id, event)
    return after


def _percents(campaign: Campaign, totals: Totals) -> dict[str, int]:
    return {row.goal: row.percent for row in progress(campaign, totals).goals}


def _tenths(percents: dict[str, int]) -> dict[str, int]:
    return {goal: percent // 10 for goal, percent in percents.items()}


def _before(after: Totals, gift: Gift, sign: int) -> Totals:
    money = dict(after.money)
    items = dict(after.items)
    if gift.cash is not None:
        money[gift.cash.amount.currency] = money.get(gift.cash.amount.currency, 0) - sign * gift.cash.amount.minor
    for line in gift.items:
        items[line.item] = items.get(line.item, 0) - sign * line.quantity
    return Totals(money, items, after.gifts - sign)
