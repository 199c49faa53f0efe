"""A gift's move and its follow-ups in other documents, exactly once without a transaction (app.gifts.settle).

Recording counts the gift in its campaign's totals; withdrawing it takes it back and voids its
valid receipt. Each fake below crashes once between two of those writes; the settle timer
(``settle_unsettled``) then finishes the move, and running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from nameko.testing.services import worker_factory

from common.clock import now
from common.context import CallerContext
from common.contracts.events import ReceiptCancelled
from common.errors import Conflict
from solidarity.app import gifts as giving
from solidarity.domain.campaigns import Campaign, Totals
from solidarity.domain.gifts import Gift
from solidarity.domain.receipts import Receipt
from solidarity.receipt_settings import ReceiptSettings
from solidarity.service import SolidarityService
from tests.fakes.solidarity import FakeCampaigns, FakeDonors, FakeGifts, FakeTotals
from tests.unit.services.test_solidarity_receipts import FakeNumbers, FakeRegister

LATER = timedelta(minutes=2)
_keys = iter(range(10**9))


class Crash(RuntimeError):
    """The process stopped here."""


def key() -> str:
    return f"solfinish-key-{next(_keys):06d}"


class TotalsCrashingBefore(FakeTotals):
    """Stops before its first ``$inc`` is applied."""

    crash = True

    def add(self, campaign: Campaign, gift: Gift, sign: int) -> Totals | None:
        if self.crash:
            self.crash = False
            raise Crash
        return super().add(campaign, gift, sign)


class GiftsCrashingAfter(FakeGifts):
    """Stops after the totals moved, before the gift's marker is removed (once per sign in ``crash_on``)."""

    crash_on: set[int] = set()

    def settled(self, gift_id: str, sign: int) -> None:
        if sign in self.crash_on:
            self.crash_on = self.crash_on - {sign}
            raise Crash
        super().settled(gift_id, sign)


class RegisterCrashing(FakeRegister):
    """Stops before the receipt is voided, once."""

    crash = False

    def cancel(self, void: Receipt, event: Any, by: str, replaced_by: Any = None, key: Any = None) -> bool:
        if self.crash:
            self.crash = False
            raise Crash
        return super().cancel(void, event, by, replaced_by=replaced_by, key=key)


@dataclass
class World:
    totals: FakeTotals = field(default_factory=FakeTotals)
    gifts: FakeGifts = field(default_factory=FakeGifts)
    register: FakeRegister = field(default_factory=FakeRegister)
    campaigns: FakeCampaigns = field(default_factory=FakeCampaigns)
    donors: FakeDonors = field(default_factory=FakeDonors)
    numbers: FakeNumbers = field(default_factory=FakeNumbers)

    def as_(self, area: str, role: str) -> Any:
        caller = CallerContext(user_id=f"user-{role}", roles=(role,), area=area, correlation_id="c")
        return worker_factory(
            SolidarityService, campaigns=self.campaigns, totals=self.totals, donors=self.donors, gifts=self.gifts,
            receipt_register=self.register, receipt_numbers=self.numbers, receipt_settings=ReceiptSettings(),
            caller=caller,
        )  # fmt: skip

    def settle_later(self) -> int:
        return giving.settle_unsettled(self.as_("/DZ", "national-officer").desk, now() + LATER)

    def raised(self, campaign_id: str) -> Totals:
        return self.totals.of(campaign_id)

    def cancelled_events(self) -> list[Any]:
        return [e for e in self.register.events if isinstance(e, ReceiptCancelled)]


DIRECTOR = ("/DZ/16", "wilaya-director")
AGENT = ("/DZ/16", "wilaya-agent")


def setup(world: World) -> tuple[str, str]:
    director = world.as_(*DIRECTOR)
    today = now().date()
    body = {"kind": "winter", "name_fr": "Hiver", "name_ar": "شتاء", "area": "/DZ/16",
            "starts_on": (today - timedelta(days=1)).isoformat(), "ends_on": (today + timedelta(days=60)).isoformat(),
            "goals": {"amount": {"amount": "100000", "currency": "DZD"}}}  # fmt: skip
    campaign = director.create_campaign(body, key())
    director.move_campaign(campaign["id"], {"to": "open"}, key())
    donor = director.register_donor({"kind": "person", "name": "Samir Haddad", "area": "/DZ/16"}, key())
    return campaign["id"], donor["id"]


def record(world: World, campaign_id: str, donor_id: str, amount: str = "1500") -> dict[str, Any]:
    body = {"donor_id": donor_id, "campaign_id": campaign_id, "cash": {"amount": amount, "currency": "DZD",
            "channel": "counter"}}  # fmt: skip
    return world.as_(*AGENT).record_gift(body, key())


