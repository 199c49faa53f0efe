"""Gifts: cash and in kind, restrictions, tributes, the campaign's refusals, locking, cancellation and refund."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from common.errors import Conflict
from solidarity.domain.campaigns import new_campaign
from solidarity.domain.gifts import CashPayment, Gift, ItemLine, Tribute, new_gift
from solidarity.domain.money import Money
from tests.unit.solidarity.refusal import refused

DZD = "DZD"
TODAY = date(2027, 1, 15)
CAMPAIGN = new_campaign(id="c1", kind="winter", name_fr="Hiver 2027", name_ar="شتاء 2027", area="/DZ/16",
                        starts_on=date(2026, 12, 1), ends_on=date(2027, 2, 28)).transition("open", TODAY)  # fmt: skip


def cash(amount: str = "5000", channel: str = "counter", reference: str | None = None) -> CashPayment:
    return CashPayment(Money.of(amount, DZD), channel, reference)  # type: ignore[arg-type]


def gift(**changes: Any) -> Gift:
    fields: dict[str, Any] = {"id": "g1", "donor_id": "d1", "area": "/DZ/16/1601", "received_on": date(2027, 1, 5),
                              "cash": cash()}  # fmt: skip
    return new_gift(**(fields | changes))


def test_a_cash_gift_and_an_in_kind_gift_have_a_value() -> None:
    assert gift().value == Money.of("5000", DZD)
    blankets = gift(cash=None, items=[ItemLine("blanket", 10, Money.of("1500", DZD), "new"),
                                      ItemLine("coat", 2, Money.of("2000.50", DZD), "used")])  # fmt: skip
    assert blankets.value == Money.of("19001", DZD)
    assert not gift().restricted
    assert gift(campaign=CAMPAIGN).restricted and gift(restricted_area="/DZ/16/1601").restricted


@pytest.mark.parametrize("channel", ["ccp", "bank_transfer", "card"])
def test_a_traced_channel_carries_its_reference(channel: str) -> None:
    refused("payment_reference_required", cash, channel=channel)
    refused("payment_reference_required", cash, channel=channel, reference="  ")
    assert cash(channel=channel, reference="CCP-0012345").reference == "CCP-0012345"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: cash("0"), "amount_not_positive"),
        (lambda: cash("-50"), "amount_not_positive"),
        (lambda: cash(channel="cheque"), "channel_unknown"),
        (lambda: ItemLine("blanket", 0, Money.of("10", DZD)), "quantity_not_positive"),
        (lambda: ItemLine("blanket", 2, Money.of("0", DZD)), "amount_not_positive"),
        (lambda: ItemLine(" ", 2, Money.of("10", DZD)), "item_unnamed"),
        (lambda: ItemLine("coat", 2, Money.of("10", DZD), "broken"), "condition_unknown"),  # type: ignore[arg-type]
        (lambda: Tribute("in_memory_of", " "), "tribute_unnamed"),
        (lambda: Tribute("because", "X"), "tribute_kind_unknown"),  # type: ignore[arg-type]
        (lambda: gift(cash=None), "gift_kind_ambiguous"),
        (lambda: gift(items=[ItemLine("coat", 1, Money.of("10", DZD))]), "gift_kind_ambiguous"),
        (
            lambda: gift(
                cash=None, items=[ItemLine("a", 1, Money.of("1", DZD)), ItemLine("b", 1, Money.of("1", "EUR"))]
            ),
            "currency_mismatch",
        ),
        (lambda: gift(area="DZ/16"), None),
    ],
)
def test_a_gift_breaking_a_rule_is_refused(make: Any, code: str | None) -> None:
    if code is None:
        with pytest.raises(Exception, match="malformed area"):
            make()
    else:
        refused(code, make)


def test_the_campaign_refuses_gifts_when_not_open_or_in_another_currency() -> None:
    draft = new_campaign(id="c2", kind="disaster", name_fr="Séisme", name_ar="زلزال", area="/DZ/16",
                         starts_on=date(2027, 1, 1), ends_on=date(2027, 6, 1))  # fmt: skip
    refused("campaign_not_open", gift, campaign=draft)
    refused("campaign_not_open", gift, campaign=CAMPAIGN.transition("closed", TODAY))
    refused("currency_not_accepted", gift, campaign=CAMPAIGN, cash=CashPayment(Money.of("5", "EUR"), "counter"))
    refused("restriction_outside_campaign", gift, campaign=CAMPAIGN, restricted_area="/DZ/31")
    taken = gift(campaign=CAMPAIGN, tribute=Tribute("in_memory_of", "Ahmed"))
    assert taken.campaign_id == "c1" and taken.tribute is not None


def test_an_amount_is_locked_once_receipted() -> None:
    fixed = gift().amended(cash=cash("6000"))
    assert fixed.value == Money.of("6000", DZD)
    receipted = gift().receipted("DAS-16/2027/000001")
    error = refused("amount_locked", receipted.amended, cash=cash("6000"))
    assert isinstance(error, Conflict)
    refused("gift_kind_changed", gift().amended, items=[ItemLine("coat", 1, Money.of("10", DZD))])
    refused("amount_not_positive", lambda: gift().amended(cash=cash("0")))


def test_a_gift_is_receipted_once_and_never_when_cancelled() -> None:
    receipted = gift().receipted("DAS-16/2027/000001")
    assert receipted.state == "receipted" and receipted.receipt_number == "DAS-16/2027/000001"
    refused("gift_already_receipted", receipted.receipted, "DAS-16/2027/000002")
    refused("gift_not_standing", gift().cancelled("entered twice").receipted, "DAS-16/2027/000003")
    refused("gift_not_standing", gift().refunded("donor asked").receipted, "DAS-16/2027/000003")


def test_cancellation_and_refund_state_their_reason_and_happen_once() -> None:
    cancelled = gift().receipted("DAS-16/2027/000001").cancelled("  entered twice ")
    assert (cancelled.state, cancelled.reason, cancelled.standing) == ("cancelled", "entered twice", False)
    assert cancelled.receipt_number == "DAS-16/2027/000001"  # the receipt to void
    refused("reason_required", gift().cancelled, " ")
    refused("reason_required", gift().refunded, "")
    refused("gift_not_standing", cancelled.cancelled, "again")
    refused("gift_not_standing", cancelled.refunded, "again")
    refunded = gift().refunded("transfer rejected by the bank")
    assert refunded.state == "refunded" and not refunded.standing
    in_kind = gift(cash=None, items=[ItemLine("coat", 1, Money.of("10", DZD))])
    refused("refund_in_kind", in_kind.refunded, "does not fit")
    refused("gift_not_standing", refunded.amended, cash=cash("1"))
