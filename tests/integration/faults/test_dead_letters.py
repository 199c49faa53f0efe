"""An expired RPC request is dropped, not dead-lettered; an expired event still is.

An RPC request carries personal data (national ids, phones) and has no value once its
caller gave up, so the dead-letter policy leaves RPC queues out. The broker here holds
the definitions of ``common.topology``, as every environment does.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel

from common.contracts.events import SUBSCRIPTIONS
from common.protocol import RPC_EXCHANGE, event_queue, rpc_queue
from common.topology import DEAD_LETTER_QUEUE
from tests.integration.faults.conftest import SERVICES, Stack

pytestmark = pytest.mark.timeout(600)

# A service the private stack does not run: nobody consumes its queue, so requests expire there.
IDLE_SERVICE = "veille"
EXPIRY_SECONDS = 0.2


@pytest.fixture
async def channel(stack: Stack) -> AsyncIterator[AbstractChannel]:
    connection = await aio_pika.connect(stack.broker.uri)
    async with connection:
        yield await connection.channel()


async def messages(channel: AbstractChannel, queue: str) -> int:
    declared = await channel.declare_queue(queue, passive=True)
    return declared.declaration_result.message_count or 0


async def dead_lettered(channel: AbstractChannel, marker: str) -> bool:
    """Whether a message carrying ``marker`` waits in the dead-letter queue (looked at, not taken)."""
    queue = await channel.declare_queue(DEAD_LETTER_QUEUE, passive=True)
    seen: list[aio_pika.abc.AbstractIncomingMessage] = []
    while (message := await queue.get(no_ack=False, fail=False)) is not None:
        seen.append(message)
    for message in seen:
        await message.nack(requeue=True)
    return any(marker.encode() in message.body for message in seen)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not await check():
        await asyncio.sleep(0.2)


async def test_an_expired_rpc_request_is_not_dead_lettered(channel: AbstractChannel) -> None:
    exchange = await channel.declare_exchange(RPC_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(rpc_queue(IDLE_SERVICE), durable=True)  # as nameko declares it
    await queue.bind(exchange, routing_key=f"{IDLE_SERVICE}.*")
    marker = f"national-id-{uuid.uuid4().hex}"
    request = aio_pika.Message(
        json.dumps({"args": [marker], "kwargs": {}}).encode(),
        content_type="application/json",
        correlation_id=uuid.uuid4().hex,
        reply_to="rpc.reply-gone",
        expiration=EXPIRY_SECONDS,
    )
    await exchange.publish(request, routing_key=f"{IDLE_SERVICE}.get_signal")

    async def expired() -> bool:
        return await messages(channel, queue.name) == 0

    await until(expired)
    assert await expired(), "the request did not expire"
    await asyncio.sleep(0.5)
    assert not await dead_lettered(channel, marker), "an expired RPC request reached the dead-letter queue"


async def test_an_expired_event_is_still_dead_lettered(channel: AbstractChannel) -> None:
    """The control: the policy is in force on the event queues of this very broker."""
    subscription = next(s for s in SUBSCRIPTIONS if s[2] not in SERVICES)  # its consumer is not running
    queue = await channel.declare_queue(event_queue(*subscription), passive=True)
    await queue.purge()  # a message expires only at the head of its queue: none waits before it
    marker = f"event-{uuid.uuid4().hex}"
    event = aio_pika.Message(json.dumps({"probe": marker}).encode(), expiration=EXPIRY_SECONDS)
    await channel.default_exchange.publish(event, routing_key=queue.name)

    async def arrived() -> bool:
        return await dead_lettered(channel, marker)

    await until(arrived)
    assert await arrived()
