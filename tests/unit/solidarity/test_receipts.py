"""Receipts: readable numbers, a complete register, cancellation and re-issue, annual receipts, verification codes."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from common.errors import Conflict
from solidarity.domain.gifts import CashPayment, Gift, ItemLine, new_gift
from solidarity.domain.money import Money
from solidarity.domain.receipts import (
    PublicCheck,
    Receipt,
    ReceiptNumber,
    annual,
    first_number,
    issue_for_gift,
    issuer_of,
    public_check,
    register_gaps,
    reissue,
    verification_code,
    verification_url,
    verify,
)
from tests.unit.solidarity.refusal import refused

KEY = b"k" * 32
ISSUED = date(2027, 1, 20)


def gift(gid: str = "g1", amount: str = "5000", received_on: date = date(2027, 1, 5), **changes: Any) -> Gift:
    fields: dict[str, Any] = {"id": gid, "donor_id": "d1", "area": "/DZ/16/1601", "received_on": received_on,
                              "cash": CashPayment(Money.of(amount, "DZD"), "counter")}  # fmt: skip
    return new_gift(**(fields | changes))


def number(sequence: int = 123, issuer: str = "DAS-16", year: int = 2027) -> ReceiptNumber:
    return ReceiptNumber(issuer, year, sequence)


def receipt(sequence: int = 123) -> Receipt:
    return issue_for_gift(gift(), number(sequence), ISSUED)[1]


def test_numbers_read_and_parse_back() -> None:
    assert str(number()) == "DAS-16/2027/000123"
    assert str(number(1234567)) == "DAS-16/2027/1234567"
    assert ReceiptNumber.parse(" das-16/2027/000123 ") == number()
    assert str(first_number("MSN", 2027)) == "MSN/2027/000001"
    assert number().following() == number(124)
    assert (issuer_of("/DZ/16/1601/cell-3"), issuer_of("/DZ/31"), issuer_of("/DZ")) == ("DAS-16", "DAS-31", "MSN")


@pytest.mark.parametrize("text", ["DAS-16/2027/123", "DAS-16-2027-000123", "XYZ/2027/000001", "DAS-16/2027/000000", ""])
def test_malformed_numbers_are_refused(text: str) -> None:
    refused("receipt_number_malformed", ReceiptNumber.parse, text)


def test_the_register_finds_gaps_and_duplicates_per_issuer_and_year() -> None:
    complete = [number(s) for s in (3, 1, 2)] + [number(1, "DAS-31"), number(1, year=2028)]
    assert register_gaps(complete) == {}
    faults = register_gaps([number(1), number(2), number(2), number(5), number(1, "DAS-31")])
    assert faults == {("DAS-16", 2027): {"missing": [3, 4], "repeated": [2]}}


def test_issuing_locks_the_gift_and_the_receipt_states_it() -> None:
    receipted, issued = issue_for_gift(gift(), number(), ISSUED)
    assert (receipted.state, receipted.receipt_number) == ("receipted", "DAS-16/2027/000123")
    refused("amount_locked", receipted.amended, cash=CashPayment(Money.of("1", "DZD"), "counter"))
    assert issued.gift_ids == ("g1",) and issued.state == "valid"


def test_a_gift_receipt_states_the_gift() -> None:
    issued = receipt()
    assert (issued.kind, issued.donor_id, issued.gift_ids, issued.amount) == (
        "gift",
        "d1",
        ("g1",),
        Money.of("5000", "DZD"),
    )
    in_kind = issue_for_gift(
        gift(cash=None, items=[ItemLine("blanket", 4, Money.of("1500", "DZD"))]), number(), ISSUED
    )[1]
    assert in_kind.amount == Money.of("6000", "DZD")


def test_no_receipt_for_a_cancelled_refunded_or_receipted_gift_nor_under_a_wrong_number() -> None:
    refused("gift_not_standing", issue_for_gift, gift().cancelled("entered twice"), number(), ISSUED)
    refused("gift_not_standing", issue_for_gift, gift().refunded("bank rejected"), number(), ISSUED)
    refused("gift_already_receipted", issue_for_gift, gift().receipted("DAS-16/2027/000001"), number(), ISSUED)
    refused("receipt_issuer_mismatch", issue_for_gift, gift(), number(issuer="DAS-31"), ISSUED)
    refused("receipt_year_mismatch", issue_for_gift, gift(), number(year=2026), ISSUED)


def test_a_cancelled_receipt_keeps_its_number_with_its_reason() -> None:
    void = receipt().cancelled(" gift entered twice ")
    assert (void.state, void.reason, str(void.number)) == ("cancelled", "gift entered twice", "DAS-16/2027/000123")
    error = refused("receipt_already_cancelled", void.cancelled, "again")
    assert isinstance(error, Conflict)
    refused("reason_required", receipt().cancelled, "")


def test_a_reissue_voids_the_old_number_and_names_it_on_the_new_one() -> None:
    void, new = reissue(receipt(1), number(2), date(2027, 2, 1), "misspelt donor name")
    assert (void.state, void.reason) == ("cancelled", "misspelt donor name")
    assert (new.state, new.number, new.replaces, new.amount) == ("valid", number(2), number(1), void.amount)
    assert register_gaps([void.number, new.number]) == {}  # the void number stays in the register
    refused("receipt_number_reused", reissue, receipt(), number(123), ISSUED, "x")
    refused("receipt_issuer_mismatch", reissue, receipt(), number(1, "DAS-31"), ISSUED, "x")
    refused("receipt_already_cancelled", reissue, void, number(125), ISSUED, "x")


def test_one_annual_receipt_per_donor_and_year_of_standing_gifts() -> None:
    gifts = [gift("a", "1000"), gift("b", "2500.50", date(2027, 6, 1)), gift("c", "9000").cancelled("duplicate"),
             gift("d", "700", date(2026, 12, 31)), gift("e", "300", donor_id="d2")]  # fmt: skip
    consolidated = annual("d1", 2027, gifts, [], number(900, year=2028), date(2028, 1, 15), "/DZ/16")
    assert (consolidated.kind, consolidated.year, consolidated.gift_ids) == ("annual", 2027, ("a", "b"))
    assert consolidated.amount == Money.of("3500.50", "DZD")
    error = refused("annual_receipt_exists", annual, "d1", 2027, gifts, [consolidated], number(901, year=2028),
                    date(2028, 1, 16), "/DZ/16")  # fmt: skip
    assert isinstance(error, Conflict)
    again = annual(
        "d1", 2027, gifts, [consolidated.cancelled("wrong year")], number(901, year=2028), date(2028, 1, 16), "/DZ/16"
    )
    assert again.number == number(901, year=2028)
    assert (
        annual("d2", 2027, gifts, [consolidated], number(902, year=2028), date(2028, 1, 16), "/DZ/16").donor_id == "d2"
    )


def test_annual_receipt_refusals() -> None:
    euros = [gift("a", cash=CashPayment(Money.of("10", "EUR"), "counter"))]
    refused("annual_receipt_empty", annual, "d1", 2025, [gift()], [], number(1, year=2028), date(2028, 1, 2), "/DZ/16")
    refused("currency_mismatch", annual, "d1", 2027, euros, [], number(1, year=2028), date(2028, 1, 2), "/DZ/16")
    refused(
        "receipt_issuer_mismatch", annual, "d1", 2027, [gift()], [], number(1, year=2028), date(2028, 1, 2), "/DZ/31"
    )


def test_the_verification_code_is_short_typeable_and_tied_to_the_essentials() -> None:
    issued = receipt()
    code = verification_code(issued, KEY)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", code), code
    assert verification_code(issued, KEY) == code  # deterministic
    assert verify(issued, code, KEY)
    assert verify(issued, code.lower().replace("-", " "), KEY)
    typed = code.replace("0", "O").replace("1", "I")
    assert verify(issued, typed, KEY)
    assert not verify(issued, code, b"another key of 32 bytes........")
    assert not verify(receipt(124), code, KEY)
    amended = issue_for_gift(gift(amount="5001"), number(), ISSUED)[1]
    assert not verify(amended, code, KEY)
    assert not verify(issued, code[:-1], KEY) and not verify(issued, "", KEY) and not verify(issued, "ÉÉÉÉÉ", KEY)
    with pytest.raises(ValueError, match="16 bytes"):
        verification_code(issued, b"short")


def test_the_verification_url_carries_the_number_and_the_code() -> None:
    url = verification_url("https://dons.example.dz/", number(), "7K2QD-M9XFA")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "dons.example.dz", "/receipts/verify")
    assert parse_qs(parts.query) == {"number": ["DAS-16/2027/000123"], "code": ["7K2QD-M9XFA"]}


def test_the_public_check_says_only_state_number_date_amount_issuer_and_the_allowed_name() -> None:
    issued = receipt()
    code = verification_code(issued, KEY)
    shown = public_check(issued, code, KEY, "Amina Benali")
    five_thousand = Money.of("5000", "DZD")
    assert shown == PublicCheck("valid", "DAS-16/2027/000123", ISSUED, five_thousand, "DAS-16", "Amina Benali")
    hidden = replace(issued, donor_shown=False)
    assert public_check(hidden, verification_code(hidden, KEY), KEY, "Amina Benali").donor is None  # type: ignore[union-attr]
    void = issued.cancelled("entered twice")
    void_check = PublicCheck("cancelled", "DAS-16/2027/000123", ISSUED, five_thousand, "DAS-16", None)
    assert public_check(void, code, KEY, None) == void_check
    assert public_check(issued, "AAAAA-AAAAA", KEY, "Amina Benali") is None  # a wrong code learns nothing
    assert public_check(None, code, KEY, None) is None
