"""Consumer lag of the read models, for Prometheus: how far behind the producers reporting is.

``solidarity_reporting_lag_seconds{producer}`` is, when an event is applied, the time
since it occurred (now - ``occurred_at`` of the last applied event of that producer);
``solidarity_reporting_last_applied_timestamp_seconds{producer}`` is when that event
occurred (an alert compares it with ``time()`` when nothing arrives); and
``solidarity_reporting_pending_events`` counts events received but not applied yet.
"""

from __future__ import annotations

from prometheus_client import Gauge

from common import clock
from reporting.domain.events import LoggedEvent

LAG = Gauge(
    "solidarity_reporting_lag_seconds",
    "Seconds from an event's occurrence to its application to the read models (last applied event).",
    ["producer"],
)
LAST_APPLIED = Gauge(
    "solidarity_reporting_last_applied_timestamp_seconds",
    "When the last event applied to the read models occurred (Unix time).",
    ["producer"],
)
PENDING = Gauge("solidarity_reporting_pending_events", "Events received by reporting but not applied yet.")


def observe(entry: LoggedEvent) -> None:
    """Record one applied event."""
    LAG.labels(entry.producer).set(max(0.0, (clock.now() - entry.occurred_at).total_seconds()))
    LAST_APPLIED.labels(entry.producer).set(entry.occurred_at.timestamp())
