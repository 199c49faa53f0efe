"""Receipts: numbered without gaps per issuing directorate and year, voided but never removed, verifiable by anyone.

**Numbers** read ``DAS-16/2026/000123``: the issuing directorate (``DAS-16``, the wilaya's
directorate of social action; ``MSN`` for the ministry), the year of issue, and a sequence
that starts at 1 each year and never skips (at least six digits). The sequence is handed out
by an atomic counter (an adapter); :func:`register_gaps` is the rule it must keep.

**Cancellation** keeps the number in the register, void, with its reason; **re-issue** voids
the old receipt and issues a new number that names the one it replaces.

**Annual receipts** consolidate a donor's standing gifts of one year; never two valid ones for
the same donor and year.

**Verification codes** are an HMAC-SHA256, under a secret key the service holds, of the
receipt's essentials (number, date, amount, currency, issuer), cut to 50 bits and written
as ten Crockford base-32 characters (``7K2QD-M9XFA``): short enough to type from paper,
free of the letters read as digits (I, L, O, U), checked in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal
from urllib.parse import urlencode

from common import areas
from common.refusals import conflict, invalid
from solidarity.domain.gifts import Gift
from solidarity.domain.money import Money, total

ReceiptKind = Literal["gift", "annual"]
ReceiptState = Literal["valid", "cancelled"]

MINISTRY = "MSN"
SEQUENCE_DIGITS = 6
_NUMBER = re.compile(r"^(?P<issuer>MSN|DAS-\d{2})/(?P<year>\d{4})/(?P<sequence>\d{6,})$")
CODE_LENGTH = 10  # characters, 50 bits
MIN_KEY_BYTES = 16
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RFC4648 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_CROCKFORD = str.maketrans(_RFC4648, _CROCKFORD)
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


class NumberTaken(Exception):
    """The register already holds this number (a recovery voided it meanwhile): the issuer takes another."""


class AnnualTaken(Exception):
    """The donor's annual receipt of the year exists (valid or being written): the number was written void."""


class KeyTaken(Exception):
    """A concurrent repeat of the same request holds its idempotency key: the number was written void."""


def issuer_of(area: str) -> str:
    """The directorate that issues receipts for gifts received in ``area``: its wilaya's, or the ministry."""
    parts = areas.validate(area).strip("/").split("/")
    return f"DAS-{parts[1]}" if len(parts) > 1 else MINISTRY


def issuer_area(issuer: str) -> str:
    """The area of a directorate that issues receipts (``DAS-16`` -> ``/DZ/16``; the ministry: national)."""
    return areas.NATIONAL if issuer == MINISTRY else f"{areas.NATIONAL}/{issuer.removeprefix('DAS-')}"


@dataclass(frozen=True, slots=True, order=True)
class ReceiptNumber:
    issuer: str
    year: int
    sequence: int

    def __post_init__(self) -> None:
        if self.sequence < 1 or not 2000 <= self.year <= 9999 or not re.fullmatch(r"MSN|DAS-\d{2}", self.issuer):
            raise invalid("receipt_number_malformed", "not a receipt number", number=repr(self))

    def __str__(self) -> str:
        return f"{self.issuer}/{self.year}/{self.sequence:0{SEQUENCE_DIGITS}d}"

    @classmethod
    def parse(cls, text: str) -> ReceiptNumber:
        """``DAS-16/2026/000123`` as a number; anything else is refused (``receipt_number_malformed``)."""
        match = _NUMBER.match(text.strip().upper())
        if match is None:
            raise invalid("receipt_number_malformed", "not a receipt number", number=text[:40])
        return cls(match["issuer"], int(match["year"]), int(match["sequence"]))

    def following(self) -> ReceiptNumber:
        return replace(self, sequence=self.sequence + 1)


def first_number(issuer: str, year: int) -> ReceiptNumber:
    return ReceiptNumber(issuer, year, 1)


def register_gaps(numbers: Iterable[ReceiptNumber]) -> dict[tuple[str, int], dict[str, list[int]]]:
    """Per issuer and year, the sequences missing below the highest one and those used twice (empty: complete)."""
    seen: dict[tuple[str, int], list[int]] = {}
    for number in numbers:
        seen.setdefault((number.issuer, number.year), []).append(number.sequence)
    faults: dict[tuple[str, int], dict[str, list[int]]] = {}
    for key, sequences in seen.items():
        distinct = set(sequences)
        missing = sorted(set(range(1, max(distinct) + 1)) - distinct)
        repeated = sorted(s for s in distinct if sequences.count(s) > 1)
        if missing or repeated:
            faults[key] = {"missing": missing, "repeated": repeated}
    return faults


@dataclass(frozen=True, slots=True)
class Receipt:
    number: ReceiptNumber
    kind: ReceiptKind
    donor_id: str
    gift_ids: tuple[str, ...]
    amount: Money
    issued_on: date
    area: str  # where the gift was received (the issuer's area)
    campaign_id: str | None = None
    donor_shown: bool = True  # False: the donor chose to be "a benefactor" in public
    state: ReceiptState = "valid"
    reason: str | None = None  # of the cancellation
    replaces: ReceiptNumber | None = None
    year: int | None = None  # of an annual receipt

    def cancelled(self, reason: str) -> Receipt:
        """The receipt void with its reason; its number stays in the register."""
        if self.state == "cancelled":
            raise conflict("receipt_already_cancelled", "the receipt is already cancelled", number=str(self.number))
        if not reason.strip():
            raise invalid("reason_required", "a cancellation states its reason")
        return replace(self, state="cancelled", reason=reason.strip())

    def essentials(self) -> bytes:
        """What the verification code vouches for, in a fixed order."""
        fields = (str(self.number), self.issued_on.isoformat(), str(self.amount.minor), self.amount.currency)
        return "|".join(fields).encode()


