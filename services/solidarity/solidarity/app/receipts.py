"""Receipts: issue one for a gift, cancel it, re-issue it, consolidate a donor's year; the register; the public check.

Every number handed out ends in the register (``ReceiptRegister``), valid or void with its
reason: a number is taken (``ReceiptNumbers.take``), its entry written ``pending`` at once,
then filled. Requests are checked against the domain *before* a number is taken, so bad
input burns no number; what can still fail after (a race on the gift, on the donor's annual
receipt) voids the number with the reason. :func:`recover` (at start and on a timer) ends
what a dead process left: a stale pending entry is completed if its gift was receipted under
it, voided otherwise; a number taken and never written is written void.

Staff see the receipts of their area; a donor (role ``donor``) only their own, whatever the area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from common import policy
from common.context import CallerContext
from common.contracts.events import ReceiptCancelled, ReceiptIssued
from common.errors import NotFound, ValidationFailed
from common.idempotency import KeyedRequest
from common.refusals import conflict
from common.scope import Scope
from solidarity.app.ports import Campaigns, Donors, Gifts, ReceiptNumbers, ReceiptRegister
from solidarity.domain import receipts as rules
from solidarity.domain.donors import Donor
from solidarity.domain.gifts import Gift
from solidarity.domain.receipts import AnnualTaken, KeyTaken, NumberTaken, Receipt, ReceiptNumber

# What a caught race or a recovery writes as the reason of the number it voids.
GIFT_TAKEN = "the gift was receipted or cancelled by another request meanwhile"
ANNUAL_TAKEN = "an annual receipt of this donor and year was issued meanwhile"
RECEIPT_GONE = "the receipt to replace was cancelled by another request meanwhile"
INTERRUPTED = "issue interrupted before the receipt was written (recovered)"
NEVER_WRITTEN = "number taken but never written: the issuing process stopped (recovered)"
RECOVERY = "recovery"
MAX_GIFTS_A_YEAR = 10_000  # read for an annual receipt (newest first); more is a company's ledger, not a receipt
RECOVERY_INTERVAL_SECONDS = 60
MAX_TAKES = 50  # numbers one request may see voided under it (a recovery racing it) before it gives up


@dataclass(frozen=True, slots=True)
class Desk:
    """The register, its counters, and what receipts read of gifts and donors."""

    numbers: ReceiptNumbers
    register: ReceiptRegister
    gifts: Gifts
    donors: Donors


def issued(receipt: Receipt) -> ReceiptIssued:
    return ReceiptIssued(
        number=str(receipt.number), kind=receipt.kind, issuer=receipt.number.issuer, area=receipt.area,
        donor_id=receipt.donor_id, gift_ids=list(receipt.gift_ids), amount_minor=receipt.amount.minor,
        currency=receipt.amount.currency, issued_on=receipt.issued_on,
        replaces=str(receipt.replaces) if receipt.replaces else None,
    )  # fmt: skip


def cancelled(receipt: Receipt, replaced_by: ReceiptNumber | None) -> ReceiptCancelled:
    replacement = str(replaced_by) if replaced_by else None
    return ReceiptCancelled(number=str(receipt.number), issuer=receipt.number.issuer, area=receipt.area,
                            donor_id=receipt.donor_id, replaced_by=replacement)  # fmt: skip


# --- who sees what ----------------------------------------------------------------------


def own_donor(donors: Donors, caller: CallerContext) -> Donor | None:
    """The donor record of a caller with the donor role (None for staff); a donor without one sees nothing."""
    if policy.DONOR not in caller.roles:
        return None
    donor = donors.of_user(caller.user_id)
    if donor is None:
        raise NotFound("receipt not found")
    return donor


def in_sight(donors: Donors, caller: CallerContext) -> Callable[[Receipt], bool]:
    """Staff see receipts issued in their area; a donor their own."""
    donor = own_donor(donors, caller)
    if donor is not None:
        return lambda receipt: receipt.donor_id == donor.id
    scope = policy.scope(caller)
    return lambda receipt: scope.contains(receipt.area)


def get(desk: Desk, caller: CallerContext, number: str) -> Receipt:
    """The receipt, or 404 alike for an unknown number, one out of sight and a malformed one."""
    found = desk.register.get(number.strip().upper()) if isinstance(number, str) else None
    return policy.visible_or_404(found, in_sight(desk.donors, caller), "receipt")


def register(
    desk: Desk, caller: CallerContext, issuer: str | None, year: int | None, limit: int, after: str | None
) -> list[dict[str, Any]]:
    """The register in the caller's sight, by number: valid and void numbers with their reasons.

    A donor's list holds their own receipts only (numbers never written are the directorate's affair).
    """
    if policy.DONOR in caller.roles and desk.donors.of_user(caller.user_id) is None:
        return []  # a donor who has not registered yet has no receipt
    donor = own_donor(desk.donors, caller)
    scope = policy.scope(caller) if donor is None else Scope.national()
    return desk.register.register(scope, issuer, year, donor.id if donor else None, limit, after)


# --- writing ----------------------------------------------------------------------------


def _replayed(desk: Desk, key: KeyedRequest) -> Receipt | None:
    """The receipt a request with this key issued already (a repeat answers it); None for a new request."""
    found = desk.register.by_key(key)
    if found is None:
        return None
    number, fingerprint, state = found
    key.ensure_same(fingerprint)
    if state == "pending":
        raise conflict("request_in_progress", "the same request is being processed", number=str(number))
    receipt = desk.register.get(str(number))
    if receipt is None:  # voided before it was filled: the request failed, repeating it tries again
        return None
    return receipt


def take_number(
    desk: Desk, issuer: str, year: int, by: str, purpose: dict[str, Any], key: KeyedRequest | None,
    annual: tuple[str, int] | None = None,
) -> ReceiptNumber:  # fmt: skip
    """A number of ``issuer`` and ``year`` with its pending entry written (see the register's ``hold``)."""
    for _ in range(MAX_TAKES):
        number = desk.numbers.take(issuer, year)
        try:
            desk.register.hold(number, purpose=purpose, by=by, key=key, annual=annual)
        except NumberTaken:
            continue
        except AnnualTaken as exc:
            raise conflict("annual_receipt_exists", ANNUAL_TAKEN, donor_id=purpose.get("donor_id"), year=year) from exc
        except KeyTaken as exc:
            raise conflict("request_in_progress", "the same request is being processed") from exc
        return number
    raise conflict("receipt_number_unavailable", "no receipt number could be taken; try again", issuer=issuer)


def issue_for_gift(desk: Desk, caller: CallerContext, gift_id: str, key: KeyedRequest, today: date) -> Receipt:
    """The receipt of a standing gift, whose amount is then locked."""
    again = _replayed(desk, key)
    if again is not None:
        return again
    gift = _visible_gift(desk, caller, gift_id)
    donor = desk.donors.get(gift.donor_id)
    shown = donor is None or not donor.anonymous_public
    issuer = rules.issuer_of(gift.area)
    rules.issue_for_gift(gift, rules.first_number(issuer, today.year), today, shown)  # refuses before a number
    number = take_number(desk, issuer, today.year, caller.user_id, {"gift_ids": [gift.id]}, key)
    receipted, receipt = rules.issue_for_gift(gift, number, today, shown)
    if desk.gifts.move(gift, receipted) is None:
        desk.register.void_pending(number, GIFT_TAKEN, caller.user_id)
        raise conflict("gift_already_receipted", GIFT_TAKEN, gift_id=gift.id)
    return desk.register.fill(receipt, issued(receipt), caller.user_id)


def _visible_gift(desk: Desk, caller: CallerContext, gift_id: str) -> Gift:
    found = desk.gifts.get(gift_id) if isinstance(gift_id, str) else None
    scope = policy.scope(caller)
    return policy.visible_or_404(found, lambda gift: scope.contains(gift.area), "gift")


def cancel(desk: Desk, caller: CallerContext, number: str, reason: str, key: KeyedRequest) -> Receipt:
    """The receipt made void with ``reason``; its number stays in the register.

    Repeating the request (same key) answers the void receipt; cancelling it again otherwise is refused.
    """
    receipt = get(desk, caller, number)
    if receipt.state == "cancelled" and desk.register.cancelled_with(receipt.number, key):
        return receipt
    void = receipt.cancelled(reason)
    if not desk.register.cancel(void, cancelled(void, None), caller.user_id, key=key):
        raise conflict("receipt_already_cancelled", "the receipt is already cancelled", number=str(receipt.number))
    return void


def reissue(desk: Desk, caller: CallerContext, number: str, reason: str, key: KeyedRequest, today: date) -> Receipt:
    """The receipt voided with ``reason`` and issued again under a new number that names it."""
    again = _replayed(desk, key)
    if again is not None:
        return again
    old = get(desk, caller, number)
    probe = rules.first_number(old.number.issuer, today.year)
    rules.reissue(old, replace(probe, sequence=old.number.sequence + 1), today, reason)  # refuses before a number
    purpose = {"replaces": str(old.number), "gift_ids": list(old.gift_ids)}  # the recovery completes it by its gift
    new_number = take_number(desk, old.number.issuer, today.year, caller.user_id, purpose, key)
    void, new = rules.reissue(old, new_number, today, reason)
    if not desk.register.cancel(void, cancelled(void, new_number), caller.user_id, replaced_by=new_number):
        desk.register.void_pending(new_number, RECEIPT_GONE, caller.user_id)
        raise conflict("receipt_already_cancelled", RECEIPT_GONE, number=str(old.number))
    for gift_id in new.gift_ids:  # a gift names its current receipt (an annual one's gifts keep their own)
        desk.gifts.renumber(gift_id, str(old.number), str(new_number))
    return desk.register.fill(new, issued(new), caller.user_id)


def annual(desk: Desk, caller: CallerContext, donor_id: str, year: int, key: KeyedRequest, today: date) -> Receipt:
    """The donor's consolidated receipt of ``year``; never two valid ones for the same donor and year."""
    again = _replayed(desk, key)
    if again is not None:
        return again
    donor = _visible_donor(desk, caller, donor_id)
    gifts = [g for g in desk.gifts.find(None, donor.id, None, MAX_GIFTS_A_YEAR) if g.received_on.year == year]
    existing = desk.register.annual(donor.id, year)
    issuer = rules.issuer_of(donor.area)
    shown = not donor.anonymous_public
    probe = rules.first_number(issuer, today.year)
    rules.annual(donor.id, year, gifts, existing, probe, today, donor.area, donor_shown=shown)  # refuses first
    purpose = {"donor_id": donor.id, "annual_year": year}
    number = take_number(desk, issuer, today.year, caller.user_id, purpose, key, annual=(donor.id, year))
    receipt = rules.annual(donor.id, year, gifts, existing, number, today, donor.area, donor_shown=shown)
    return desk.register.fill(receipt, issued(receipt), caller.user_id)


def _visible_donor(desk: Desk, caller: CallerContext, donor_id: str) -> Donor:
    own = own_donor(desk.donors, caller)
    if own is not None:
        return policy.visible_or_404(own if own.id == donor_id else None, lambda _: True, "donor")
    found = desk.donors.get(donor_id) if isinstance(donor_id, str) else None
    scope = policy.scope(caller)
    return policy.visible_or_404(found, lambda donor: scope.contains(donor.area), "donor")


WITHDRAWN = {"cancelled": "don annulé", "refunded": "don remboursé"}


def void_with_gift(register: ReceiptRegister, gift: Gift, by: str) -> Receipt | None:
    """The valid receipt of a gift just cancelled or refunded, made void with the gift's reason (None: it had none).

    Called by ``app.gifts.settle`` once the withdrawal is stored: a withdrawn gift keeps no valid receipt.
    """
    receipt = register.get(gift.receipt_number) if gift.receipt_number else None
    if receipt is None or receipt.state != "valid" or gift.state not in WITHDRAWN:
        return None
    void = receipt.cancelled(f"{WITHDRAWN[gift.state]} : {gift.reason or '-'}")
    return void if register.cancel(void, cancelled(void, None), by) else None


def printable(
    desk: Desk, campaigns: Campaigns, caller: CallerContext, number: str
) -> tuple[Receipt, str | None, tuple[str, str] | None]:
    """The receipt to print, the donor's name (the receipt is the donor's own paper), and the campaign's names."""
    receipt = get(desk, caller, number)
    donor = desk.donors.get(receipt.donor_id)
    campaign = campaigns.get(receipt.campaign_id) if receipt.campaign_id else None
    return receipt, donor.name if donor else None, (campaign.name_fr, campaign.name_ar) if campaign else None


# --- recovery ---------------------------------------------------------------------------


def recover(desk: Desk, now: datetime, stale_after: timedelta) -> dict[str, int]:
    """End what dead or failed issuers left (see the module's docstring); counts of what it did."""
    cutoff = now - stale_after
    done = {"completed": 0, "voided": 0, "unused": 0}
    for entry in desk.register.stale_pending(cutoff):
        number: ReceiptNumber = entry["number"]
        completed = _complete(desk, number, entry["purpose"], now.date())
        if completed is not None:
            desk.register.fill(completed, issued(completed), RECOVERY)
            done["completed"] += 1
        elif desk.register.void_pending(number, INTERRUPTED, RECOVERY):
            done["voided"] += 1
    for counter in desk.numbers.issued():
        upto = counter.last if counter.at < cutoff else desk.register.last_taken(counter.issuer, counter.year, cutoff)
        missing = set(range(1, upto + 1)) - desk.register.sequences(counter.issuer, counter.year, upto)
        for sequence in sorted(missing):
            number = ReceiptNumber(counter.issuer, counter.year, sequence)
            done["unused"] += desk.register.void_unused(number, NEVER_WRITTEN, RECOVERY)
    return done


def _complete(desk: Desk, number: ReceiptNumber, purpose: dict[str, Any], today: date) -> Receipt | None:
    """The receipt a pending entry was for, when its issuer got as far as receipting the gift under it."""
    gift_ids = purpose.get("gift_ids") or []
    if len(gift_ids) != 1:
        return None
    gift = desk.gifts.get(gift_ids[0])
    if gift is None or gift.state != "receipted" or gift.receipt_number != str(number):
        return None
    donor = desk.donors.get(gift.donor_id)
    issued_on = today if today.year == number.year else date(number.year, 12, 31)  # dated when completed
    return rules.receipt_of(gift, number, issued_on, donor is None or not donor.anonymous_public)


# --- the public check -------------------------------------------------------------------


def public_check(desk: Desk, number: str, code: str, key: bytes, language: str = "fr") -> rules.PublicCheck | None:
    """What the public page may say of ``number`` given ``code``: None for an unknown number and a wrong code alike."""
    try:
        parsed = ReceiptNumber.parse(number) if isinstance(number, str) else None
    except ValidationFailed:  # a malformed number is just not a receipt
        parsed = None
    receipt = desk.register.get(str(parsed)) if parsed else None
    if receipt is None or not isinstance(code, str) or len(code) > 40:
        return None
    donor = desk.donors.get(receipt.donor_id) if receipt.donor_shown else None
    return rules.public_check(receipt, code, key, donor.public_name(language) if donor else None)
