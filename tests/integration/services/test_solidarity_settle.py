"""A gift's follow-ups exactly once over the real database: each adapter below stops once between two
writes (the process "crashes"); the settle timer's use case then finishes the move, and again changes
nothing. The counter is compared with ``recount`` (the truth from the gifts). The settle query's plan is
checked in test_solidarity_query_plans.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from common.clock import now
from common.context import CallerContext
from common.contracts.campaigns import CampaignIn
from common.contracts.donors import DonorIn
from common.contracts.gifts import GiftIn
from common.idempotency import keyed
from common.nameko_ext import outbox
from solidarity.adapters.campaign_totals import MongoCampaignTotals, recount
from solidarity.adapters.campaigns import MongoCampaigns
from solidarity.adapters.donors import MongoDonors
from solidarity.adapters.gifts import MongoGifts
from solidarity.adapters.receipt_counters import MongoReceiptNumbers
from solidarity.adapters.receipts import MongoReceipts
from solidarity.app import campaigns as campaigning
from solidarity.app import donors as donor_records
from solidarity.app import gifts as giving
from solidarity.app import receipts as receipting
from solidarity.domain.campaigns import Campaign, Totals
from solidarity.domain.gifts import Gift
from tests.integration.services.conftest import MONGO_URI, PREFIX

AGENT = CallerContext(user_id="it-agent", roles=("wilaya-agent",), area="/DZ/16", correlation_id="c")
LATER = timedelta(minutes=2)


class Crash(RuntimeError):
    """The process stopped here."""


class TotalsStoppingAfterInc(MongoCampaignTotals):
    crash = False

    def add(self, campaign: Campaign, gift: Gift, sign: int) -> Totals | None:
        after = super().add(campaign, gift, sign)
        if self.crash:
            self.crash = False
            raise Crash  # the $inc is stored, the gift still marked unsettled
        return after


class GiftsStoppingAfterCreate(MongoGifts):
    crash = False

    def create(self, gift: Gift, key: Any, user_id: str, events: list[Any], settle: int = 0) -> tuple[Gift, bool]:
        stored = super().create(gift, key, user_id, events, settle)
        if self.crash:
            self.crash = False
            raise Crash  # the gift is stored, its campaign not counted
        return stored


class ReceiptsStoppingBeforeVoid(MongoReceipts):
    crash = False

    def cancel(self, *args: Any, **kwargs: Any) -> bool:
        if self.crash:
            self.crash = False
            raise Crash  # the gift is withdrawn, its receipt still valid
        return super().cancel(*args, **kwargs)


@dataclass
class World:
    db: Database[Any]
    desk: giving.GiftDesk
    receipts: receipting.Desk
    campaign: Campaign
    donor_id: str

    def record(self, amount: str) -> Gift:
        body = GiftIn.model_validate(
            {"donor_id": self.donor_id, "campaign_id": self.campaign.id,
             "cash": {"amount": amount, "currency": "DZD", "channel": "counter"}}
        )  # fmt: skip
        return giving.record(self.desk, AGENT, body, keyed(AGENT.user_id, uuid.uuid4().hex, "record_gift", body))

    def settle_later(self) -> int:
        return giving.settle_unsettled(self.desk, now() + LATER)

    def counter(self) -> Totals:
        return self.desk.totals.of(self.campaign.id)


@pytest.fixture
def world() -> Iterator[World]:
    client: MongoClient[dict[str, Any]] = MongoClient(MONGO_URI)
    name = f"{PREFIX}solidarity_settle"
    db = client[name]
    for adapter in (MongoCampaigns, MongoCampaignTotals, MongoDonors, MongoGifts, MongoReceipts, MongoReceiptNumbers):
        adapter.ensure_indexes(db)
    campaigns, donors, gifts = MongoCampaigns(db), MongoDonors(db), GiftsStoppingAfterCreate(db)
    register = ReceiptsStoppingBeforeVoid(db)
    desk = giving.GiftDesk(campaigns, TotalsStoppingAfterInc(db), donors, gifts, register)
    today = now().date()
    body = CampaignIn.model_validate(
        {"kind": "winter", "name_fr": "Hiver", "name_ar": "شتاء", "area": "/DZ/16",
         "starts_on": (today - timedelta(days=1)).isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(),
         "goals": {"amount": {"amount": "1000", "currency": "DZD"}}}
    )  # fmt: skip
    draft = campaigning.create(campaigns, AGENT, body, keyed(AGENT.user_id, uuid.uuid4().hex, "c", body))
    campaign = campaigning.move(campaigns, AGENT, draft.id, "open")
    donor_body = DonorIn.model_validate({"kind": "person", "name": "Samir H", "area": "/DZ/16"})
    donor = donor_records.register(donors, AGENT, donor_body, keyed(AGENT.user_id, uuid.uuid4().hex, "d", donor_body))
    receipts = receipting.Desk(MongoReceiptNumbers(db), register, gifts, donors)  # type: ignore[arg-type]
    yield World(db, desk, receipts, campaign, donor.id)
    client.drop_database(name)


def test_a_crash_between_the_gift_and_its_count_is_counted_once(world: World) -> None:
    world.desk.gifts.crash = True  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        world.record("10")
    world.record("20")
    assert world.counter().gifts == 1  # short by the crashed gift
    assert world.settle_later() == 1
    assert world.counter() == Totals({"DZD": 3000}, {}, 2) == recount(world.db, world.campaign.id)
    assert world.settle_later() == 0
    assert world.counter().gifts == 2


def test_a_crash_after_the_count_and_after_the_take_back_does_not_count_twice(world: World) -> None:
    world.desk.totals.crash = True  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        world.record("10")
    assert world.counter().gifts == 1
    assert world.settle_later() == 1  # the guard finds the move applied
    assert world.counter() == Totals({"DZD": 1000}, {}, 1) == recount(world.db, world.campaign.id)
    gift = world.desk.gifts.find(None, None, world.campaign.id, 1)[0]
    world.desk.totals.crash = True  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        giving.withdraw(world.desk, AGENT, gift.id, "refund", "rendu")
    assert world.settle_later() == 1
    assert world.counter().gifts == 0 == recount(world.db, world.campaign.id).gifts
    assert world.counter().money.get("DZD", 0) == 0
    assert world.settle_later() == 0


def test_a_crash_before_the_receipt_is_voided_is_finished_once(world: World) -> None:
    gift = world.record("10")
    receipt = receipting.issue_for_gift(
        world.receipts, AGENT, gift.id, keyed(AGENT.user_id, uuid.uuid4().hex, "r", gift.id), now().date()
    )
    world.receipts.register.crash = True  # type: ignore[attr-defined]
    with pytest.raises(Crash):
        giving.withdraw(world.desk, AGENT, gift.id, "cancel", "saisie en double")
    assert world.receipts.register.get(str(receipt.number)).state == "valid"  # type: ignore[union-attr]
    assert world.settle_later() == 1
    void = world.receipts.register.get(str(receipt.number))
    assert void is not None and void.state == "cancelled" and void.reason == "don annulé : saisie en double"
    assert world.settle_later() == 0
    stored = world.db["receipts"].find_one({"_id": str(receipt.number)})
    assert stored is not None
    kinds = [entry["event_type"] for entry in stored.get(outbox.OUTBOX_FIELD) or []]
    assert kinds.count("receipt_cancelled") == 1  # once (no relay runs here)
    assert world.db["gifts"].count_documents({"settle": {"$exists": True}}) == 0


def test_after_a_reissue_the_gift_names_its_current_receipt(world: World) -> None:
    gift = world.record("10")
    first = receipting.issue_for_gift(
        world.receipts, AGENT, gift.id, keyed(AGENT.user_id, uuid.uuid4().hex, "r", gift.id), now().date()
    )
    second = receipting.reissue(
        world.receipts, AGENT, str(first.number), "nom", keyed(AGENT.user_id, uuid.uuid4().hex, "re"), now().date()
    )
    assert world.desk.gifts.get(gift.id).receipt_number == str(second.number)  # type: ignore[union-attr]
    assert world.receipts.register.get(str(first.number)).state == "cancelled"  # type: ignore[union-attr]
