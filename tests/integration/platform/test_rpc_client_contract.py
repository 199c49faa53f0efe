"""The gateway's asyncio RPC client against real nameko services on the real broker."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest

from common.aio.rpc import AsyncRpcClient
from common.context import CallerContext
from common.errors import Forbidden, ServiceUnavailable, UpstreamError, ValidationFailed
from scripts.generate import load
from tests.integration.platform.conftest import AMQP_URI

SERVICES = load().names  # services/*/service.toml
CALLER = CallerContext(user_id="contract", roles=("social-worker",), area="/DZ/16/1601", correlation_id="ct-1")


@pytest.fixture
async def client() -> AsyncIterator[AsyncRpcClient]:
    rpc = AsyncRpcClient(AMQP_URI, timeout=5)
    await rpc.start()
    yield rpc
    await rpc.close()


async def test_every_service_answers(client: AsyncRpcClient) -> None:
    for service in SERVICES:
        assert await client.call(service, "ping") == {"service": service}


async def test_many_concurrent_calls_get_their_own_replies(client: AsyncRpcClient) -> None:
    wanted = [SERVICES[i % len(SERVICES)] for i in range(200)]
    replies = await asyncio.gather(*[client.call(service, "ping") for service in wanted])
    assert [r["service"] for r in replies] == wanted


async def test_caller_context_reaches_the_service(client: AsyncRpcClient) -> None:
    with pytest.raises(Forbidden):
        await client.call("assistance", "create_programme", {"code": "x"}, context=CALLER)
    with pytest.raises(ValidationFailed) as err:
        await client.call("registry", "register_household", {"area": "/DZ/16/1601"}, "contract-key-1", context=CALLER)
    assert {"address", "members"} <= {e["field"] for e in err.value.details["errors"]}


async def test_missing_service_fails_fast(client: AsyncRpcClient) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        await client.call("no_such_service", "ping")
    assert time.monotonic() - started < 1


async def test_missing_method_and_bad_signature_fail_fast(client: AsyncRpcClient) -> None:
    with pytest.raises(UpstreamError, match="MethodNotFound"):
        await client.call("registry", "no_such_method")
    with pytest.raises(UpstreamError, match="IncorrectSignature"):
        await client.call("registry", "ping", "unexpected-argument")


async def test_service_that_never_answers_times_out_and_its_request_expires(client: AsyncRpcClient) -> None:
    connection = await aio_pika.connect(AMQP_URI)
    channel = await connection.channel()
    exchange = await channel.declare_exchange("nameko-rpc", aio_pika.ExchangeType.TOPIC, durable=True)
    name = f"ghost{uuid.uuid4().hex[:8]}"
    queue = await channel.declare_queue(f"rpc-{name}", exclusive=True)
    await queue.bind(exchange, f"{name}.*")
    try:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable):
            await client.call(name, "ping", timeout=0.5)
        assert 0.5 <= time.monotonic() - started < 2
        await asyncio.sleep(0.3)
        assert await queue.get(fail=False) is None  # expired: a returning service would not run it
    finally:
        await connection.close()
