"""Latency summaries shared by the benchmarks."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Summary:
    label: str
    calls: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


def summarize(label: str, latencies: list[float], seconds: float) -> Summary:
    """``latencies`` in seconds; ``seconds`` is the wall time of the whole run."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Summary(label, len(ordered), seconds, statistics.median(ordered) * 1000, p99 * 1000)
