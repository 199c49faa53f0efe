"""Service integration tests: real nameko containers, real RabbitMQ and database.

They run in the broker's ``integration`` vhost (declared by ``scripts/platform.sh up``
with the same topology as production) so they never compete with the running
platform's services for messages, and in databases with a per-session prefix.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import eventlet
import pytest
from kombu import Connection
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy
from pymongo import MongoClient

from common.context import CallerContext
from common.contracts.events import SUBSCRIPTIONS
from common.nameko_ext import dead_letter, replies
from common.protocol import event_queue
from common.topology import DEAD_LETTER_QUEUE

AMQP_URI = os.environ.get("INTEGRATION_AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/integration")
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
PREFIX = f"it{uuid.uuid4().hex[:8]}_"

dead_letter.install()
replies.install()


@pytest.fixture(scope="session")
def config() -> Iterator[dict[str, Any]]:
    with Connection(AMQP_URI) as conn:
        for name in [DEAD_LETTER_QUEUE, *(event_queue(*s) for s in SUBSCRIPTIONS)]:
            conn.default_channel.queue_purge(name)
    yield {
        "AMQP_URI": AMQP_URI,
        "MONGO_URI": MONGO_URI,
        "MONGO_DB_PREFIX": PREFIX,
        "WEB_SERVER_ADDRESS": "127.0.0.1:0",
        "max_workers": 10,
        "serializer": "json",
    }
    client: MongoClient[Any] = MongoClient(MONGO_URI)
    for name in client.list_database_names():
        if name.startswith(PREFIX):
            client.drop_database(name)


@pytest.fixture
def start_service(config: dict[str, Any]) -> Iterator[Callable[[type[Any]], ServiceContainer]]:
    containers: list[ServiceContainer] = []

    def start(cls: type[Any]) -> ServiceContainer:
        container = ServiceContainer(cls, config)
        container.start()
        containers.append(container)
        return container

    yield start
    for container in containers:
        stopped = False
        with eventlet.Timeout(15, False):
            container.stop()
            stopped = True
        if not stopped:
            print(f"container {container.service_name} did not stop in 15s; killing it")
            container.kill()


@pytest.fixture
def rpc_as(config: dict[str, Any]) -> Iterator[Callable[[CallerContext], Any]]:
    proxies: list[ClusterRpcProxy] = []

    def make(caller: CallerContext) -> Any:
        proxy = ClusterRpcProxy(config, context_data=caller.to_data(), timeout=10)
        proxies.append(proxy)
        return proxy.start()

    yield make
    for proxy in proxies:
        proxy.stop()


def new_commune() -> str:
    """A commune of its own per test, so counts are exact whatever ran before."""
    return f"/DZ/{uuid.uuid4().int % 48 + 1:02d}/{uuid.uuid4().int % 9000 + 1000}"


def worker_in(area: str) -> CallerContext:
    return CallerContext(user_id="it-user", roles=("social-worker",), area=area, correlation_id=uuid.uuid4().hex)


def eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def queue_depth(name: str) -> int:
    with Connection(AMQP_URI) as conn:
        _, count, _ = conn.default_channel.queue_declare(name, passive=True)
        return int(count)


def dead_letters() -> list[bytes]:
    """Drain the dead-letter queue and return the bodies."""
    bodies = []
    with Connection(AMQP_URI) as conn:
        channel = conn.default_channel
        while (message := channel.basic_get(DEAD_LETTER_QUEUE, no_ack=True)) is not None:
            body = message.body  # py-amqp decodes bodies that declare a text encoding
            bodies.append(body if isinstance(body, bytes) else body.encode())
    return bodies
