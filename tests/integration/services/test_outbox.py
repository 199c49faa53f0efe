"""The outbox relay on the real database: marked records are published and cleared,
a failed publish is retried, a sweep finds records whose marker was lost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from common.contracts.events import HouseholdRegistered, HouseholdUpdated, parse_event
from common.nameko_ext import outbox
from tests.integration.services.conftest import MONGO_URI, PREFIX


def registered(n: int) -> dict[str, Any]:
    return outbox.entry(HouseholdRegistered(household_id=f"h{n}", area="/DZ/16/1601", members=n))


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
    first, second = registered(1), outbox.entry(HouseholdUpdated(household_id="h1", fields=["address"]))
    db.households.insert_one({"_id": "h1", "_outbox": [first, second]})
    outbox.mark(db, "households", ["h1"])
    assert published_by(db) == [first["event_id"], second["event_id"]]
    assert db.households.find_one({"_id": "h1"})["_outbox"] == []
    assert published_by(db) == []


def test_a_failed_publish_is_retried_on_the_next_tick(db: Database[Any]) -> None:
    entry = registered(1)
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
            {"_id": "h1", "_outbox": [registered(1)]},
            {"_id": "h2", "_outbox": []},
            {"_id": "h3"},
        ]
    )
    assert published_by(db) == []  # nobody marked h1 (a crash between the two writes)
    assert outbox.sweep(db, ["households"]) == 1
    assert len(published_by(db)) == 1


def test_an_entry_stored_before_events_had_versions_still_relays(db: Database[Any]) -> None:
    """An outbox written by the old ``pending(kind, data)`` (no ``version``) goes out as it is, read as version 1."""
    old = {
        "event_id": "e-old",
        "event_type": "household_registered",
        "occurred_at": "2026-12-01T08:00:00.123456Z",
        "data": {"household_id": "h9", "area": "/DZ/16/1601", "members": 4},
    }
    db.households.insert_one({"_id": "h9", "_outbox": [old]})
    outbox.mark(db, "households", ["h9"])
    sent: list[dict[str, Any]] = []
    outbox.relay(db, lambda event_type, entry: sent.append(entry))
    assert sent == [old]
    received = parse_event(sent[0], HouseholdRegistered)
    assert received.version == 1 and received.data.members == 4
