"""The outbox relay of a service, declared once: ``outbox = OutboxRelay(collections=("households",))``.

It publishes the events that the service's writes stored in their records' outboxes
(:mod:`common.nameko_ext.outbox`) on the service's event exchange (``<service>.events``,
routing key = event type), with publisher confirms, as nameko's ``EventDispatcher`` does.
Two loops run while the container does:

* the relay, every ``interval`` seconds (0.5 s): publish the marked records' events,
  then pull them out of the records (:func:`outbox.relay`);
* the sweep, at start and every ``sweep_interval`` seconds (10 min): mark the records of
  ``collections`` that still hold events nobody marked, after a crash between a record's
  write and its marker (:func:`outbox.sweep`).

A failed pass (broker or database away) is logged, counted
(``solidarity_outbox_failed_passes_total``) and tried again on the next one; the events
stay in their records meanwhile. Stopping the container lets a running pass end.
Published events are counted in ``solidarity_outbox_events_published_total``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import eventlet
from nameko.events import EventDispatcher
from prometheus_client import Counter
from pymongo.database import Database

from common.nameko_ext import outbox
from common.nameko_ext.mongo import service_database

log = logging.getLogger(__name__)

RELAY_INTERVAL_SECONDS = 0.5
SWEEP_INTERVAL_SECONDS = 600.0
STOP_WAIT_SECONDS = 10.0

PUBLISHED = Counter("solidarity_outbox_events_published_total", "Events the outbox relay published (confirmed).")
FAILED_PASSES = Counter(
    "solidarity_outbox_failed_passes_total", "Outbox relay or sweep passes that failed (tried again).", ["pass"]
)


class OutboxRelay(EventDispatcher):
    """Relay the outbox events of ``collections`` (in the service's own database)."""

    def __init__(
        self,
        collections: Sequence[str],
        interval: float = RELAY_INTERVAL_SECONDS,
        sweep_interval: float = SWEEP_INTERVAL_SECONDS,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.collections = tuple(collections)
        self.interval = interval
        self.sweep_interval = sweep_interval
        self.database: Database[Any] | None = None
        self._stopping = threading.Event()
        self._loops: list[Any] = []

    def setup(self) -> None:
        super().setup()
        self.database = service_database(self.container.config, self.container.service_name)

    def start(self) -> None:
        self._stopping.clear()
        self._loops = [
            self.container.spawn_managed_thread(lambda: self._every(self.sweep_interval, self.sweep), "outbox-sweep"),
            self.container.spawn_managed_thread(lambda: self._every(self.interval, self.relay), "outbox-relay"),
        ]

    def stop(self) -> None:
        self._stopping.set()
        with eventlet.Timeout(STOP_WAIT_SECONDS, False):
            for loop in self._loops:
                loop.wait()
        self._loops = []

    def kill(self) -> None:
        self._stopping.set()

    def get_dependency(self, worker_ctx: Any) -> None:
        """Nothing for the entrypoints: an event leaves only through a record's outbox, never directly."""
        return None

    def publish(self, event_type: str, entry: dict[str, Any]) -> None:
        """Publish one stored entry (an event envelope) and wait for the broker's confirm."""
        self.publisher.publish(entry, exchange=self.exchange, routing_key=event_type)

    def relay(self) -> int:
        """One relay pass; return how many events were published."""
        published = outbox.relay(self._database(), self.publish)
        PUBLISHED.inc(published)
        return published

    def sweep(self) -> int:
        """One sweep; return how many records held events nobody had marked."""
        return outbox.sweep(self._database(), self.collections)

    def _database(self) -> Database[Any]:
        if self.database is None:
            raise RuntimeError("the outbox relay is not set up")
        return self.database

    def _every(self, seconds: float, work: Callable[[], int]) -> None:
        while not self._stopping.is_set():
            try:
                work()
            except Exception as exc:  # noqa: BLE001 - the events stay in their records; try again next pass
                FAILED_PASSES.labels(work.__name__).inc()
                log.warning(
                    "outbox pass failed; trying again",
                    extra={"pass": work.__name__, "error": type(exc).__name__},
                )
            self._stopping.wait(seconds)
