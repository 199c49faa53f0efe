"""Classes of a choropleth: which colour each area takes, with a class of its own for "no data".

Quantile breaks (each class holds about as many areas) suit skewed figures such as counts of
households; fixed breaks suit rates read against a norm (coverage from 0 to 100 %). An area
whose figure is unknown (no source, suppressed) falls in the "no data" class, never in the
lowest one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NO_DATA = -1


@dataclass(frozen=True)
class Classification:
    """``breaks`` are the upper bounds of the classes (the last is the maximum); ``of`` maps an area to its class."""

    breaks: tuple[float, ...]
    of: dict[str, int]

    @property
    def count(self) -> int:
        return len(self.breaks)

    def bounds(self, index: int) -> tuple[float, float]:
        """The lower and upper bounds of class ``index``."""
        low = self.breaks[index - 1] if index > 0 else min(self.lowest, self.breaks[0])
        return low, self.breaks[index]

    lowest: float = 0.0


def quantile_breaks(values: Sequence[float], k: int) -> tuple[float, ...]:
    """Up to ``k`` increasing upper bounds splitting ``values`` into classes of about equal size."""
    ordered = sorted(values)
    if not ordered:
        return ()
    breaks: list[float] = []
    for i in range(1, k + 1):
        bound = ordered[max(0, -(-i * len(ordered) // k) - 1)]
        if not breaks or bound > breaks[-1]:
            breaks.append(bound)
    return tuple(breaks)


def classify(values: Mapping[str, float | None], breaks: Sequence[float]) -> Classification:
    """Each area's class: the first break its value does not exceed; ``NO_DATA`` for ``None``."""
    known = [v for v in values.values() if v is not None]
    if breaks and known and max(known) > breaks[-1]:  # the top class reaches the highest value (coverage > 100 %)
        breaks = (*breaks[:-1], max(known))
    of: dict[str, int] = {}
    for area, value in values.items():
        if value is None or not breaks:
            of[area] = NO_DATA
        else:
            of[area] = next((i for i, bound in enumerate(breaks) if value <= bound), len(breaks) - 1)
    return Classification(tuple(breaks), of, lowest=min(known) if known else 0.0)


def by_quantiles(values: Mapping[str, float | None], k: int = 5) -> Classification:
    """Quantile classes over the known values."""
    return classify(values, quantile_breaks([v for v in values.values() if v is not None], k))
