"""Pledges: schedules that sum to the pledge, due instalments, payments oldest first, fulfilment, reminders."""

from __future__ import annotations

from datetime import date

from solidarity.domain.money import Money
from solidarity.domain.pledges import Pledge, monthly_schedule, new_pledge
from tests.unit.solidarity.refusal import refused


def dzd(amount: str) -> Money:
    return Money.of(amount, "DZD")


def pledge() -> Pledge:
    schedule = [(date(2027, 3, 1), dzd("4000")), (date(2027, 1, 1), dzd("3000")), (date(2027, 2, 1), dzd("3000"))]
    return new_pledge(id="p1", donor_id="d1", total_amount=dzd("10000"), schedule=schedule)


def test_instalments_are_kept_in_date_order_and_sum_to_the_pledge() -> None:
    made = pledge()
    assert [i.due_on.month for i in made.instalments] == [1, 2, 3]
    assert (made.fulfilment, made.state, made.outstanding) == ("pending", "active", dzd("10000"))


def test_a_schedule_that_does_not_sum_to_the_pledge_is_refused() -> None:
    error = refused("instalments_sum_mismatch", new_pledge, id="p", donor_id="d", total_amount=dzd("10000"),
                    schedule=[(date(2027, 1, 1), dzd("3000")), (date(2027, 2, 1), dzd("3000"))])  # fmt: skip
    assert error.details == {"code": "instalments_sum_mismatch", "pledge": "10000.00", "instalments": "6000.00"}


def test_other_bad_schedules_are_refused() -> None:
    def make(total: Money, *schedule: tuple[date, Money]) -> Pledge:
        return new_pledge(id="p", donor_id="d", total_amount=total, schedule=schedule)

    refused("schedule_empty", make, dzd("100"))
    refused("amount_not_positive", make, dzd("0"), (date(2027, 1, 1), dzd("0")))
    refused("amount_not_positive", make, dzd("100"), (date(2027, 1, 1), dzd("150")), (date(2027, 2, 1), dzd("-50")))
    refused("instalment_dates_repeated", make, dzd("100"), (date(2027, 1, 1), dzd("50")), (date(2027, 1, 1), dzd("50")))
    refused("currency_mismatch", make, dzd("100"), (date(2027, 1, 1), Money.of("100", "EUR")))


def test_due_instalments_as_of_a_date() -> None:
    made = pledge()
    assert made.due(date(2026, 12, 31)) == ()
    assert [i.due_on for i in made.due(date(2027, 2, 1))] == [date(2027, 1, 1), date(2027, 2, 1)]
    assert [i.due_on for i in made.paid_with(dzd("3000")).due(date(2027, 2, 1))] == [date(2027, 2, 1)]


def test_payments_go_to_the_oldest_instalment_and_fulfil_the_pledge() -> None:
    partly = pledge().paid_with(dzd("4500"))
    assert [i.paid for i in partly.instalments] == [300000, 150000, 0]
    assert (partly.fulfilment, partly.outstanding) == ("partial", dzd("5500"))
    done = partly.paid_with(dzd("5500"))
    assert (done.fulfilment, done.state, done.due(date(2030, 1, 1))) == ("fulfilled", "fulfilled", ())
    refused("pledge_not_active", done.paid_with, dzd("1"))


def test_bad_payments_are_refused() -> None:
    refused("payment_exceeds_pledge", pledge().paid_with, dzd("10000.01"))
    refused("amount_not_positive", pledge().paid_with, dzd("0"))
    refused("currency_mismatch", pledge().paid_with, Money.of("10", "EUR"))


def test_reminders_before_the_date_then_again_while_unpaid() -> None:
    made = pledge()
    assert made.reminders_due(date(2026, 12, 24), lead_days=7, repeat_days=10) == ()
    first = made.reminders_due(date(2026, 12, 25), lead_days=7, repeat_days=10)
    assert [i.due_on for i in first] == [date(2027, 1, 1)]
    reminded = made.reminded(first, date(2026, 12, 25))
    assert reminded.reminders_due(date(2027, 1, 3), lead_days=7, repeat_days=10) == ()
    assert [i.due_on for i in reminded.reminders_due(date(2027, 1, 4), 7, 10)] == [date(2027, 1, 1)]
    assert reminded.paid_with(dzd("3000")).reminders_due(date(2027, 1, 4), 7, 10) == ()


def test_a_cancelled_pledge_has_nothing_due_and_states_its_reason() -> None:
    cancelled = pledge().cancelled("donor moved abroad")
    assert cancelled.fulfilment == "cancelled" and cancelled.due(date(2030, 1, 1)) == ()
    assert cancelled.reminders_due(date(2030, 1, 1), 7, 7) == ()
    refused("reason_required", pledge().cancelled, " ")
    refused("pledge_not_active", cancelled.cancelled, "again")


def test_a_monthly_schedule_sums_to_the_total_and_keeps_month_ends() -> None:
    schedule = monthly_schedule(dzd("1000"), date(2027, 1, 31), 3)
    assert [d for d, _ in schedule] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    assert [m.minor for _, m in schedule] == [33333, 33333, 33334]
    assert new_pledge(id="p", donor_id="d", total_amount=dzd("1000"), schedule=schedule).total == dzd("1000")
    assert monthly_schedule(dzd("12"), date(2027, 11, 15), 3)[2][0] == date(2028, 1, 15)
    refused("schedule_empty", monthly_schedule, dzd("1000"), date(2027, 1, 1), 0)
