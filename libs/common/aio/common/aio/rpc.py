"""An asyncio-native nameko RPC client: one connection, one reply queue, many calls.

Each call publishes to ``nameko-rpc`` with a fresh correlation id and awaits a future
that the reply consumer resolves. Nothing blocks the event loop; a call to a service
that has no queue fails at once (the broker returns the unroutable message); a call
that gets no answer within its timeout raises :class:`ServiceUnavailable`, and its
request expires in the broker so a service coming back does not run stale work.

A broker outage is a :class:`ServiceUnavailable` too, never an aio-pika exception:
while the connection is down calls fail at once, the calls waiting for a reply fail
when it drops (their replies are lost with it), and the robust connection comes back
by itself.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)

from common import protocol
from common.context import CallerContext
from common.errors import ServiceUnavailable, UpstreamError, error_from_remote

log = logging.getLogger(__name__)

# What aio-pika raises when the broker or the connection to it is gone: the AMQP errors,
# ChannelInvalidStateError (a RuntimeError of its own) and socket errors.
BROKER_FAILURES: tuple[type[Exception], ...] = (
    aio_pika.exceptions.AMQPError,
    aio_pika.exceptions.ChannelInvalidStateError,
    ConnectionError,
)
BROKER_UNREACHABLE = "the message broker is unreachable"


class AsyncRpcClient:
    """Call nameko services from asyncio code. Start once, share everywhere."""

    def __init__(self, amqp_uri: str, timeout: float = 5.0, name: str = "gateway") -> None:
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self.name = name
        self._pending: dict[str, asyncio.Future[protocol.Reply]] = {}
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._reply_queue: AbstractQueue | None = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self.amqp_uri)
        self._connection.close_callbacks.add(self._on_connection_lost)
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        assert isinstance(channel, aio_pika.RobustChannel)
        self._channel = channel
        channel.return_callbacks.add(self._on_returned)
        self._exchange = await channel.declare_exchange(
            protocol.RPC_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(
            f"rpc.reply-{self.name}-{uuid.uuid4().hex}", exclusive=True, auto_delete=True
        )
        await queue.bind(self._exchange, routing_key=queue.name)
        await queue.consume(self._on_reply, no_ack=True)
        self._reply_queue = queue

    async def close(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ServiceUnavailable("the RPC client is closing"))
        self._pending.clear()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    @property
    def connected(self) -> bool:
        """True while the connection to the broker is up (false during a reconnection)."""
        connection = self._connection
        return connection is not None and not connection.is_closed and connection.connected.is_set()

    async def call(
        self,
        service: str,
        method: str,
        *args: Any,
        context: CallerContext | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call ``service.method(*args, **kwargs)`` and return its result.

        Raises the service's :class:`DomainError`, :class:`ServiceUnavailable` when it
        does not answer in time or does not exist, :class:`UpstreamError` on a reply
        that is not nameko's.
        """
        if self._exchange is None or self._reply_queue is None:
            raise ServiceUnavailable("the RPC client is not started")
        if not self.connected:
            raise ServiceUnavailable(BROKER_UNREACHABLE)
        timeout = self.timeout if timeout is None else timeout
        correlation_id = uuid.uuid4().hex
        data: dict[str, Any] = context.to_data() if context else {}
        data["call_id_stack"] = [f"{self.name}.{service}.{method}.{correlation_id}"]
        message = aio_pika.Message(
            protocol.encode_request(args, kwargs),
            content_type=protocol.CONTENT_TYPE,
            content_encoding="utf-8",
            correlation_id=correlation_id,
            reply_to=self._reply_queue.name,
            headers=protocol.context_headers(data),
            expiration=timeout,
        )
        future: asyncio.Future[protocol.Reply] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            async with asyncio.timeout(timeout):  # a publish may wait on a reconnecting channel
                await self._exchange.publish(message, routing_key=f"{service}.{method}", mandatory=True)
                reply = await future
        except aio_pika.exceptions.DeliveryError:
            raise ServiceUnavailable(f"no service {service!r} is listening", {"service": service}) from None
        except TimeoutError:
            raise ServiceUnavailable(f"{service} did not answer within {timeout:g}s", {"service": service}) from None
        except BROKER_FAILURES as exc:
            log.warning("RPC publish failed", extra={"service": service, "error": type(exc).__name__})
            raise ServiceUnavailable(BROKER_UNREACHABLE) from None
        finally:
            self._pending.pop(correlation_id, None)
        if reply.error is not None:
            raise error_from_remote(reply.error)
        return reply.result

    def _on_connection_lost(self, connection: Any, exc: BaseException | None = None) -> None:
        """Fail every call waiting for a reply: the replies went with the connection."""
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ServiceUnavailable(BROKER_UNREACHABLE))

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is None or future.done():
            return  # a reply after its caller gave up
        try:
            future.set_result(protocol.decode_reply(message.body))
        except ValueError:
            future.set_exception(UpstreamError("malformed RPC reply"))

    def _on_returned(self, channel: Any, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            service = (message.routing_key or "").split(".")[0]
            future.set_exception(ServiceUnavailable(f"no service {service!r} is listening", {"service": service}))
