"""The asyncio RPC client turns every broker failure into ``ServiceUnavailable``."""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika
import pytest

from common.aio.rpc import AsyncRpcClient
from common.errors import ServiceUnavailable


class FakeConnection:
    """The part of aio-pika's robust connection the client reads."""

    def __init__(self) -> None:
        self.is_closed = False
        self.connected = asyncio.Event()
        self.connected.set()


class FakeExchange:
    def __init__(self, failure: Exception | None = None) -> None:
        self.failure = failure
        self.published: list[str] = []

    async def publish(self, message: aio_pika.Message, routing_key: str, mandatory: bool) -> None:
        self.published.append(routing_key)
        if self.failure is not None:
            raise self.failure


class FakeQueue:
    name = "rpc.reply-test"


def client(exchange: FakeExchange) -> tuple[AsyncRpcClient, FakeConnection]:
    rpc = AsyncRpcClient("amqp://unused", timeout=1.0, name="test")
    connection = FakeConnection()
    rpc._connection = connection
    rpc._exchange = exchange
    rpc._reply_queue = FakeQueue()
    return rpc, connection


@pytest.mark.parametrize(
    "failure",
    [
        aio_pika.exceptions.ChannelInvalidStateError("No active transport in channel"),
        aio_pika.exceptions.ConnectionClosed(320, "CONNECTION_FORCED - broker forced connection closure"),
        aio_pika.exceptions.ChannelClosed(504, "CHANNEL_ERROR"),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_a_broker_failure_while_publishing_is_service_unavailable(failure: Exception) -> None:
    rpc, _ = client(FakeExchange(failure))
    with pytest.raises(ServiceUnavailable) as raised:
        await rpc.call("registry", "get_household", "h1")
    assert type(failure).__name__ not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


async def test_no_publish_while_the_connection_is_down() -> None:
    exchange = FakeExchange()
    rpc, connection = client(exchange)
    connection.connected.clear()  # aio-pika is reconnecting
    assert not rpc.connected
    with pytest.raises(ServiceUnavailable):
        await rpc.call("registry", "get_household", "h1")
    assert exchange.published == []
    connection.connected.set()
    assert rpc.connected


async def test_calls_waiting_for_a_reply_fail_when_the_connection_drops() -> None:
    rpc, _ = client(FakeExchange())
    call = asyncio.create_task(rpc.call("registry", "get_household", "h1", timeout=30.0))
    while not rpc._pending:
        await asyncio.sleep(0)
    rpc._on_connection_lost(None, ConnectionResetError())
    with pytest.raises(ServiceUnavailable):
        await asyncio.wait_for(call, 5)


async def test_a_publish_stuck_on_a_reconnecting_channel_times_out() -> None:
    class StuckExchange(FakeExchange):
        async def publish(self, *args: Any, **kwargs: Any) -> None:
            await asyncio.Event().wait()

    rpc, _ = client(StuckExchange())
    with pytest.raises(ServiceUnavailable):
        await rpc.call("registry", "get_household", "h1", timeout=0.2)
