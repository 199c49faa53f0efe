"""OutboxRelay's passes and loops, without a broker (the real one: tests/integration/services/test_outbox_relay.py)."""

from __future__ import annotations

from typing import Any

import eventlet
import mongomock
import pytest
from eventlet.event import Event as GreenEvent
from prometheus_client import REGISTRY

from common.contracts.events import HouseholdUpdated
from common.nameko_ext import outbox
from common.nameko_ext.outbox_relay import OutboxRelay


@pytest.fixture
def relay() -> OutboxRelay:
    provider = OutboxRelay(collections=("things",), interval=0.01)
    provider.database = mongomock.MongoClient()["svc"]
    return provider


def published_by(relay: OutboxRelay) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    relay.publish = lambda event_type, entry: seen.append((event_type, entry["event_id"]))  # type: ignore[method-assign]
    relay.relay()
    return seen


def test_a_pass_publishes_the_marked_records_events_by_type(relay: OutboxRelay) -> None:
    stored = outbox.entry(HouseholdUpdated(household_id="t1", fields=["address"]))
    assert relay.database is not None
    relay.database.things.insert_one({"_id": "t1", outbox.OUTBOX_FIELD: [stored]})
    outbox.mark(relay.database, "things", ["t1"])
    before = REGISTRY.get_sample_value("solidarity_outbox_events_published_total") or 0
    assert published_by(relay) == [("household_updated", stored["event_id"])]
    assert published_by(relay) == []
    assert REGISTRY.get_sample_value("solidarity_outbox_events_published_total") == before + 1


def test_the_sweep_looks_only_at_the_declared_collections(relay: OutboxRelay) -> None:
    assert relay.database is not None
    relay.database.things.insert_one(
        {"_id": "t1", outbox.OUTBOX_FIELD: [outbox.entry(HouseholdUpdated(household_id="t1", fields=[]))]}
    )
    relay.database.others.insert_one(
        {"_id": "o1", outbox.OUTBOX_FIELD: [outbox.entry(HouseholdUpdated(household_id="o1", fields=[]))]}
    )
    assert relay.sweep() == 1
    assert [event_type for event_type, _ in published_by(relay)] == ["household_updated"]


def test_a_loop_goes_on_after_a_failed_pass_and_ends_when_stopped(relay: OutboxRelay) -> None:
    calls: list[str] = []
    second = GreenEvent()

    def work() -> int:
        calls.append("pass")
        if len(calls) == 1:
            raise ConnectionError("broker away")
        if not second.ready():
            second.send()
        return 0

    work.__name__ = "relay"
    failed_before = REGISTRY.get_sample_value("solidarity_outbox_failed_passes_total", {"pass": "relay"}) or 0
    loop = eventlet.spawn(relay._every, 0.01, work)
    second.wait()  # the failure did not end the loop
    relay.kill()
    loop.wait()  # and setting the stop ends it
    assert len(calls) >= 2
    failed = REGISTRY.get_sample_value("solidarity_outbox_failed_passes_total", {"pass": "relay"})
    assert failed == failed_before + 1


def test_a_relay_without_its_database_says_so() -> None:
    with pytest.raises(RuntimeError, match="not set up"):
        OutboxRelay(collections=("things",)).relay()


def test_publishing_goes_to_the_services_exchange_by_event_type(relay: OutboxRelay) -> None:
    sent: list[dict[str, Any]] = []

    class FakePublisher:
        def publish(self, payload: dict[str, Any], **options: Any) -> None:
            sent.append({"payload": payload, **options})

    relay.publisher = FakePublisher()
    relay.exchange = "svc.events"
    relay.publish("household_updated", {"event_id": "e1"})
    assert sent == [{"payload": {"event_id": "e1"}, "exchange": "svc.events", "routing_key": "household_updated"}]


def test_entrypoints_get_no_way_around_the_outbox(relay: OutboxRelay) -> None:
    """nameko's EventDispatcher would inject a publish function; the relay injects nothing."""
    assert relay.get_dependency(object()) is None
