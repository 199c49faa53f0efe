"""Algerian phone numbers, normalised to E.164 (``+213550123456``).

Accepts what people write on forms: ``0550 12 34 56``, ``+213 550123456``, ``00213…``,
``213…``, with spaces, dots, dashes, slashes or parentheses, in Latin or Arabic-Indic
digits. Mobile (5, 6, 7), fixed and VoIP lines are kept; foreign, short, premium and toll-free
numbers are refused with a stable code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

REGION = "DZ"
COUNTRY_CODE = 213
PhoneErrorCode = Literal[
    "phone_malformed",  # characters other than digits and separators, or far too long
    "phone_not_algerian",  # a valid number of another country
    "phone_invalid",  # not a number that exists in Algeria's numbering plan
    "phone_type_unsupported",  # toll-free, premium, shared-cost…: nobody to reach
]

_MAX_INPUT = 32
_WRITTEN = re.compile(r"^\+?[\d\s.\-/()]+$")
_REACHABLE = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
}
_MESSAGES: dict[PhoneErrorCode, str] = {
    "phone_malformed": "a phone number holds digits, spaces, dots, dashes and an optional leading +",
    "phone_not_algerian": "only Algerian phone numbers (+213) are accepted",
    "phone_invalid": "not a valid Algerian phone number",
    "phone_type_unsupported": "not a mobile or fixed line",
}


class InvalidPhone(ValueError):
    """A phone number that cannot be normalised; ``code`` is stable."""

    def __init__(self, code: PhoneErrorCode) -> None:
        super().__init__(_MESSAGES[code])
        self.code: PhoneErrorCode = code
        self.message = _MESSAGES[code]


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    """Outcome of :func:`check_phone`: exactly one of ``e164`` and ``error`` is set, or neither for no input."""

    e164: str | None
    error: PhoneErrorCode | None


def check_phone(raw: str | None) -> PhoneCheck:
    """Normalise without raising (for bulk imports that report every row)."""
    if raw is None or not raw.strip():
        return PhoneCheck(None, None)
    text = raw.strip()
    if len(text) > _MAX_INPUT or not _WRITTEN.match(text):
        return PhoneCheck(None, "phone_malformed")
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return PhoneCheck(None, "phone_malformed")
    if number.country_code != COUNTRY_CODE:
        return PhoneCheck(None, "phone_not_algerian" if phonenumbers.is_valid_number(number) else "phone_invalid")
    if not phonenumbers.is_valid_number_for_region(number, REGION):
        return PhoneCheck(None, "phone_invalid")
    if phonenumbers.number_type(number) not in _REACHABLE:
        return PhoneCheck(None, "phone_type_unsupported")
    return PhoneCheck(phonenumbers.format_number(number, PhoneNumberFormat.E164), None)


def normalise_phone(raw: str | None) -> str | None:
    """E.164 form of ``raw``; None if nothing was given; InvalidPhone if it is not a usable number."""
    result = check_phone(raw)
    if result.error is not None:
        raise InvalidPhone(result.error)
    return result.e164


def is_mobile(e164: str) -> bool:
    """True for a mobile number (one that can receive an SMS)."""
    number = phonenumbers.parse(e164, REGION)
    return phonenumbers.number_type(number) in {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
