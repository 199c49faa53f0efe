"""Failed events go to the dead-letter exchange, never silently away.

Event queues get ``dead-letter-exchange`` from a broker policy (deploy/rabbitmq), so an
event *rejected* without requeue lands in the ``dead-letters`` queue. RPC queues are
outside the policy: a rejected request (its caller has given up or it cannot be read)
is dropped, since it carries personal data and no value. nameko itself
never rejects: an undecodable body crashes its consumer (and the redelivered message
crashes it again), and an event handler that raises acks the event. This module makes
both reject instead.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.message import Message
from nameko.events import EventHandler
from nameko.messaging import QueueConsumer

log = logging.getLogger(__name__)


def reject(message: Message) -> None:
    """Reject without requeue (the broker dead-letters it) if the channel is alive."""
    if message.channel is not None and message.channel.connection:
        message.reject(requeue=False)  # type: ignore[no-untyped-call]


def _on_decode_error(message: Message, exc: Exception) -> None:
    log.error(
        "undecodable message dead-lettered",
        extra={"routing_key": message.delivery_info.get("routing_key"), "error": type(exc).__name__},
    )
    reject(message)


_original_get_consumers = QueueConsumer.get_consumers


def _get_consumers(self: QueueConsumer, consumer_cls: Any, channel: Any) -> Any:
    consumers = _original_get_consumers(self, consumer_cls, channel)
    for consumer in consumers:
        consumer.on_decode_error = _on_decode_error
    return consumers


def install() -> None:
    """Patch nameko's shared queue consumer (idempotent); called at service start."""
    QueueConsumer.get_consumers = _get_consumers


class DeadLetteringEventHandler(EventHandler):
    """A SERVICE_POOL, reliable event handler that dead-letters events it fails on."""

    def handle_message_processed(self, message: Message, result: Any = None, exc_info: Any = None) -> None:
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        log.error(
            "event handler failed; event dead-lettered",
            extra={"handler": self.method_name, "error": type(exc_info[1]).__name__},
        )
        reject(message)


event_handler = DeadLetteringEventHandler.decorator
