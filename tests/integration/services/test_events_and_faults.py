"""Events survive a consumer outage; bad messages are dead-lettered, not lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from kombu import Connection, Exchange, Producer
from nameko.exceptions import RemoteError
from pymongo import MongoClient

from common.context import CallerContext
from common.contracts.events import SUBSCRIPTIONS
from common.protocol import RPC_EXCHANGE, event_queue
from registry.service import RegistryService
from reporting.service import ReportingService
from tests.integration.services.conftest import (
    AMQP_URI,
    MONGO_URI,
    PREFIX,
    dead_letters,
    eventually,
    new_commune,
    queue_depth,
    worker_in,
)

HOUSEHOLD_EVENT_QUEUE = event_queue(*SUBSCRIPTIONS[0])


def household(area: str) -> dict[str, Any]:
    return {
        "area": area,
        "address": "Rue Larbi Ben M'hidi",
        "members": [
            {
                "given_name_lat": "Karim",
                "family_name_lat": "Ould Ahmed",
                "sex": "M",
                "birth_date": "1979-05-04",
                "relationship": "head",
            }
        ],
    }


def test_event_published_while_reporting_is_down_arrives_when_it_returns(
    start_service: Callable[[type[Any]], Any], rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    start_service(RegistryService)
    rpc = rpc_as(worker_in(area))
    rpc.registry.register_household(household(area), "it-key-outage-1")
    eventually(lambda: queue_depth(HOUSEHOLD_EVENT_QUEUE) >= 1)  # waiting in the broker, nobody consuming
    start_service(ReportingService)
    assert eventually(lambda: rpc.reporting.household_count()["households"] == 1)


def test_repeated_call_registers_once_and_counts_once(
    start_service: Callable[[type[Any]], Any], rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    start_service(RegistryService)
    start_service(ReportingService)
    rpc = rpc_as(worker_in(area))
    replies = [rpc.registry.register_household.call_async(household(area), "it-key-twice-1") for _ in range(5)]
    ids = {reply.result()["id"] for reply in replies}
    assert len(ids) == 1
    assert rpc.registry.count_households() == 1
    eventually(lambda: rpc.reporting.household_count()["households"] == 1)
    households = MongoClient(MONGO_URI)[f"{PREFIX}registry"]["households"]
    eventually(lambda: households.find_one({"area": area}, {"_outbox": 1}).get("_outbox") == [])


def test_out_of_area_read_is_not_found(
    start_service: Callable[[type[Any]], Any], rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    start_service(RegistryService)
    created = rpc_as(worker_in(area)).registry.register_household(household(area), "it-key-scope-1")
    other = rpc_as(worker_in(new_commune()))
    with pytest.raises(RemoteError) as err:
        other.registry.get_household(created["id"])
    assert err.value.exc_type == "NotFound"


def test_undecodable_rpc_message_is_dropped_and_service_survives(
    start_service: Callable[[type[Any]], Any], rpc_as: Callable[[CallerContext], Any]
) -> None:
    """Rejected, not dead-lettered: RPC queues are outside the dead-letter policy (common.topology)."""
    start_service(RegistryService)
    dead_letters()
    marker = b"\x00not json at all \xff-marker-rpc"
    with Connection(AMQP_URI) as conn:
        Producer(conn.default_channel).publish(
            marker,
            exchange=Exchange(RPC_EXCHANGE, type="topic", durable=True),
            routing_key="registry.ping",
            content_type="application/json",
            content_encoding="binary",
        )
    assert rpc_as(worker_in(new_commune())).registry.ping() == {"service": "registry"}  # after the marker
    assert marker not in dead_letters()


def test_event_the_handler_cannot_process_is_dead_lettered(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(ReportingService)
    dead_letters()
    bad_event = json.dumps({"event_id": "x", "marker": "bad-event-marker"}).encode()
    with Connection(AMQP_URI) as conn:
        Producer(conn.default_channel).publish(
            bad_event,
            exchange=Exchange("registry.events", type="topic", durable=True),
            routing_key="household_registered",
            content_type="application/json",
            content_encoding="utf-8",
        )
    assert eventually(lambda: bad_event in dead_letters())
