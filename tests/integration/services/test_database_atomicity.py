"""The database the platform runs on applies each single-document write atomically.

The code is written for MongoDB, where one update of one document is atomic: guarded
updates (budgets, review decisions, aid states) and the outbox's pulls rely on it. The
embedded database (FerretDB 2 over PostgreSQL with DocumentDB) updates a document in one
PostgreSQL statement; these tests failed on the former embedded FerretDB 1.24 unpatched,
which lost concurrent updates of one document (24 of 400 increments kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.collection import Collection

from tests.integration.services.conftest import MONGO_URI, PREFIX

THREADS = 8
ROUNDS = 25


@pytest.fixture
def records() -> Iterator[Collection[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI, maxPoolSize=THREADS * 2)
    database = client[f"{PREFIX}atomicity"]
    yield database["records"]
    client.drop_database(database.name)
    client.close()


def race(work: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(work, range(THREADS)))


def test_concurrent_increments_of_one_document_are_all_kept(records: Collection[Any]) -> None:
    records.insert_one({"_id": "counter", "n": 0})

    def increment(_: int) -> None:
        for _ in range(ROUNDS):
            records.update_one({"_id": "counter"}, {"$inc": {"n": 1}})

    race(increment)
    assert records.find_one({"_id": "counter"}) == {"_id": "counter", "n": THREADS * ROUNDS}


def test_a_guarded_update_has_one_winner(records: Collection[Any]) -> None:
    records.insert_one({"_id": "place", "taken": 0, "capacity": 1})

    def take(_: int) -> int:
        return records.update_one({"_id": "place", "taken": {"$lt": 1}}, {"$inc": {"taken": 1}}).modified_count

    assert sum(race(take)) == 1
    assert records.find_one({"_id": "place"}) == {"_id": "place", "taken": 1, "capacity": 1}


def test_a_state_change_survives_the_outbox_pulling_events_of_the_same_record(records: Collection[Any]) -> None:
    """What a merge met in CI: its status change was lost to the relay's pull of an earlier event."""
    events = [{"event_id": f"e{n}"} for n in range(THREADS * ROUNDS)]
    records.insert_one({"_id": "household", "status": "held", "_outbox": events, "history": []})

    def pull_or_change(worker: int) -> None:
        for round_ in range(ROUNDS):
            if worker % 2:
                records.update_one({"_id": "household"}, {"$push": {"history": f"{worker}.{round_}"}})
            else:
                records.update_one({"_id": "household"}, {"$pull": {"_outbox": events[worker * ROUNDS + round_]}})

    race(pull_or_change)
    record = records.find_one({"_id": "household"})
    assert record is not None
    assert len(record["history"]) == THREADS // 2 * ROUNDS
    assert len(record["_outbox"]) == len(events) - THREADS // 2 * ROUNDS