def issue_for_gift(
    gift: Gift, number: ReceiptNumber, issued_on: date, donor_shown: bool = True
) -> tuple[Gift, Receipt]:
    """The gift, receipted (its amount now locked), and its receipt.

    Refused for a cancelled, refunded or already receipted gift (see :meth:`Gift.receipted`) and for
    a number of another directorate or year.
    """
    _check_number(number, gift.area, issued_on)
    receipted = gift.receipted(str(number))
    return receipted, receipt_of(gift, number, issued_on, donor_shown)


def receipt_of(gift: Gift, number: ReceiptNumber, issued_on: date, donor_shown: bool = True) -> Receipt:
    """The receipt of ``gift`` under ``number`` (also how a recovery completes one whose gift was receipted)."""
    return Receipt(number, "gift", gift.donor_id, (gift.id,), gift.value, issued_on, gift.area, gift.campaign_id,
                   donor_shown)  # fmt: skip


def _check_number(number: ReceiptNumber, area: str, issued_on: date) -> None:
    """A receipt takes a number of the directorate of ``area`` and of the year it is issued."""
    if number.issuer != issuer_of(area):
        raise invalid("receipt_issuer_mismatch", "the directorate of the area issues the receipt",
                      issuer=number.issuer, expected=issuer_of(area))  # fmt: skip
    if number.year != issued_on.year:
        raise invalid("receipt_year_mismatch", "a receipt takes a number of the year it is issued",
                      year=number.year, issued=issued_on.year)  # fmt: skip


def reissue(
    old: Receipt, number: ReceiptNumber, issued_on: date, reason: str, amount: Money | None = None
) -> tuple[Receipt, Receipt]:
    """The old receipt void (with ``reason``) and its replacement under a new number, naming the one it replaces."""
    void = old.cancelled(reason)
    if number == old.number:
        raise invalid("receipt_number_reused", "a re-issue takes a new number", number=str(number))
    _check_number(number, old.area, issued_on)
    new = replace(old, number=number, issued_on=issued_on, amount=amount or old.amount, replaces=old.number)
    return void, new


def annual(
    donor_id: str,
    year: int,
    gifts: Iterable[Gift],
    existing: Iterable[Receipt],
    number: ReceiptNumber,
    issued_on: date,
    area: str,
    currency: str = "DZD",
    donor_shown: bool = True,
) -> Receipt:
    """The consolidated receipt of a donor's standing gifts received in ``year`` (issued for ``area``).

    Refused when the donor already has a valid annual receipt for the year (``annual_receipt_exists``;
    cancel it to re-issue), when there is nothing to consolidate, or when the gifts are in another currency.
    """
    _check_number(number, area, issued_on)
    if any(r.kind == "annual" and r.donor_id == donor_id and r.year == year and r.state == "valid" for r in existing):
        raise conflict("annual_receipt_exists", "the donor already has an annual receipt for this year",
                       donor_id=donor_id, year=year)  # fmt: skip
    counted = [g for g in gifts if g.donor_id == donor_id and g.received_on.year == year and g.standing]
    if not counted:
        raise invalid("annual_receipt_empty", "the donor has no standing gift in this year", year=year)
    others = sorted({g.value.currency for g in counted} - {currency})
    if others:
        raise invalid("currency_mismatch", "gifts in another currency are receipted on their own", currencies=others)
    amount = total((g.value for g in counted), currency)
    return Receipt(number, "annual", donor_id, tuple(g.id for g in counted), amount, issued_on,
                   area, None, donor_shown, year=year)  # fmt: skip


def verification_code(receipt: Receipt, key: bytes) -> str:
    """The receipt's code, ``XXXXX-XXXXX`` (see the module's docstring)."""
    digest = hmac.new(_checked_key(key), receipt.essentials(), hashlib.sha256).digest()
    letters = base64.b32encode(digest[:7]).decode().translate(_TO_CROCKFORD)[:CODE_LENGTH]
    return f"{letters[:5]}-{letters[5:]}"


def verify(receipt: Receipt, typed: str, key: bytes) -> bool:
    """True if ``typed`` is the receipt's code; case, dashes, spaces and O/I/L for 0/1 do not matter."""
    expected = verification_code(receipt, key).replace("-", "")
    given = typed.upper().translate(_TYPED)
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def verification_url(base_url: str, number: ReceiptNumber, code: str) -> str:
    """The public page that checks a receipt (what the QR code carries)."""
    return f"{base_url.rstrip('/')}/receipts/verify?{urlencode({'number': str(number), 'code': code}, safe='/')}"


def _checked_key(key: bytes) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"a receipt key has at least {MIN_KEY_BYTES} bytes")
    return key


@dataclass(frozen=True, slots=True)
class PublicCheck:
    """All the public verification page may say of a receipt: nothing else, and the donor only if they allow it."""

    state: ReceiptState
    number: str
    issued_on: date
    amount: Money
    issuer: str
    donor: str | None  # None: the donor did not allow their name in public
    # No reason of a cancellation: staff write it, and it may name the donor.


def public_check(
    receipt: Receipt | None, typed_code: str, key: bytes, donor_public_name: str | None
) -> PublicCheck | None:
    """What the public page shows for a number and a typed code; None (the page says "no such receipt") when
    the number is unknown or the code is not its own, so a guessed number discloses nothing."""
    if receipt is None or not verify(receipt, typed_code, key):
        return None
    donor = donor_public_name if receipt.donor_shown else None
    return PublicCheck(receipt.state, str(receipt.number), receipt.issued_on, receipt.amount, receipt.number.issuer,
                       donor)  # fmt: skip
