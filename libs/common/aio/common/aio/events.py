"""Publish events from asyncio code, on nameko's event exchanges, with confirms."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustConnection

from common.contracts.events import EventEnvelope
from common.protocol import CONTENT_TYPE, event_exchange


class AsyncEventPublisher:
    """Publishes ``EventEnvelope``s as ``<source>.events`` / ``<event_type>``."""

    def __init__(self, amqp_uri: str, source: str) -> None:
        self.amqp_uri = amqp_uri
        self.source = source
        self._connection: AbstractRobustConnection | None = None
        self._exchange: AbstractExchange | None = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self.amqp_uri)
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await channel.declare_exchange(
            event_exchange(self.source), aio_pika.ExchangeType.TOPIC, durable=True
        )

    @property
    def connected(self) -> bool:
        """True while the connection to the broker is up (false during a reconnection)."""
        connection = self._connection
        return connection is not None and not connection.is_closed and connection.connected.is_set()

    def on_reconnect(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` each time the robust connection is back (channels restored)."""
        if self._connection is None:
            raise RuntimeError("the event publisher is not started")
        self._connection.reconnect_callbacks.add(lambda *_: callback())

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def publish(self, event_type: str, data: dict[str, Any], event_id: str | None = None) -> str:
        """Publish and wait for the broker's confirm; return the event id (``event_id``
        when given: a republished event keeps its id, the consumers' deduplication key)."""
        if self._exchange is None:
            raise RuntimeError("the event publisher is not started")
        envelope = EventEnvelope.new(event_type, data)
        if event_id is not None:
            envelope = envelope.model_copy(update={"event_id": event_id})
        message = aio_pika.Message(
            json.dumps(envelope.model_dump(mode="json")).encode(),
            content_type=CONTENT_TYPE,
            content_encoding="utf-8",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=envelope.event_id,
        )
        await self._exchange.publish(message, routing_key=event_type)
        return envelope.event_id
