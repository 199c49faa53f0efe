"""Pages of a long read streamed from one service to another through a private queue.

A batch job (an eligibility run over a wilaya) needs every record of an area from the
service that owns them. Asking page by page means one query and one round trip per page.
Streamed instead, the owner walks one database cursor and publishes
each page to a queue the reader declared for this read only:

- the reader declares an exclusive, server-named queue, asks the owner (by RPC) to
  stream into it, then takes the pages with :func:`receive_pages`;
- the owner sends them with :class:`PageSender` from a background thread: pages, then
  an end mark, or an error in place of the end;
- if the reader goes away, its queue goes with it: the owner's next page is returned
  unroutable (mandatory publishing, confirmed), and the owner stops reading.

There is no flow control: pages wait in the reader's queue if it is slower than the
owner (an eligibility run computes far faster than a database reads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.messaging import Consumer, Producer
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import serialize
from nameko.extensions import DependencyProvider

from common.errors import ServiceUnavailable, error_from_remote

PAGE, END, ERROR = "page", "end", "error"


class ReaderGone(RuntimeError):
    """The reader's queue no longer exists: stop reading for it."""


class PageSender:
    """Publish pages to a reader's queue over a connection of its own, opened at once (closed on exit)."""

    def __init__(self, amqp_uri: str, queue: str) -> None:
        self.queue = queue
        self.returned = False
        self.connection = Connection(amqp_uri, transport_options={"confirm_publish": True})
        default = Exchange("")  # routes by queue name
        self.producer = Producer(self.connection.channel(), exchange=default, routing_key=queue, on_return=self._gone)

    def __enter__(self) -> PageSender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.connection.release()

    def _gone(self, *_: Any) -> None:
        self.returned = True

    def _send(self, kind: str, body: Any) -> None:
        self.producer.publish({"kind": kind, "body": body}, serializer="json", mandatory=True)
        if self.returned:
            raise ReaderGone(self.queue)

    def page(self, body: Any) -> None:
        self._send(PAGE, body)

    def end(self) -> None:
        self._send(END, None)

    def error(self, exc: BaseException) -> None:
        """Tell the reader the read failed, serialised as nameko does an RPC's error."""
        self._send(ERROR, serialize(exc))

    def send_all(self, pages: Iterable[Any]) -> None:
        """Every page, then the end mark; if reading a page fails, the error in place of the end (and raised)."""
        try:
            for page in pages:
                self.page(page)
        except ReaderGone:
            raise
        except Exception as exc:
            self.error(exc)
            raise
        self.end()


def receive_pages(amqp_uri: str, start: Callable[[str], None], timeout: float) -> Iterator[Any]:
    """Declare a private queue, call ``start(queue name)``, then yield each page until the end mark.

    An error from the sender is raised as the domain error it was; no message within
    ``timeout`` seconds raises :class:`ServiceUnavailable`. Leaving the loop early drops
    the queue, which stops the sender.
    """
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        name = channel.queue_declare(queue="", exclusive=True, auto_delete=True).queue
        queue = Queue(name, no_declare=True)  # the broker named it: declaring it again by name is refused
        received: list[dict[str, Any]] = []
        with Consumer(channel, queues=[queue], callbacks=[lambda body, message: _keep(received, body, message)]):
            start(name)
            while True:
                while not received:
                    try:
                        connection.drain_events(timeout=timeout)
                    except TimeoutError:
                        raise ServiceUnavailable(f"no page came within {timeout:.0f} s") from None
                message = received.pop(0)
                if message["kind"] == END:
                    return
                if message["kind"] == ERROR:
                    raise error_from_remote(message["body"])
                yield message["body"]


def _keep(received: list[dict[str, Any]], body: dict[str, Any], message: Any) -> None:
    received.append(body)
    message.ack()


OpenSender = Callable[[str], PageSender]


class PageSenders(DependencyProvider):
    """Inject ``open(queue)``: a :class:`PageSender` to a reader's queue on this service's broker."""

    def get_dependency(self, worker_ctx: Any) -> OpenSender:
        uri = self.container.config[AMQP_URI_CONFIG_KEY]
        return lambda queue: PageSender(uri, queue)
