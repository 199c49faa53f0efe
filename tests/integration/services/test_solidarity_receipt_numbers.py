"""Receipt numbers over the real database: 8 concurrent issuers leave no gap and no duplicate, and a
crash at any point of an issue leaves the register complete once the recovery has run.

The issuers run the real numbering (``adapters.receipt_counters``) and register (``adapters.receipts``)
through the use cases' own steps; gifts and donors are not under test here (a stub answers "no such gift").
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from common.clock import now
from common.scope import Scope
from solidarity.adapters.receipt_counters import MongoReceiptNumbers
from solidarity.adapters.receipts import MongoReceipts
from solidarity.app import receipts as receipting
from solidarity.domain.money import Money
from solidarity.domain.receipts import Receipt, ReceiptNumber, register_gaps
from tests.integration.services.conftest import MONGO_URI, PREFIX

ISSUERS = 8
EACH = 25
YEAR = now().year


class NoGifts:
    def get(self, gift_id: str) -> None:
        return None

    def of_user(self, user_id: str) -> None:
        return None


@pytest.fixture
def database() -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI, tz_aware=True)
    db = client[f"{PREFIX}receipts_{uuid.uuid4().hex[:6]}"]
    MongoReceipts.ensure_indexes(db)
    yield db
    client.drop_database(db.name)
    client.close()


def desk(db: Database[Any]) -> receipting.Desk:
    return receipting.Desk(MongoReceiptNumbers(db), MongoReceipts(db), NoGifts(), NoGifts())  # type: ignore[arg-type]


def issue_one(desk: receipting.Desk, issuer: str, worker: int) -> ReceiptNumber:
    """What every issue does with the register: take a number (entry pending), then fill it."""
    number = receipting.take_number(desk, issuer, YEAR, f"issuer-{worker}", {"gift_ids": [uuid.uuid4().hex]}, None)
    receipt = Receipt(number, "gift", "donor-1", (uuid.uuid4().hex,), Money("DZD", 150_000), date(YEAR, 1, 2),
                      "/DZ/16", None)  # fmt: skip
    desk.register.fill(receipt, receipting.issued(receipt), f"issuer-{worker}")
    return number


def register_numbers(db: Database[Any]) -> list[ReceiptNumber]:
    return [ReceiptNumber.parse(doc["_id"]) for doc in db["receipts"].find({}, {"_id": 1})]


def test_eight_concurrent_issuers_leave_no_gap_and_no_duplicate(database: Database[Any]) -> None:
    start = threading.Barrier(ISSUERS)

    def work(worker: int) -> list[ReceiptNumber]:
        own = desk(database)
        start.wait()
        return [issue_one(own, "DAS-16", worker) for _ in range(EACH)]

    with ThreadPoolExecutor(ISSUERS) as pool:
        handed = [number for numbers in pool.map(work, range(ISSUERS)) for number in numbers]

    assert len(handed) == len(set(handed)) == ISSUERS * EACH
    # A number the counter skipped (FerretDB may apply a retried $inc twice under contention) has no entry
    # until the recovery writes it void: the register is complete once it ran, as the service runs it.
    receipting.recover(desk(database), now() + timedelta(minutes=10), timedelta(minutes=1))
    stored = register_numbers(database)
    assert register_gaps(stored) == {}
    entries = {doc["_id"]: doc for doc in database["receipts"].find({})}
    assert {number for number, doc in entries.items() if doc["state"] == "valid"} == {str(n) for n in handed}
    skipped = [doc for doc in entries.values() if doc["state"] != "valid"]
    assert all(doc["reason"] == receipting.NEVER_WRITTEN for doc in skipped)


def test_a_crash_between_taking_a_number_and_writing_it_is_voided_with_its_reason(database: Database[Any]) -> None:
    d = desk(database)
    first = issue_one(d, "DAS-31", 0)
    lost = d.numbers.take("DAS-31", YEAR)  # the process dies here: no entry for this number
    pending = d.numbers.take("DAS-31", YEAR)
    d.register.hold(pending, purpose={"gift_ids": ["gone"]}, by="issuer-0")  # dies before filling it
    later = issue_one(d, "DAS-31", 0)
    assert register_gaps(register_numbers(database)) == {("DAS-31", YEAR): {"missing": [2], "repeated": []}}

    fresh = receipting.recover(d, now(), timedelta(minutes=1))
    assert fresh == {"completed": 0, "voided": 0, "unused": 0}  # nothing is stale yet: an issuer may be at work

    done = receipting.recover(d, now() + timedelta(minutes=2), timedelta(minutes=1))
    assert done == {"completed": 0, "voided": 1, "unused": 1}
    assert register_gaps(register_numbers(database)) == {}
    entries = {doc["_id"]: doc for doc in database["receipts"].find({})}
    assert entries[str(lost)]["state"] == "cancelled"
    assert entries[str(lost)]["reason"] == receipting.NEVER_WRITTEN
    assert entries[str(pending)]["state"] == "cancelled"
    assert entries[str(pending)]["reason"] == receipting.INTERRUPTED
    assert entries[str(first)]["state"] == entries[str(later)]["state"] == "valid"
    assert receipting.recover(d, now() + timedelta(minutes=3), timedelta(minutes=1)) == {
        "completed": 0, "voided": 0, "unused": 0,
    }  # fmt: skip


def test_an_issuer_whose_number_the_recovery_voided_takes_the_next_one(database: Database[Any]) -> None:
    d = desk(database)
    slow = d.numbers.take("MSN", YEAR)  # taken, then the issuer stalls past the stale delay
    issue_one(d, "MSN", 1)
    receipting.recover(d, now() + timedelta(minutes=2), timedelta(minutes=1))
    resumed = issue_one(d, "MSN", 0)  # its own next number, after the recovery voided ``slow``
    assert resumed.sequence == 3
    states = {doc["sequence"]: doc["state"] for doc in database["receipts"].find({})}
    assert states == {slow.sequence: "cancelled", 2: "valid", 3: "valid"}


def test_the_register_lists_void_numbers_with_their_reason_to_the_issuers_wilaya(database: Database[Any]) -> None:
    d = desk(database)
    issue_one(d, "DAS-16", 0)
    d.numbers.take("DAS-16", YEAR)
    receipting.recover(d, now() + timedelta(minutes=2), timedelta(minutes=1))
    lines = d.register.register(Scope("/DZ/16"), "DAS-16", YEAR, None, 10, None)
    assert [(line["sequence"], line["state"]) for line in lines] == [(1, "valid"), (2, "cancelled")]
    assert lines[1]["reason"] == receipting.NEVER_WRITTEN
    assert d.register.register(Scope("/DZ/31"), None, None, None, 10, None) == []
