"""Amounts of money: an integer count of the currency's minor unit (centimes) and a currency code.

Integers, not floats (no 0.1 + 0.2) and not Decimal in storage: an ``int`` is exact, sums in
MongoDB's ``$sum`` without Decimal128, serialises to JSON as is, and one gift is one integer.
Input in major units (``"1500.50"``) is parsed through :class:`~decimal.Decimal` and refused when
it carries more decimals than the currency has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from common.refusals import invalid


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency the platform takes, with its names for amounts written in words."""

    code: str
    exponent: int  # decimals of the minor unit (DZD 2: centimes)
    symbol_fr: str
    symbol_ar: str
    name_fr: tuple[str, str]  # singular, plural
    name_ar: str
    minor_fr: tuple[str, str]
    minor_ar: str


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("DZD", 2, "DA", "دج", ("dinar algérien", "dinars algériens"), "دينار جزائري",
                 ("centime", "centimes"), "سنتيم"),
        Currency("MAD", 2, "DH", "د.م", ("dirham marocain", "dirhams marocains"), "درهم مغربي",
                 ("centime", "centimes"), "سنتيم"),
        Currency("TND", 3, "DT", "د.ت", ("dinar tunisien", "dinars tunisiens"), "دينار تونسي",
                 ("millime", "millimes"), "مليم"),
        Currency("EUR", 2, "€", "€", ("euro", "euros"), "يورو", ("centime", "centimes"), "سنت"),
        Currency("USD", 2, "$", "$", ("dollar américain", "dollars américains"), "دولار أمريكي",
                 ("cent", "cents"), "سنت"),
    )
}  # fmt: skip


def currency(code: str) -> Currency:
    """The currency of ``code``; an unknown code is refused (``currency_unknown``)."""
    found = CURRENCIES.get(code)
    if found is None:
        raise invalid("currency_unknown", "this currency is not taken", currency=code, known=sorted(CURRENCIES))
    return found


@dataclass(frozen=True, slots=True)
class Money:
    """``minor`` units of ``currency`` (``Money(150050, "DZD")`` is 1 500,50 DA)."""

    currency: str
    minor: int

    def __post_init__(self) -> None:
        currency(self.currency)
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise invalid("amount_malformed", "an amount counts whole minor units", amount=repr(self.minor))

    @classmethod
    def of(cls, amount: str | int | Decimal, code: str) -> Money:
        """Parse an amount written in major units (``"1500.5"``, ``1500``); refuses a malformed or too precise one."""
        exponent = currency(code).exponent
        if isinstance(amount, bool) or not isinstance(amount, str | int | Decimal):
            raise invalid("amount_malformed", "an amount is a decimal number", amount=repr(amount))
        try:
            value = Decimal(str(amount).strip().replace(",", "."))
        except InvalidOperation:
            raise invalid("amount_malformed", "an amount is a decimal number", amount=str(amount)) from None
        if not value.is_finite():
            raise invalid("amount_malformed", "an amount is a decimal number", amount=str(amount))
        scaled = value.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise invalid("amount_precision", f"{code} has {exponent} decimals", amount=str(amount), decimals=exponent)
        return cls(code, int(scaled))

    @classmethod
    def zero(cls, code: str) -> Money:
        return cls(code, 0)

    @property
    def major(self) -> Decimal:
        """The amount in major units, exact (``Decimal("1500.50")``)."""
        return Decimal(self.minor).scaleb(-currency(self.currency).exponent)

    def positive(self, field: str = "amount") -> Money:
        """This amount if above zero; zero and negative amounts are refused (``amount_not_positive``)."""
        if self.minor <= 0:
            raise invalid("amount_not_positive", "an amount must be above zero", field=field, amount=str(self.major))
        return self

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise invalid("currency_mismatch", "amounts in two currencies", currencies=[self.currency, other.currency])

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.currency, self.minor + other.minor)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.currency, self.minor - other.minor)

    def times(self, quantity: int) -> Money:
        return Money(self.currency, self.minor * quantity)


def total(amounts: Iterable[Money], code: str) -> Money:
    """The sum of ``amounts``, all in ``code`` (another currency is refused: ``currency_mismatch``)."""
    result = Money.zero(code)
    for amount in amounts:
        result = result + amount
    return result
