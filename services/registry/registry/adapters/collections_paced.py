"""Bulk reads decode millions of small documents: Python's collector is paced down meanwhile.

Each decoded document is a dozen new dicts and lists, so a stream of them triggers a
young-generation collection every 700 allocations (CPython's default), and the older
generations after them: measured on the eligibility bench (100k households), decoding
with the default pacing took twice as long as with :data:`BULK_THRESHOLDS`, and the
whole run 1.7-2x. The documents hold no reference cycles, so nothing waits longer to be freed;
cycles made elsewhere meanwhile are collected as soon as the last bulk read ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLDS = (100_000, 50, 100)
"""``gc.set_threshold`` while a bulk read runs: collections about 140 times rarer than the default."""

_lock = threading.Lock()
_readers = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def collections_paced() -> Iterator[None]:
    """Pace the collector down for a bulk read; the first reader in saves the thresholds, the last out restores them."""
    global _readers, _saved
    with _lock:
        if _readers == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*BULK_THRESHOLDS)
        _readers += 1
    try:
        yield
    finally:
        with _lock:
            _readers -= 1
            if _readers == 0:
                gc.set_threshold(*_saved)
