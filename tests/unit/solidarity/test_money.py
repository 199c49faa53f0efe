"""Money: integer minor units, exact parsing, refusals of zero, negative, malformed and mixed amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.errors import ValidationFailed
from solidarity.domain.money import Money, currency, total
from tests.unit.solidarity.refusal import refused


def test_parses_major_units_into_exact_minor_units() -> None:
    assert Money.of("1500.50", "DZD") == Money("DZD", 150050)
    assert Money.of("1500,5", "DZD") == Money("DZD", 150050)
    assert Money.of(1500, "DZD") == Money("DZD", 150000)
    assert Money.of(Decimal("0.1"), "EUR") + Money.of(Decimal("0.2"), "EUR") == Money.of("0.3", "EUR")
    assert Money.of("1.234", "TND").minor == 1234
    assert Money("DZD", 150050).major == Decimal("1500.50")


@pytest.mark.parametrize("amount", ["abc", "", "1e400x", "NaN", "Infinity", True, 1.5])
def test_malformed_amounts_are_refused(amount: object) -> None:
    refused("amount_malformed", Money.of, amount, "DZD")


def test_more_decimals_than_the_currency_has_are_refused() -> None:
    error = refused("amount_precision", Money.of, "10.005", "DZD")
    assert error.details["decimals"] == 2
    assert isinstance(error, ValidationFailed)


@pytest.mark.parametrize("amount", ["0", "-1", "-0.01"])
def test_zero_and_negative_amounts_are_refused_where_a_positive_one_is_needed(amount: str) -> None:
    refused("amount_not_positive", Money.of(amount, "DZD").positive)


def test_an_unknown_currency_is_refused() -> None:
    refused("currency_unknown", Money.of, "10", "XYZ")
    refused("currency_unknown", Money, "dzd", 10)
    refused("currency_unknown", currency, "BTC")


def test_amounts_in_two_currencies_do_not_add_up() -> None:
    refused("currency_mismatch", lambda: Money.of("1", "DZD") + Money.of("1", "EUR"))
    refused("currency_mismatch", lambda: Money.of("1", "DZD") - Money.of("1", "EUR"))
    refused("currency_mismatch", total, [Money.of("1", "DZD"), Money.of("1", "MAD")], "DZD")
    assert total([Money.of("1", "MAD"), Money.of("2.5", "MAD")], "MAD") == Money.of("3.5", "MAD")


def test_minor_units_are_whole_numbers() -> None:
    refused("amount_malformed", Money, "DZD", 1.5)
    refused("amount_malformed", Money, "DZD", True)
