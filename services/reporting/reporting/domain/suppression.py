"""Small-cell suppression: what may be published outside the directorate.

A count of fewer than ``threshold`` households (5 by default) could identify them, so a
published table hides it (primary suppression). When a table also shows its total, one
hidden cell could be recovered as ``total - the visible cells``: a second cell, the
smallest visible non-zero one, is hidden with it (complementary suppression). A zero is
no small cell (it identifies nobody) and stays visible. Staff and auditors read the raw
figures; donors and the public read only suppressed ones (:func:`needs_suppression`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from common import policy

K = TypeVar("K")

MIN_CELL = 5


def needs_suppression(roles: Iterable[str]) -> bool:
    """True for a caller outside the directorate's staff and auditors (a donor, the public)."""
    return not set(roles) & policy.READERS


def is_small(count: int, threshold: int = MIN_CELL) -> bool:
    """A non-zero count below the threshold."""
    return 0 < count < threshold


@dataclass(frozen=True)
class Published(Generic[K]):
    """A table as published: ``None`` is a hidden cell; ``total`` is hidden when it is small itself."""

    cells: dict[K, int | None]
    total: int | None

    @property
    def hidden(self) -> frozenset[K]:
        return frozenset(key for key, value in self.cells.items() if value is None)


def suppress(cells: Mapping[K, int], threshold: int = MIN_CELL) -> Published[K]:
    """The table with its small cells hidden and, if only one was, a complementary cell hidden too.

    If no visible non-zero cell is left to hide with a lone small cell, the total is hidden.
    """
    total = sum(cells.values())
    hidden = {key for key, value in cells.items() if is_small(value, threshold)}
    total_shown: int | None = None if is_small(total, threshold) else total
    if len(hidden) == 1 and total_shown is not None:
        candidates = sorted((value, str(key), key) for key, value in cells.items() if key not in hidden and value > 0)
        if candidates:
            hidden.add(candidates[0][2])
        else:
            total_shown = None
    return Published({key: None if key in hidden else value for key, value in cells.items()}, total_shown)


def suppress_count(count: int | None, threshold: int = MIN_CELL) -> int | None:
    """One published count on its own: hidden when small (``None`` stays unknown)."""
    if count is None or is_small(count, threshold):
        return None
    return count
