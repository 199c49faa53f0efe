"""The broker topology file matches the code: every event handler has its queue."""

import inspect
import json
import re
from pathlib import Path

from nameko.events import EventHandler

from common import topology
from common.contracts.events import SUBSCRIPTIONS
from common.nameko_ext.dead_letter import DeadLetteringEventHandler
from common.nameko_ext.discovery import service_class
from common.protocol import event_queue, rpc_queue

DEFINITIONS = Path(__file__).parents[3] / "deploy" / "rabbitmq" / "definitions.json"


def test_definitions_file_is_generated_from_code() -> None:
    assert json.loads(DEFINITIONS.read_text()) == topology.definitions(), "run `make topology`"


def test_every_event_handler_is_a_declared_subscription() -> None:
    declared = {event_queue(*s) for s in SUBSCRIPTIONS}
    found = set()
    for name in topology.SERVICES:
        cls = service_class(name)
        for method_name, method in inspect.getmembers(cls, inspect.isfunction):
            for ext in getattr(method, "nameko_entrypoints", ()):
                if not isinstance(ext, EventHandler):
                    continue
                assert isinstance(ext, DeadLetteringEventHandler), f"{name}.{method_name} must dead-letter"
                found.add(event_queue(ext.source_service, ext.event_type, name, method_name))
    assert found == declared


def _dead_lettered(queue: str) -> bool:
    (policy,) = topology.definitions()["policies"]
    assert policy["apply-to"] == "queues"
    assert policy["definition"]["dead-letter-exchange"] == topology.DEAD_LETTER_EXCHANGE
    return re.search(policy["pattern"], queue) is not None


def test_event_queues_are_dead_lettered() -> None:
    assert all(_dead_lettered(event_queue(*s)) for s in SUBSCRIPTIONS)


def test_rpc_queues_are_not_dead_lettered() -> None:
    """An expired RPC request was given up by its caller and carries personal data: drop it."""
    for name in topology.SERVICES:
        assert not _dead_lettered(rpc_queue(name)), rpc_queue(name)
    assert not _dead_lettered("rpc.reply-gateway-0123")


def test_the_policy_keeps_its_name_so_an_import_replaces_the_old_one() -> None:
    (policy,) = topology.definitions()["policies"]
    assert policy["name"] == "dead-letter-service-queues"
