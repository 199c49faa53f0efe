"""Group commit: the entries that arrive together are appended to the chain together.

Each delivery waits until its entry is stored, so a message is still acknowledged only
once its record exists; but one writer appends everything waiting at that moment (up to
the service's concurrent deliveries) with one read of the head and one insert command,
instead of a round of lookups per entry.
"""

from __future__ import annotations

import queue
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Protocol

from common.contracts.audit import AuditEntry

MAX_BATCH = 200

Pending = tuple[AuditEntry, str, "Future[int]"]


class BatchAppender(Protocol):
    """What the writer needs of the trail's storage."""

    def append_many(self, items: Sequence[tuple[AuditEntry, str]]) -> list[int]:
        """Append each ``(entry, event id)`` once, in order; return their seqs."""


class ChainWriter:
    """Queue of entries to append, drained by one writer loop."""

    def __init__(self, repository: BatchAppender) -> None:
        self.repository = repository
        self.pending: queue.SimpleQueue[Pending] = queue.SimpleQueue()

    def append(self, entry: AuditEntry, event_id: str) -> int:
        """Append ``entry`` (once per ``event_id``) and return its seq, when it is stored."""
        done: Future[int] = Future()
        self.pending.put((entry, event_id, done))
        return done.result()

    def run(self) -> None:
        """The writer loop: take what is waiting, append it as one batch, answer each."""
        while True:
            batch = [self.pending.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self.pending.get_nowait())
                except queue.Empty:
                    break
            try:
                seqs = self.repository.append_many([(entry, event_id) for entry, event_id, _ in batch])
            except Exception as exc:  # noqa: BLE001 - every waiting delivery fails with it (and is redelivered)
                for *_, done in batch:
                    done.set_exception(exc)
            else:
                for (*_, done), seq in zip(batch, seqs, strict=True):
                    done.set_result(seq)
