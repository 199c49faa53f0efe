"""Pledges: a promised total paid in instalments on a schedule, with reminders and a fulfilment state.

Payments are applied to the oldest unpaid instalment first. An instalment is *due* from its
date; a reminder goes out a few days before, and again every few days while it stays unpaid
(both figures passed in: they are the directorate's practice, not rules of the domain).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from common.refusals import conflict, invalid
from solidarity.domain.money import Money, total

PledgeState = Literal["active", "fulfilled", "cancelled"]
Fulfilment = Literal["pending", "partial", "fulfilled", "cancelled"]


@dataclass(frozen=True, slots=True)
class Instalment:
    due_on: date
    amount: Money
    paid: int = 0  # minor units paid towards it
    reminded_on: date | None = None

    @property
    def outstanding(self) -> int:
        return self.amount.minor - self.paid


@dataclass(frozen=True, slots=True)
class Pledge:
    id: str
    donor_id: str
    total: Money
    instalments: tuple[Instalment, ...]
    campaign_id: str | None = None
    state: PledgeState = "active"
    reason: str | None = None
    area: str | None = None  # where the pledge is followed (the staff's area; the campaign's for a donor's own)

    @property
    def reference(self) -> str:
        """What the donor writes on a transfer so a bank or CCP statement line finds the pledge."""
        return f"PLG-{self.id.upper()}"

    @property
    def paid(self) -> Money:
        return Money(self.total.currency, sum(i.paid for i in self.instalments))

    @property
    def outstanding(self) -> Money:
        return self.total - self.paid

    @property
    def fulfilment(self) -> Fulfilment:
        if self.state == "cancelled":
            return "cancelled"
        paid = self.paid.minor
        return "fulfilled" if paid == self.total.minor else "partial" if paid else "pending"

    def due(self, as_of: date) -> tuple[Instalment, ...]:
        """The instalments due by ``as_of`` and not fully paid."""
        if self.state != "active":
            return ()
        return tuple(i for i in self.instalments if i.due_on <= as_of and i.outstanding)

    def reminders_due(self, as_of: date, lead_days: int, repeat_days: int) -> tuple[Instalment, ...]:
        """Unpaid instalments to remind of on ``as_of``: due within ``lead_days`` and not reminded
        in the last ``repeat_days``."""
        if self.state != "active":
            return ()
        return tuple(
            i
            for i in self.instalments
            if i.outstanding
            and i.due_on - timedelta(days=lead_days) <= as_of
            and (i.reminded_on is None or as_of - i.reminded_on >= timedelta(days=repeat_days))
        )

    def reminded(self, instalments: Iterable[Instalment], on: date) -> Pledge:
        """The pledge with ``instalments`` marked as reminded on ``on``."""
        sent = {i.due_on for i in instalments}
        return replace(self, instalments=tuple(replace(i, reminded_on=on) if i.due_on in sent else i
                                               for i in self.instalments))  # fmt: skip

    def paid_with(self, payment: Money) -> Pledge:
        """The pledge after a payment, applied to the oldest unpaid instalments; an overpayment is refused."""
        if self.state != "active":
            raise conflict("pledge_not_active", f"the pledge is {self.state}", state=self.state)
        payment.positive()
        if payment.currency != self.total.currency:
            raise invalid("currency_mismatch", "the payment is not in the pledge's currency",
                          currencies=[self.total.currency, payment.currency])  # fmt: skip
        if payment.minor > self.outstanding.minor:
            raise invalid("payment_exceeds_pledge", "the payment is more than what is left of the pledge",
                          outstanding=str(self.outstanding.major), payment=str(payment.major))  # fmt: skip
        left = payment.minor
        instalments = []
        for i in self.instalments:
            part = min(left, i.outstanding)
            left -= part
            instalments.append(replace(i, paid=i.paid + part))
        paid = replace(self, instalments=tuple(instalments))
        return replace(paid, state="fulfilled") if paid.fulfilment == "fulfilled" else paid

    def cancelled(self, reason: str) -> Pledge:
        if self.state != "active":
            raise conflict("pledge_not_active", f"the pledge is {self.state}", state=self.state)
        if not reason.strip():
            raise invalid("reason_required", "a cancellation states its reason")
        return replace(self, state="cancelled", reason=reason.strip())


def new_pledge(
    *,
    id: str,
    donor_id: str,
    total_amount: Money,
    schedule: Iterable[tuple[date, Money]],
    campaign_id: str | None = None,
    area: str | None = None,
) -> Pledge:
    """A pledge whose instalments, each above zero on distinct dates, sum exactly to the total."""
    total_amount.positive("total")
    instalments = tuple(sorted((Instalment(due_on, amount.positive("instalment")) for due_on, amount in schedule),
                               key=lambda i: i.due_on))  # fmt: skip
    if not instalments:
        raise invalid("schedule_empty", "a pledge has at least one instalment")
    dates = [i.due_on for i in instalments]
    if len(set(dates)) != len(dates):
        raise invalid("instalment_dates_repeated", "two instalments fall on the same date")
    scheduled = total((i.amount for i in instalments), total_amount.currency)
    if scheduled != total_amount:
        raise invalid("instalments_sum_mismatch", "the instalments do not sum to the pledge",
                      pledge=str(total_amount.major), instalments=str(scheduled.major))  # fmt: skip
    return Pledge(id, donor_id, total_amount, instalments, campaign_id, area=area)


def monthly_schedule(total_amount: Money, first_due: date, count: int) -> list[tuple[date, Money]]:
    """``count`` monthly instalments from ``first_due`` (same day, or the month's last), equal but for the last."""
    if count <= 0:
        raise invalid("schedule_empty", "a pledge has at least one instalment")
    share, rest = divmod(total_amount.minor, count)
    schedule = []
    for n in range(count):
        month = first_due.month - 1 + n
        year, month = first_due.year + month // 12, month % 12 + 1
        day = min(first_due.day, calendar.monthrange(year, month)[1])
        amount = share + (rest if n == count - 1 else 0)
        schedule.append((date(year, month, day), Money(total_amount.currency, amount)))
    return schedule
