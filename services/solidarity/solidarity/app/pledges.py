"""Pledges: a promised total on an instalment schedule; payments recorded as gifts and applied; reminders.

A payment is a gift like any other (it is receipted, it counts in the campaign) that is
then applied to the pledge's oldest unpaid instalments, once: the pledge remembers the
gifts applied to it. Reminders go out through ``pledge_due`` a few days before an
instalment is due and again every few days while it stays unpaid, at most once a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from common import policy
from common.context import CallerContext
from common.contracts.events import Event, PledgeDue
from common.contracts.gifts import GiftIn, PaymentIn, PledgeIn
from common.idempotency import KeyedRequest
from common.refusals import conflict
from solidarity.app import campaigns as campaigning
from solidarity.app import donors as donor_records
from solidarity.app import gifts as giving
from solidarity.app.ports import Pledges
from solidarity.domain.money import Money
from solidarity.domain.pledges import Instalment, Pledge, monthly_schedule, new_pledge

REMINDER_LEAD_DAYS = 3
REMINDER_REPEAT_DAYS = 7
REMINDER_INTERVAL_SECONDS = 3600  # hourly: a reminder goes out once a day per pledge whatever the interval
ATTEMPTS = 5


@dataclass(frozen=True)
class PledgeDesk:
    gifts: giving.GiftDesk
    pledges: Pledges


def create(desk: PledgeDesk, caller: CallerContext, body: PledgeIn, key: KeyedRequest) -> Pledge:
    """A pledge of a donor the caller may act for, whose instalments sum to its total (once per key)."""
    donor = giving.giver(desk.gifts, caller, body.donor_id)
    campaign = campaigning.visible(desk.gifts.campaigns, caller, body.campaign_id) if body.campaign_id else None
    total = Money.of(body.total.amount, body.total.currency)
    if campaign is not None:
        campaign.check_accepts(total.positive("total"))
    self_service = donor_records.is_self_service(caller)
    area = (
        body.area
        or (campaign.area if campaign and self_service else None)
        or (donor.area if self_service else caller.area)
    )
    if not self_service:
        policy.require_within(caller, area)
    if body.monthly is not None and body.first_due is not None:
        schedule = monthly_schedule(total, body.first_due, body.monthly)
    else:
        schedule = [(i.due_on, Money.of(i.amount, total.currency)) for i in body.instalments]
    pledge = new_pledge(
        id=desk.pledges.new_id(), donor_id=donor.id, total_amount=total, schedule=schedule,
        campaign_id=campaign.id if campaign else None, area=area,
    )  # fmt: skip
    return desk.pledges.create(pledge, key, caller.user_id)


def visible(desk: PledgeDesk, caller: CallerContext, pledge_id: Any) -> tuple[Pledge, int]:
    """A pledge: a donor's own, or one followed inside the staff's area; NotFound otherwise."""
    found = desk.pledges.get(pledge_id) if isinstance(pledge_id, str) else None
    if donor_records.is_self_service(caller):
        mine = desk.gifts.donors.of_user(caller.user_id)
        return policy.visible_or_404(found, lambda p: mine is not None and p[0].donor_id == mine.id, "pledge")
    return policy.visible_or_404(found, lambda p: policy.scope(caller).contains(p[0].area or ""), "pledge")


def listed(desk: PledgeDesk, caller: CallerContext, limit: int) -> tuple[list[Pledge], int]:
    if donor_records.is_self_service(caller):
        mine = desk.gifts.donors.of_user(caller.user_id)
        if mine is None:
            return [], 0  # a donor who has not registered yet has pledged nothing
        return desk.pledges.find(None, mine.id, limit), desk.pledges.count(None, mine.id)
    scope = policy.scope(caller)
    return desk.pledges.find(scope, None, limit), desk.pledges.count(scope, None)


def pay(desk: PledgeDesk, caller: CallerContext, pledge_id: Any, body: PaymentIn, key: KeyedRequest) -> Pledge:
    """Record the payment as a gift and apply it to the pledge; the same key again changes nothing.

    Refused before anything is recorded when the pledge is not active, the payment is in
    another currency or more than what is left (``payment_exceeds_pledge``).
    """
    pledge, _ = visible(desk, caller, pledge_id)
    earlier = desk.gifts.gifts.by_key(key)
    if earlier is not None and desk.pledges.is_applied(pledge.id, earlier.id):
        return pledge  # a replay of a payment applied already
    pledge.paid_with(Money.of(body.amount, body.currency))  # refuses before the gift is recorded
    gift_body = GiftIn(
        donor_id=pledge.donor_id, area=pledge.area, campaign_id=pledge.campaign_id,
        cash={"amount": body.amount, "currency": body.currency, "channel": body.channel,  # type: ignore[arg-type]
              "reference": body.reference or pledge.reference},
    )  # fmt: skip
    gift = giving.record(desk.gifts, caller, gift_body, key)
    return apply(desk.pledges, pledge.id, gift.value, gift.id)


def apply(pledges: Pledges, pledge_id: str, amount: Money, applied: str) -> Pledge:
    """Apply ``amount`` to the pledge once per ``applied`` (a gift's id), retried on a concurrent write."""
    for _ in range(ATTEMPTS):
        found = pledges.get(pledge_id)
        assert found is not None
        pledge, version = found
        if pledges.is_applied(pledge_id, applied):
            return pledge
        if pledges.save(pledge.paid_with(amount), version, applied, []):
            return pledges.get(pledge_id)[0]  # type: ignore[index]
    raise conflict("pledge_busy", "the pledge changed under every attempt: send it again", pledge_id=pledge_id)


def cancel(desk: PledgeDesk, caller: CallerContext, pledge_id: Any, reason: str) -> Pledge:
    """Cancel with a reason (the donor withdrew their promise); the same request again answers it as it is."""
    pledge, version = visible(desk, caller, pledge_id)
    if pledge.state == "cancelled" and pledge.reason == reason.strip():
        return pledge
    cancelled = pledge.cancelled(reason)
    if not desk.pledges.save(cancelled, version, None, []):
        return cancel(desk, caller, pledge_id, reason)
    return cancelled


def _due(pledge: Pledge, instalment: Instalment) -> PledgeDue:
    return PledgeDue(
        pledge_id=pledge.id, donor_id=pledge.donor_id, area=pledge.area or "/DZ", due_on=instalment.due_on,
        amount_minor=instalment.amount.minor, outstanding_minor=instalment.outstanding,
        currency=instalment.amount.currency,
    )  # fmt: skip


def remind(pledges: Pledges, today: date) -> int:
    """Announce ``pledge_due`` for each instalment to remind of today; once per pledge and day. How many."""
    sent = 0
    for pledge, version in pledges.due_by(date.fromordinal(today.toordinal() + REMINDER_LEAD_DAYS)):
        due = pledge.reminders_due(today, REMINDER_LEAD_DAYS, REMINDER_REPEAT_DAYS)
        if not due:
            continue
        events: list[Event] = [_due(pledge, i) for i in due]
        if pledges.save(pledge.reminded(due, today), version, f"reminded:{today.isoformat()}", events):
            sent += len(events)
    return sent
