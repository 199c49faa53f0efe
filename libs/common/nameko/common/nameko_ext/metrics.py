"""RED metrics per entrypoint (rate, errors, duration) with prometheus-client."""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Histogram

from common.errors import DomainError

CALLS = Counter(
    "solidarity_entrypoint_calls_total",
    "Calls handled by a service entrypoint.",
    ["service", "entrypoint"],
)
ERRORS = Counter(
    "solidarity_entrypoint_errors_total",
    "Entrypoint calls that ended in an error, by error code ('unexpected' for bugs).",
    ["service", "entrypoint", "code"],
)
DURATION = Histogram(
    "solidarity_entrypoint_duration_seconds",
    "Time spent in a service entrypoint.",
    ["service", "entrypoint"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

# The ops endpoints themselves are scraped every few seconds: keep them out of RED.
UNMEASURED = frozenset({"livez", "readyz", "metrics"})


class EntrypointMetrics(DependencyProvider):
    """Records every worker of the container; it injects nothing useful."""

    def __init__(self) -> None:
        self._started: WeakKeyDictionary[Any, float] = WeakKeyDictionary()

    def worker_setup(self, worker_ctx: Any) -> None:
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint.method_name
        if started is None or entrypoint in UNMEASURED:
            return
        service = worker_ctx.service_name
        CALLS.labels(service, entrypoint).inc()
        DURATION.labels(service, entrypoint).observe(time.perf_counter() - started)
        if exc_info is not None:
            exc = exc_info[1]
            code = exc.code if isinstance(exc, DomainError) else "unexpected"
            ERRORS.labels(service, entrypoint, code).inc()

    def get_dependency(self, worker_ctx: Any) -> None:
        return None
