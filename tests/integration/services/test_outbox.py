"""The outbox relay on the real database: marked records are published and cleared,
a failed publish is retried, a sweep finds records whose marker was lost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from common.nameko_ext import outbox
from tests.integration.services.conftest import MONGO_URI, PREFIX


@pytest.fixture
def db() -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI)
    name = f"{PREFIX}outbox"
    client.drop_database(name)
    yield client[name]
    client.drop_database(name)


def published_by(database: Database[Any]) -> list[str]:
    seen: list[str] = []
    outbox.relay(database, lambda event_type, entry: seen.append(entry["event_id"]))
    return seen


def test_marked_events_are_published_once_and_cleared(db: Database[Any]) -> None:
    first, second = outbox.pending("household_registered", {"n": 1}), outbox.pending("household_updated", {"n": 2})
    db.households.insert_one({"_id": "h1", "_outbox": [first, second]})
    outbox.mark(db, "households", ["h1"])
    assert published_by(db) == [first["event_id"], second["event_id"]]
    assert db.households.find_one({"_id": "h1"})["_outbox"] == []
    assert published_by(db) == []


def test_a_failed_publish_is_retried_on_the_next_tick(db: Database[Any]) -> None:
    entry = outbox.pending("household_registered", {"n": 1})
    db.households.insert_one({"_id": "h1", "_outbox": [entry]})
    outbox.mark(db, "households", ["h1"])

    def broker_down(event_type: str, data: dict[str, Any]) -> None:
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        outbox.relay(db, broker_down)
    assert db.households.find_one({"_id": "h1"})["_outbox"] == [entry]
    assert published_by(db) == [entry["event_id"]]


def test_sweep_finds_events_whose_marker_was_lost(db: Database[Any]) -> None:
    db.households.insert_many(
        [
            {"_id": "h1", "_outbox": [outbox.pending("household_registered", {})]},
            {"_id": "h2", "_outbox": []},
            {"_id": "h3"},
        ]
    )
    assert published_by(db) == []  # nobody marked h1 (a crash between the two writes)
    assert outbox.sweep(db, ["households"]) == 1
    assert len(published_by(db)) == 1
