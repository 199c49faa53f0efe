"""Audit storage, the only writer of ``audit_records``, ``audit_head`` and ``audit_seen``:
append with the chain, search, verify. Records are never changed.

The chain's tail (``seq``, ``hash``) is kept in one small head document, so an append
costs two lookups by key however long the trail is. Appending inserts record
``seq + 1`` first (its primary key makes concurrent appenders race, and one loses),
then moves the head forward with a compare-and-set. A crash between the two leaves
the head one record behind; the next appender finds record ``seq + 1`` taken, moves
the head to it, and goes on, so the chain never forks and never has a gap. A
redelivered event is recognised by its ``event_id`` and appended once: a small
``audit_seen`` collection keyed by event id answers that with one key lookup, and a
unique index on the records' ``event_id`` backs it up if a crash lost the marker.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from audit.domain.chain import Head, Record, Verdict, link, link_all, verify
from common import areas
from common.contracts.audit import AuditEntry, AuditQuery
from common.deadlocks import retry_transient
from common.scope import Scope
from common.scoping import within

MAX_APPEND_ATTEMPTS = 50
HEAD_ID = "head"
# One append at a time per process (a green lock under eventlet): the chain is serial,
# and concurrent appenders would only collide on the next seq. Replicas still race
# safely through the primary key and the head's compare-and-set.
_append_lock = threading.Lock()


def seq_key(seq: int) -> str:
    """A record's primary key: zero-padded text, which sorts like the number."""
    return f"{seq:012d}"


def _utc_iso(moment: datetime) -> str:
    """Entries store ``at`` as UTC ISO text; naive times are taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def _stored(record: Record) -> Record:
    """The document of a chained record: keyed by seq, with its area's ancestors for scoping."""
    area = record.get("area")
    return {"_id": seq_key(record["seq"]), **record, "area_ancestors": areas.ancestors(area) if area else []}


class MongoAuditRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.records = database["audit_records"]
        self.head = database["audit_head"]
        self.seen = database["audit_seen"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        records = database["audit_records"]
        records.create_index([("event_id", ASCENDING)], unique=True)
        records.create_index([("area_ancestors", ASCENDING), ("seq", DESCENDING)])
        records.create_index([("actor", ASCENDING), ("seq", DESCENDING)])
        records.create_index([("object_id", ASCENDING), ("seq", DESCENDING)])
        records.create_index([("action", ASCENDING), ("seq", DESCENDING)])
        records.create_index([("at", DESCENDING)])

    def append(self, entry: AuditEntry, event_id: str) -> int:
        with _append_lock:
            return self._append(entry, event_id)

    def append_many(self, items: Sequence[tuple[AuditEntry, str]]) -> list[int]:
        """One head read, one insert command per batch (and one head move).

        No lookup of the seen events first: a redelivered event meets the records'
        unique ``event_id``, and from there, as when
        another appender took a seq meanwhile, what was inserted stands and the rest goes
        through :meth:`append`, which checks and catches up one entry at a time.
        """
        with _append_lock:
            seqs = self._append_batch(items)
        return [seqs[event_id] if event_id in seqs else self.append(entry, event_id) for entry, event_id in items]

    def _append_batch(self, items: Sequence[tuple[AuditEntry, str]]) -> dict[str, int]:
        head = self._head()
        records = [_stored(record) for record in link_all(items, head)]
        stored = 0
        try:
            self.records.insert_many(records, ordered=True)
            stored = len(records)
        except BulkWriteError as exc:
            stored = int(exc.details.get("nInserted", 0))
        written = records[:stored]
        if written:
            self._advance(head, Head(written[-1]["seq"], written[-1]["hash"]))
            with contextlib.suppress(BulkWriteError):
                self.seen.insert_many([{"_id": r["event_id"], "seq": r["seq"]} for r in written], ordered=False)
        return {r["event_id"]: r["seq"] for r in written}

    def _append(self, entry: AuditEntry, event_id: str) -> int:
        for _ in range(MAX_APPEND_ATTEMPTS):
            seen = self.seen.find_one({"_id": event_id})
            if seen is not None:
                return int(seen["seq"])
            head = self._head()
            record = link(entry, event_id, head)
            try:
                retry_transient(partial(self.records.insert_one, _stored(record)))
            except DuplicateKeyError:
                if self.records.find_one({"_id": seq_key(record["seq"])}, {"_id": 1}) is not None:
                    self._catch_up(head)  # this seq is taken: look again
                    continue
                # Not the seq, so the event: appended before a crash lost its marker.
                earlier = self.records.find_one({"event_id": event_id}, {"seq": 1}) or record
                return self._remember(event_id, int(earlier["seq"]))
            self._advance(head, Head(record["seq"], record["hash"]))
            return self._remember(event_id, record["seq"])
        raise RuntimeError("could not append to the audit chain")

    def _remember(self, event_id: str, seq: int) -> int:
        with contextlib.suppress(DuplicateKeyError):
            self.seen.insert_one({"_id": event_id, "seq": seq})
        return seq

    def _head(self) -> Head:
        """The head document, or the head as the records say (a trail written before the head existed, or empty)."""
        head = self.head.find_one({"_id": HEAD_ID})
        if head is None:
            head = self.records.find_one({}, {"seq": 1, "hash": 1}, sort=[("_id", DESCENDING)])
        return Head(int(head["seq"]), head["hash"]) if head else Head()

    def _advance(self, head: Head, to: Head) -> None:
        """Move the head from ``head`` to ``to`` unless someone already moved it."""
        # An upsert that loses to another appender means the head is already past ``head``.
        with contextlib.suppress(DuplicateKeyError):
            self.head.update_one(
                {"_id": HEAD_ID, "seq": head.seq}, {"$set": {"seq": to.seq, "hash": to.hash}}, upsert=True
            )

    def _catch_up(self, head: Head) -> None:
        """Record ``head.seq + 1`` exists: move the head onto it (it may be left behind)."""
        taken = self.records.find_one({"_id": seq_key(head.seq + 1)}, {"seq": 1, "hash": 1})
        if taken is not None:
            self._advance(head, Head(int(taken["seq"]), taken["hash"]))

    def search(self, query: AuditQuery, scope: Scope) -> list[Record]:
        filters: dict[str, Any] = within(scope)
        for field in ("actor", "action", "object_id"):
            if (value := getattr(query, field)) is not None:
                filters[field] = value
        if query.since or query.until:
            filters["at"] = {
                **({"$gte": _utc_iso(query.since)} if query.since else {}),
                **({"$lt": _utc_iso(query.until)} if query.until else {}),
            }
        if query.before_seq:
            filters["_id"] = {"$lt": seq_key(query.before_seq)}
        cursor = self.records.find(filters, {"_id": 0, "area_ancestors": 0}).sort("_id", DESCENDING)
        return list(cursor.limit(query.limit))

    def in_order(self) -> Iterator[Record]:
        """Every record by seq, streamed."""
        return iter(self.records.find({}, {"_id": 0}).sort("_id", ASCENDING).batch_size(1000))

    def verify(self) -> Verdict:
        return verify(self.in_order())
