"""Bank/CCP statements: a file that is not CSV is refused whole; credits are matched to expected gifts and pledges by
reference, once even when imported twice; what cannot be matched or read is reported with why."""

from __future__ import annotations

from datetime import date

import pytest

from solidarity.domain.money import Money
from solidarity.domain.statements import (
    ExpectedGift,
    ExpectedPledge,
    Statement,
    parse_statement,
    reconcile,
)
from tests.unit.solidarity.refusal import refused

STATEMENT = (
    b"date;amount;reference;label\n"
    b"2027-01-05;5 000,00;VIR-0001;VIREMENT DON REF GIFT-A\n"  # the gift's own transfer reference
    b"2027-01-06;3000;CCP 778812;versement PLG-7 janvier\n"  # a pledge payment named in the label
    b"2027-01-07;-1200;FRAIS;frais de tenue de compte\n"  # a debit
    b"2027-01-08;250;VIR-0002;don sans reference\n"
    b"2027-01-09;4000;VIR-0003;GIFT-B\n"  # expected 4500
    b"2027-01-10;8000;VIR-0004;PLG-7 solde\n"  # more than what is left
    b"2027-01-11;100;VIR-0005;GIFT-A PLG-7\n"  # two references: which one?
    b"07/01/2027;100;VIR-0006;\n"
    b"2027-01-12;douze;VIR-0007;\n"
)
EXPECTED: dict[str, ExpectedGift | ExpectedPledge] = {
    "GIFT-A": ExpectedGift("g-a", Money.of("5000", "DZD")),
    "gift-b": ExpectedGift("g-b", Money.of("4500", "DZD")),
    "PLG-7": ExpectedPledge("p-7", Money.of("10000", "DZD")),
}


def statement() -> Statement:
    return parse_statement(STATEMENT, "DZD")


def test_credits_are_read_and_unreadable_lines_reported_with_their_line() -> None:
    read = statement()
    assert [line.line for line in read.lines] == [2, 3, 5, 6, 7, 8]
    assert read.lines[0].amount == Money.of("5000", "DZD") and read.lines[0].booked_on == date(2027, 1, 5)
    assert [(p.line, p.problem.split(" ")[0]) for p in read.problems] == [(4, "not"), (9, "date"), (10, "amount")]


def test_credits_match_expected_gifts_and_pledges_and_the_rest_says_why() -> None:
    result = reconcile(statement(), EXPECTED)
    assert [(line.line, gift) for line, gift in result.gifts] == [(2, "g-a")]
    assert [(line.line, pledge) for line, pledge in result.pledges] == [(3, "p-7")]
    assert [(line.line, why) for line, why in result.unmatched] == [
        (5, "no_known_reference"),
        (6, "amount_differs"),
        (7, "exceeds_pledge"),  # 3 000 paid, 7 000 left
        (8, "several_references"),
    ]
    assert len(result.problems) == 3


def test_importing_the_same_statement_again_matches_nothing_twice() -> None:
    first = reconcile(statement(), EXPECTED)
    keys = [line.key for line, _ in first.gifts + first.pledges] + [line.key for line, _ in first.unmatched]
    again = reconcile(statement(), EXPECTED, imported_keys=keys)
    assert again.gifts == () and again.pledges == () and again.unmatched == ()
    assert [line.line for line in again.already_imported] == [2, 3, 5, 6, 7, 8]


def test_one_credit_repeated_in_a_file_counts_once_and_a_gift_is_confirmed_once() -> None:
    twice = b"date,amount,reference\n2027-01-05,5000,GIFT-A\n2027-01-05,5000,GIFT-A\n2027-01-06,5000,GIFT-A\n"
    result = reconcile(parse_statement(twice, "DZD"), EXPECTED)
    assert [line.line for line, _ in result.gifts] == [2]
    assert [line.line for line in result.already_imported] == [3]
    assert [(line.line, why) for line, why in result.unmatched] == [(4, "gift_already_matched")]


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n\x00\x01\x02binary",
        b"\xff\xfe\x00d\x00a",
        b"",
        b"   \n",
        b'date,amount,reference\n"2027-01-05,5000,X',
    ],
)
def test_a_file_that_is_not_csv_is_refused_whole(content: bytes) -> None:
    refused("statement_not_csv", parse_statement, content, "DZD")


def test_a_statement_without_the_required_columns_is_refused_whole() -> None:
    error = refused("statement_columns_missing", parse_statement, b"when,how much\n2027-01-05,5000\n", "DZD")
    assert error.details["missing"] == ["date", "amount", "reference"]
