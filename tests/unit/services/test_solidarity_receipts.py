"""Receipt use cases (solidarity.app.receipts) over in-memory fakes of the register, counters, gifts and donors.

The fakes are dicts by id that filter with ``Scope.contains``; the real register's races are
raced for real in tests/integration/services/test_solidarity_receipt_numbers.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from common.clock import now
from common.context import CallerContext
from common.contracts.events import Event, ReceiptCancelled, ReceiptIssued
from common.errors import Conflict, IdempotencyKeyReused, NotFound
from common.idempotency import KeyedRequest, keyed
from common.scope import Scope
from solidarity.app import receipts as receipting
from solidarity.domain.donors import Donor
from solidarity.domain.gifts import CashPayment, Gift
from solidarity.domain.money import Money
from solidarity.domain.receipts import (
    AnnualTaken,
    NumberTaken,
    Receipt,
    ReceiptNumber,
    register_gaps,
    verification_code,
)

TODAY = date(2026, 12, 6)
KEY = b"k" * 32


@dataclass
class Counter:
    issuer: str
    year: int
    last: int
    at: datetime


class FakeNumbers:
    def __init__(self) -> None:
        self.counters: dict[tuple[str, int], Counter] = {}

    def take(self, issuer: str, year: int) -> ReceiptNumber:
        counter = self.counters.setdefault((issuer, year), Counter(issuer, year, 0, now()))
        counter.last += 1
        counter.at = now()
        return ReceiptNumber(issuer, year, counter.last)

    def issued(self) -> list[Counter]:
        return list(self.counters.values())


class FakeRegister:
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.events: list[Event] = []

    def hold(self, number: ReceiptNumber, *, purpose: dict[str, Any], by: str, key: KeyedRequest | None = None,
             annual: tuple[str, int] | None = None) -> None:  # fmt: skip
        if str(number) in self.entries:
            raise NumberTaken(str(number))
        if annual and any(e.get("annual_of") == annual for e in self.entries.values()):
            self.void_unused(number, receipting.ANNUAL_TAKEN, by)
            raise AnnualTaken(str(number))
        self.entries[str(number)] = {"number": number, "state": "pending", "purpose": purpose, "taken_at": now(),
                                     "key": key.scoped if key else None, "fp": key.fingerprint if key else None,
                                     "annual_of": annual}  # fmt: skip

    def fill(self, receipt: Receipt, event: Event, by: str) -> Receipt:
        entry = self.entries[str(receipt.number)]
        assert entry["state"] == "pending"
        entry.update(state="valid", receipt=receipt)
        self.events.append(event)
        return receipt

    def void_pending(self, number: ReceiptNumber, reason: str, by: str) -> bool:
        entry = self.entries[str(number)]
        if entry["state"] != "pending":
            return False
        entry.update(state="cancelled", reason=reason, annual_of=None, key=None)
        return True

    def void_unused(self, number: ReceiptNumber, reason: str, by: str) -> bool:
        if str(number) in self.entries:
            return False
        self.entries[str(number)] = {"number": number, "state": "cancelled", "reason": reason, "taken_at": now()}
        return True

    def cancel(self, void: Receipt, event: Event, by: str, replaced_by: ReceiptNumber | None = None,
               key: KeyedRequest | None = None) -> bool:  # fmt: skip
        entry = self.entries[str(void.number)]
        if entry["state"] != "valid":
            return False
        entry.update(state="cancelled", receipt=void, annual_of=None, replaced_by=replaced_by,
                     cancel_key=key.scoped if key else None, cancel_fp=key.fingerprint if key else None)  # fmt: skip
        self.events.append(event)
        return True

    def cancelled_with(self, number: ReceiptNumber, key: KeyedRequest) -> bool:
        entry = self.entries[str(number)]
        if entry.get("cancel_key") != key.scoped:
            return False
        key.ensure_same(entry["cancel_fp"])
        return True

    def stale_pending(self, taken_before: datetime) -> list[dict[str, Any]]:
        return [{"number": e["number"], "purpose": e["purpose"]} for e in self.entries.values()
                if e["state"] == "pending" and e["taken_at"] < taken_before]  # fmt: skip

    def sequences(self, issuer: str, year: int, upto: int) -> set[int]:
        mine = [e["number"] for e in self.entries.values() if (e["number"].issuer, e["number"].year) == (issuer, year)]
        return {number.sequence for number in mine if number.sequence <= upto}

    def last_taken(self, issuer: str, year: int, before: datetime) -> int:
        return max((e["number"].sequence for e in self.entries.values()
                    if (e["number"].issuer, e["number"].year) == (issuer, year) and e["taken_at"] < before),
                   default=0)  # fmt: skip

    def get(self, number: str) -> Receipt | None:
        entry = self.entries.get(number)
        return entry.get("receipt") if entry else None

    def by_key(self, key: KeyedRequest) -> tuple[ReceiptNumber, str | None, str] | None:
        for entry in self.entries.values():
            if entry.get("key") == key.scoped:
                return entry["number"], entry["fp"], entry["state"]
        return None

    def annual(self, donor_id: str, year: int) -> list[Receipt]:
        return [e["receipt"] for e in self.entries.values()
                if "receipt" in e and e["receipt"].kind == "annual" and e["receipt"].donor_id == donor_id
                and e["receipt"].year == year]  # fmt: skip

    def register(self, scope: Scope, issuer: str | None, year: int | None, donor_id: str | None, limit: int,
                 after: str | None) -> list[dict[str, Any]]:  # fmt: skip
        lines = []
        for number, entry in sorted(self.entries.items()):
            receipt = entry.get("receipt")
            if entry["state"] == "pending" or (donor_id and (receipt is None or receipt.donor_id != donor_id)):
                continue
            area = receipt.area if receipt else f"/DZ/{entry['number'].issuer[4:]}"
            if scope.contains(area):
                lines.append({"number": number, "state": entry["state"], "reason": entry.get("reason")})
        return lines[:limit]


class FakeGifts:
    def __init__(self, *gifts: Gift) -> None:
        self.gifts = {gift.id: gift for gift in gifts}
        self.moved_meanwhile: set[str] = set()

    def get(self, gift_id: str) -> Gift | None:
        return self.gifts.get(gift_id)

    def move(self, gift: Gift, to: Gift) -> Gift | None:
        if gift.id in self.moved_meanwhile or self.gifts[gift.id].state != gift.state:
            return None
        self.gifts[gift.id] = to
        return to

    def find(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None, limit: int) -> list[Gift]:
        found = [g for g in self.gifts.values() if (scope is None or scope.contains(g.area))
                 and donor_id in (None, g.donor_id)]  # fmt: skip
        return found[:limit]

    def renumber(self, gift_id: str, number: str, to: str) -> bool:
        gift = self.gifts.get(gift_id)
        if gift is None or gift.state != "receipted" or gift.receipt_number != number:
            return False
        self.gifts[gift_id] = replace(gift, receipt_number=to)
        return True


class FakeDonors:
    def __init__(self, *donors: Donor) -> None:
        self.donors = {donor.id: donor for donor in donors}

    def get(self, donor_id: str) -> Donor | None:
        return self.donors.get(donor_id)

    def of_user(self, user_id: str) -> Donor | None:
        return next((d for d in self.donors.values() if d.user_id == user_id), None)


def caller(role: str, area: str, user: str = "u-1") -> CallerContext:
    return CallerContext(user_id=user, roles=(role,), area=area, correlation_id="c")


AGENT_16 = caller("wilaya-agent", "/DZ/16")
AGENT_31 = caller("wilaya-agent", "/DZ/31")
SAMIR = Donor("d-samir", "person", "Samir Haddad", "/DZ/16", user_id="kc-samir")
NADIA = Donor("d-nadia", "person", "Nadia Ait", "/DZ/16", user_id="kc-nadia", anonymous_public=True)


def gift(gift_id: str = "g-1", donor: Donor = SAMIR, area: str = "/DZ/16/1601", **changes: Any) -> Gift:
    cash = CashPayment(Money("DZD", 1_500_050), "counter")
    return replace(Gift(gift_id, donor.id, area, date(2026, 3, 1), cash=cash), **changes)


def desk(*gifts: Gift) -> receipting.Desk:
    return receipting.Desk(FakeNumbers(), FakeRegister(), FakeGifts(*gifts), FakeDonors(SAMIR, NADIA))  # type: ignore[arg-type]


def key(*request: Any, user: str = "u-1", client_key: str | None = None) -> KeyedRequest:
    return keyed(user, client_key or uuid.uuid4().hex, *request)


def test_a_standing_gift_gets_the_first_number_of_its_directorate_and_is_locked() -> None:
    d = desk(gift())
    receipt = receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1"), TODAY)
    assert str(receipt.number) == "DAS-16/2026/000001"
    assert (receipt.amount, receipt.area, receipt.donor_shown) == (Money("DZD", 1_500_050), "/DZ/16/1601", True)
    stored = d.gifts.get("g-1")
    assert stored is not None and (stored.state, stored.receipt_number) == ("receipted", "DAS-16/2026/000001")
    [event] = d.register.events  # type: ignore[attr-defined]
    assert isinstance(event, ReceiptIssued) and event.amount_minor == 1_500_050 and event.issuer == "DAS-16"


@pytest.mark.parametrize(("state", "code"), [("cancelled", "gift_not_standing"), ("refunded", "gift_not_standing"),
                                             ("receipted", "gift_already_receipted")])  # fmt: skip
def test_a_gift_that_is_not_recorded_is_refused_before_a_number_is_taken(state: str, code: str) -> None:
    d = desk(gift(state=state, receipt_number="DAS-16/2026/000009" if state == "receipted" else None))
    with pytest.raises(Conflict) as refused:
        receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1"), TODAY)
    assert refused.value.details["code"] == code
    assert d.numbers.issued() == []


@pytest.mark.parametrize("who", [AGENT_31, caller("social-worker", "/DZ/16/1602")])
def test_a_gift_out_of_sight_is_404_as_an_unknown_one_and_takes_no_number(who: CallerContext) -> None:
    d = desk(gift())
    for gift_id in ("g-1", "g-unknown"):
        with pytest.raises(NotFound, match="gift not found"):
            receipting.issue_for_gift(d, who, gift_id, key(gift_id), TODAY)
    assert d.numbers.issued() == []


def test_a_repeated_request_answers_the_first_receipt_and_a_reused_key_is_refused() -> None:
    d = desk(gift(), gift("g-2"))
    first = receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1", client_key="k-000001"), TODAY)
    again = receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1", client_key="k-000001"), TODAY)
    assert again == first
    with pytest.raises(IdempotencyKeyReused):
        receipting.issue_for_gift(d, AGENT_16, "g-2", key("g-2", client_key="k-000001"), TODAY)
    assert len(d.register.entries) == 1  # type: ignore[attr-defined]


def test_a_gift_receipted_meanwhile_voids_the_number_with_the_reason() -> None:
    d = desk(gift())
    d.gifts.moved_meanwhile.add("g-1")  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as refused:
        receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1"), TODAY)
    assert refused.value.details["code"] == "gift_already_receipted"
    entry = d.register.entries["DAS-16/2026/000001"]  # type: ignore[attr-defined]
    assert (entry["state"], entry["reason"]) == ("cancelled", receipting.GIFT_TAKEN)


def test_cancel_keeps_the_number_void_with_its_reason_once() -> None:
    d = desk(gift())
    issued = receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1"), TODAY)
    cancel_key = key("cancel", client_key="cancel-0001")
    void = receipting.cancel(d, AGENT_16, str(issued.number), "montant saisi par erreur", cancel_key)
    assert (void.state, void.reason, void.number) == ("cancelled", "montant saisi par erreur", issued.number)
    assert receipting.cancel(d, AGENT_16, str(issued.number), "montant saisi par erreur", cancel_key) == void
    with pytest.raises(Conflict) as again:
        receipting.cancel(d, AGENT_16, str(issued.number), "encore", key("cancel"))
    assert again.value.details["code"] == "receipt_already_cancelled"
    assert isinstance(d.register.events[-1], ReceiptCancelled)  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        receipting.cancel(desk(gift()), AGENT_16, "DAS-16/2026/000001", "x", key())  # nothing to cancel
    assert [line["state"] for line in receipting.register(d, AGENT_16, None, None, 10, None)] == ["cancelled"]


def test_reissue_voids_the_old_number_and_the_new_one_names_it() -> None:
    d = desk(gift())
    old = receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1"), TODAY)
    new = receipting.reissue(d, AGENT_16, str(old.number), "nom du donateur mal orthographié", key("re"), TODAY)
    assert (str(new.number), new.replaces, new.amount, new.state) == ("DAS-16/2026/000002", old.number, old.amount,
                                                                      "valid")  # fmt: skip
    assert d.register.get(str(old.number)).state == "cancelled"  # type: ignore[union-attr]
    assert d.register.entries[str(old.number)]["replaced_by"] == new.number  # type: ignore[attr-defined]
    assert d.gifts.get("g-1").receipt_number == str(new.number)  # type: ignore[union-attr]  # the gift names it
    with pytest.raises(Conflict):
        receipting.reissue(d, AGENT_16, str(old.number), "encore", key("re2"), TODAY)
    assert register_gaps(ReceiptNumber.parse(n) for n in d.register.entries) == {}  # type: ignore[attr-defined]


def test_a_reissue_stopped_before_its_receipt_was_written_is_completed_by_the_recovery() -> None:
    d = desk(gift())
    old = receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1"), TODAY)
    fill = d.register.fill

    def stop(*args: Any) -> Any:
        raise RuntimeError("stopped")

    d.register.fill = stop  # type: ignore[method-assign, assignment]
    with pytest.raises(RuntimeError):
        receipting.reissue(d, AGENT_16, str(old.number), "nom", key("re"), TODAY)
    d.register.fill = fill  # type: ignore[method-assign]
    assert d.gifts.get("g-1").receipt_number == "DAS-16/2026/000002"  # type: ignore[union-attr]
    done = receipting.recover(d, now() + timedelta(minutes=5), timedelta(minutes=1))
    assert done == {"completed": 1, "voided": 0, "unused": 0}
    assert d.register.get("DAS-16/2026/000002").state == "valid"  # type: ignore[union-attr]  # the gift's receipt


def test_never_two_valid_annual_receipts_for_a_donor_and_year() -> None:
    d = desk(gift(), gift("g-2"), gift("g-3", received_on=date(2025, 5, 1)))
    annual = receipting.annual(d, AGENT_16, SAMIR.id, 2026, key("a1"), TODAY)
    assert (annual.kind, annual.gift_ids, annual.amount.minor, annual.year) == ("annual", ("g-1", "g-2"), 3_000_100,
                                                                                2026)  # fmt: skip
    with pytest.raises(Conflict) as twice:
        receipting.annual(d, AGENT_16, SAMIR.id, 2026, key("a2"), TODAY)
    assert twice.value.details["code"] == "annual_receipt_exists"
    receipting.cancel(d, AGENT_16, str(annual.number), "un don oublié", key("c"))
    again = receipting.annual(d, AGENT_16, SAMIR.id, 2026, key("a3"), TODAY)
    assert again.state == "valid" and again.number.sequence == 2


def test_a_donor_reads_only_their_own_receipts_whatever_the_area() -> None:
    d = desk(gift(), gift("g-2", donor=NADIA))
    mine = receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1"), TODAY)
    hers = receipting.issue_for_gift(d, AGENT_16, "g-2", key("g-2"), TODAY)
    samir = caller("donor", "/DZ", "kc-samir")
    assert receipting.get(d, samir, str(mine.number)) == mine
    with pytest.raises(NotFound):
        receipting.get(d, samir, str(hers.number))
    assert [line["number"] for line in receipting.register(d, samir, None, None, 10, None)] == [str(mine.number)]
    with pytest.raises(NotFound):
        receipting.get(d, caller("donor", "/DZ", "kc-stranger"), str(mine.number))
    with pytest.raises(NotFound):
        receipting.get(d, AGENT_31, str(mine.number))
    assert receipting.register(d, AGENT_31, None, None, 10, None) == []
    with pytest.raises(NotFound):
        receipting.annual(d, samir, NADIA.id, 2026, key("a"), TODAY)


def test_the_public_check_names_the_donor_only_if_allowed_and_a_wrong_code_is_unknown() -> None:
    d = desk(gift(), gift("g-2", donor=NADIA))
    shown = receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1"), TODAY)
    hidden = receipting.issue_for_gift(d, AGENT_16, "g-2", key("g-2"), TODAY)
    check = receipting.public_check(d, str(shown.number), verification_code(shown, KEY), KEY)
    assert check is not None and (check.state, check.donor, check.amount) == ("valid", "Samir Haddad", shown.amount)
    anonymous = receipting.public_check(d, str(hidden.number), verification_code(hidden, KEY), KEY)
    assert anonymous is not None and anonymous.donor is None
    assert receipting.public_check(d, str(shown.number), verification_code(hidden, KEY), KEY) is None
    assert receipting.public_check(d, "DAS-16/2026/000099", verification_code(shown, KEY), KEY) is None
    assert receipting.public_check(d, "not a number", "x", KEY) is None


def test_recovery_completes_a_pending_number_whose_gift_was_receipted_under_it() -> None:
    d = desk(gift())
    number = d.numbers.take("DAS-16", 2026)
    d.register.hold(number, purpose={"gift_ids": ["g-1"]}, by="u-1")
    d.gifts.gifts["g-1"] = gift(state="receipted", receipt_number=str(number))  # type: ignore[attr-defined]
    done = receipting.recover(d, now() + timedelta(minutes=5), timedelta(minutes=1))
    assert done == {"completed": 1, "voided": 0, "unused": 0}
    completed = d.register.get(str(number))
    assert completed is not None and completed.gift_ids == ("g-1",) and completed.state == "valid"


def test_a_refunded_gift_leaves_no_valid_receipt() -> None:
    d = desk(gift())
    issued = receipting.issue_for_gift(d, AGENT_16, "g-1", key("g-1"), TODAY)
    refunded = d.gifts.get("g-1").refunded("chèque rejeté")  # type: ignore[union-attr]
    void = receipting.void_with_gift(d.register, refunded, "u-1")
    assert void is not None and (void.number, void.state) == (issued.number, "cancelled")
    assert void.reason == "don remboursé : chèque rejeté"
    assert receipting.void_with_gift(d.register, refunded, "u-1") is None  # once
    assert receipting.void_with_gift(d.register, gift("g-2"), "u-1") is None  # never receipted
