"""The OutboxRelay dependency in a real nameko container, over the real broker and database:
an event written in a record's outbox is published once on the service's event exchange,
and one whose marker a crash lost is found by the sweep at start."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue
from nameko.containers import ServiceContainer
from nameko.rpc import rpc
from pymongo import MongoClient
from pymongo.database import Database

from common.contracts.events import HouseholdRegistered, parse_event
from common.nameko_ext import outbox
from common.nameko_ext.outbox_relay import OutboxRelay
from tests.integration.services.conftest import AMQP_URI, MONGO_URI, PREFIX, eventually

SERVICE = "outboxrelaytest"


class RelayingService:
    """A service whose only part is its relay (and an RPC that writes like a repository does)."""

    name = SERVICE
    outbox = OutboxRelay(collections=("things",))

    @rpc
    def ping(self) -> str:
        return "pong"


@pytest.fixture
def db() -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI)
    name = f"{PREFIX}{SERVICE}"
    client.drop_database(name)
    yield client[name]
    client.drop_database(name)


@pytest.fixture
def received() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """A private queue bound to the service's event exchange; returns a drain of its messages."""
    exchange = Exchange(f"{SERVICE}.events", type="topic", durable=True)
    queue = Queue(f"outbox-relay-test-{uuid.uuid4().hex[:8]}", exchange, routing_key="#", auto_delete=False)
    connection = Connection(AMQP_URI)
    bound = queue(connection.default_channel)
    bound.declare()
    seen: list[dict[str, Any]] = []

    def drain() -> list[dict[str, Any]]:
        while (message := bound.get(no_ack=True)) is not None:
            seen.append(message.decode())
        return seen

    yield drain
    bound.delete()
    connection.release()


def write_with_event(db: Database[Any], doc_id: str, marked: bool = True) -> dict[str, Any]:
    """What a repository does: the event inside the record, then (unless a crash) its marker."""
    stored = outbox.entry(HouseholdRegistered(household_id=doc_id, area="/DZ/16/1601", members=2))
    db.things.insert_one({"_id": doc_id, outbox.OUTBOX_FIELD: [stored]})
    if marked:
        outbox.mark(db, "things", [doc_id])
    return stored


def test_an_event_in_an_outbox_is_published_once_and_pulled_out(
    db: Database[Any], received: Callable[[], list[dict[str, Any]]], start_service: Any
) -> None:
    start_service(RelayingService)
    stored = write_with_event(db, "t1")
    messages = eventually(received)
    assert [m["event_id"] for m in messages] == [stored["event_id"]]
    assert parse_event(messages[0], HouseholdRegistered).data.household_id == "t1"
    assert eventually(lambda: db.things.find_one({"_id": "t1", outbox.OUTBOX_FIELD: []}))
    time.sleep(1.5)  # three more relay passes: nothing is published again
    assert len(received()) == 1
    assert db[outbox.PENDING_COLLECTION].count_documents({}) == 0


def test_an_event_whose_marker_a_crash_lost_is_published_by_the_sweep_at_start(
    db: Database[Any], received: Callable[[], list[dict[str, Any]]], start_service: Any
) -> None:
    lost = write_with_event(db, "t2", marked=False)  # the crash came between the two writes
    db.things.insert_one({"_id": "t3", outbox.OUTBOX_FIELD: []})
    start_service(RelayingService)
    messages = eventually(received)
    assert [m["event_id"] for m in messages] == [lost["event_id"]]
    time.sleep(1.5)
    assert len(received()) == 1


def test_a_pass_that_fails_leaves_the_event_for_the_next_one(
    db: Database[Any], received: Callable[[], list[dict[str, Any]]], start_service: Any
) -> None:
    """The broker refuses a publish: the event stays in its record and goes out on a later pass."""
    container: ServiceContainer = start_service(RelayingService)
    relay = next(d for d in container.dependencies if isinstance(d, OutboxRelay))
    publish, failures = relay.publish, list[str]()

    def flaky(event_type: str, entry: dict[str, Any]) -> None:
        if not failures:
            failures.append(event_type)
            raise ConnectionError("broker away")
        publish(event_type, entry)

    relay.publish = flaky  # type: ignore[method-assign]
    stored = write_with_event(db, "t4")
    messages = eventually(received)
    assert failures == ["household_registered"]
    assert [m["event_id"] for m in messages] == [stored["event_id"]]
