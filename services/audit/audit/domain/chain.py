"""The hash chain (pure): each record's hash covers its content and the previous hash.

Changing, removing or reordering any stored record breaks every hash after it, which
:func:`verify` reports. The first record chains to ``GENESIS``. A record is the
entry's fields plus ``seq``, ``event_id``, ``prev_hash`` and ``hash``, as JSON values
(what is hashed is what is stored).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from common.contracts.audit import AuditEntry

Record = dict[str, Any]
GENESIS = "0" * 64
CHAINED_FIELDS = (
    "seq",
    "actor",
    "roles",
    "area",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "status",
    "at",
    "correlation_id",
    "event_id",
)
# Fields added later: covered when a record has them, so older records still verify.
OPTIONAL_CHAINED_FIELDS = ("username",)


def digest(record: Record, prev_hash: str) -> str:
    """SHA-256 over the previous hash and the record's canonical JSON."""
    content = {field: record.get(field) for field in CHAINED_FIELDS}
    content |= {field: record[field] for field in OPTIONAL_CHAINED_FIELDS if record.get(field) is not None}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class Head:
    """The chain's tail: the last record's ``seq`` and ``hash`` (``0``, ``GENESIS`` when empty)."""

    seq: int = 0
    hash: str = GENESIS


def link(entry: AuditEntry, event_id: str, head: Head) -> Record:
    """The record that appends ``entry`` (delivered as ``event_id``) after ``head``."""
    record = {**entry.model_dump(mode="json"), "seq": head.seq + 1, "event_id": event_id, "prev_hash": head.hash}
    record["hash"] = digest(record, head.hash)
    return record


def link_all(items: Sequence[tuple[AuditEntry, str]], head: Head) -> list[Record]:
    """The records appending each ``(entry, event id)`` in order after ``head``, an event id once."""
    records: list[Record] = []
    taken: set[str] = set()
    for entry, event_id in items:
        if event_id in taken:
            continue
        taken.add(event_id)
        record = link(entry, event_id, head)
        head = Head(record["seq"], record["hash"])
        records.append(record)
    return records


@dataclass(frozen=True)
class Verdict:
    """``broken_at`` is the seq of the first record that does not verify, if any."""

    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(records: Iterable[Record]) -> Verdict:
    """Walk records in ``seq`` order and check numbering, links and hashes."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for record in records:
        seq = record.get("seq")
        if seq != expected_seq:
            return Verdict(checked, expected_seq, f"record {expected_seq} is missing (found {seq})")
        if record.get("prev_hash") != prev_hash:
            return Verdict(checked, seq, "link to the previous record does not match")
        if record.get("hash") != digest(record, prev_hash):
            return Verdict(checked, seq, "content does not match its hash")
        prev_hash, expected_seq, checked = record["hash"], expected_seq + 1, checked + 1
    return Verdict(checked)