def test_a_withdrawn_gift_voids_its_receipt_with_the_gift_s_reason_once() -> None:
    world = World()
    campaign_id, donor_id = setup(world)
    gift = record(world, campaign_id, donor_id)
    receipt = world.as_(*AGENT).issue_receipt(gift["id"], key())
    refund = world.as_(*AGENT).withdraw_gift(gift["id"], "refund", {"reason": "chèque rejeté"}, key())
    assert refund["state"] == "refunded"
    voided = world.as_(*AGENT).get_receipt(receipt["number"])
    assert voided["state"] == "cancelled" and voided["reason"] == "don remboursé : chèque rejeté"
    world.as_(*AGENT).withdraw_gift(gift["id"], "refund", {"reason": "chèque rejeté"}, key())  # a repeat
    assert world.settle_later() == 0
    assert [e.number for e in world.cancelled_events()] == [receipt["number"]]
    assert world.raised(campaign_id).gifts == 0


def test_a_crash_between_the_withdrawal_and_the_void_is_finished_by_the_timer_once() -> None:
    world = World(register=RegisterCrashing())
    campaign_id, donor_id = setup(world)
    gift = record(world, campaign_id, donor_id)
    receipt = world.as_(*AGENT).issue_receipt(gift["id"], key())
    world.register.crash = True  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        world.as_(*AGENT).withdraw_gift(gift["id"], "cancel", {"reason": "saisie en double"}, key())
    assert world.gifts.get(gift["id"]).state == "cancelled"  # type: ignore[union-attr]
    assert world.as_(*AGENT).get_receipt(receipt["number"])["state"] == "valid"  # the gap a crash leaves
    assert world.raised(campaign_id).gifts == 0  # taken back before the crash
    assert world.settle_later() == 1
    assert world.as_(*AGENT).get_receipt(receipt["number"])["reason"] == "don annulé : saisie en double"
    assert world.settle_later() == 0
    assert len(world.cancelled_events()) == 1 and world.raised(campaign_id).gifts == 0


def test_the_timer_leaves_a_move_that_is_not_a_minute_old() -> None:
    world = World(totals=TotalsCrashingBefore())
    campaign_id, donor_id = setup(world)
    with pytest.raises(Crash):
        record(world, campaign_id, donor_id)
    assert giving.settle_unsettled(world.as_(*DIRECTOR).desk, now()) == 0
    assert world.raised(campaign_id).gifts == 0


def test_a_crash_before_the_count_is_counted_once_by_the_timer() -> None:
    world = World(totals=TotalsCrashingBefore())
    campaign_id, donor_id = setup(world)
    with pytest.raises(Crash):
        record(world, campaign_id, donor_id, "2500")
    assert world.raised(campaign_id).gifts == 0  # the gift is stored, the counter short
    assert world.settle_later() == 1
    assert world.raised(campaign_id) == Totals({"DZD": 250_000}, {}, 1)
    assert world.settle_later() == 0
    assert world.raised(campaign_id).gifts == 1


def test_a_crash_after_the_count_is_not_counted_twice() -> None:
    gifts = GiftsCrashingAfter()
    gifts.crash_on = {1, -1}
    world = World(gifts=gifts)
    campaign_id, donor_id = setup(world)
    with pytest.raises(Crash):
        record(world, campaign_id, donor_id, "2500")
    assert world.raised(campaign_id).gifts == 1
    assert world.settle_later() == 1  # the retry finds the move applied
    assert world.raised(campaign_id) == Totals({"DZD": 250_000}, {}, 1)
    gift_id = world.gifts.find(None, None, campaign_id, 1)[0].id
    with pytest.raises(Crash):
        world.as_(*AGENT).withdraw_gift(gift_id, "cancel", {"reason": "erreur"}, key())
    assert world.raised(campaign_id).gifts == 0
    assert world.settle_later() == 1
    assert world.raised(campaign_id).gifts == 0 and world.raised(campaign_id).money.get("DZD", 0) == 0
    assert world.settle_later() == 0


def test_a_gift_withdrawn_before_its_count_settled_is_counted_then_taken_back() -> None:
    world = World(totals=TotalsCrashingBefore())
    campaign_id, donor_id = setup(world)
    with pytest.raises(Crash):
        record(world, campaign_id, donor_id)
    gift_id = world.gifts.find(None, None, campaign_id, 1)[0].id
    world.as_(*AGENT).withdraw_gift(gift_id, "cancel", {"reason": "erreur"}, key())
    assert world.raised(campaign_id).gifts == 0 and world.settle_later() == 0
    assert world.raised(campaign_id).gifts == 0


def test_after_a_reissue_a_refund_voids_the_current_receipt() -> None:
    world = World()
    campaign_id, donor_id = setup(world)
    gift = record(world, campaign_id, donor_id)
    first = world.as_(*AGENT).issue_receipt(gift["id"], key())
    second = world.as_(*AGENT).reissue_receipt(first["number"], {"reason": "nom mal orthographié"}, key())
    assert world.as_(*AGENT).get_gift(gift["id"])["receipt_number"] == second["number"]
    world.as_(*AGENT).withdraw_gift(gift["id"], "refund", {"reason": "rendu"}, key())
    assert world.as_(*AGENT).get_receipt(second["number"])["state"] == "cancelled"
    with pytest.raises(Conflict):
        world.as_(*AGENT).issue_receipt(gift["id"], key())
