"""Audit storage: append with the chain, search, verify. Nothing updates or deletes.

Appends from concurrent workers race for the next ``seq`` on the primary key; the
loser reads the new tail and tries again, so the chain never forks. A redelivered
event is recognised by its ``event_id`` (unique) and appended once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from audit.chain import GENESIS, Verdict, digest, verify
from common import areas
from common.contracts.audit import AuditEntry, AuditQuery

MAX_APPEND_ATTEMPTS = 50


def _utc_iso(moment: datetime) -> str:
    """Entries store ``at`` as UTC ISO text; naive times are taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


class AuditRepository(Protocol):
    def append(self, entry: AuditEntry, event_id: str) -> int:
        """Append once per event id; return the record's seq."""

    def search(self, query: AuditQuery, scope: dict[str, Any]) -> list[dict[str, Any]]:
        """Records matching ``query`` inside ``scope``, newest first."""


class MongoAuditRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.records = database["audit_records"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        records = database["audit_records"]
        records.create_index([("event_id", ASCENDING)], unique=True)
        records.create_index([("area_ancestors", ASCENDING), ("seq", DESCENDING)])
        records.create_index([("actor", ASCENDING), ("seq", DESCENDING)])
        records.create_index([("object_id", ASCENDING), ("seq", DESCENDING)])

    def append(self, entry: AuditEntry, event_id: str) -> int:
        data = entry.model_dump(mode="json")
        for _ in range(MAX_APPEND_ATTEMPTS):
            existing = self.records.find_one({"event_id": event_id}, {"seq": 1})
            if existing is not None:
                return int(existing["seq"])
            tail = self.records.find_one({}, {"seq": 1, "hash": 1}, sort=[("seq", DESCENDING)])
            seq = int(tail["seq"]) + 1 if tail else 1
            prev_hash = tail["hash"] if tail else GENESIS
            record = {**data, "seq": seq, "event_id": event_id, "prev_hash": prev_hash}
            record["hash"] = digest(record, prev_hash)
            record["area_ancestors"] = areas.ancestors(entry.area) if entry.area else []
            try:
                self.records.insert_one({"_id": seq, **record})
                return seq
            except DuplicateKeyError:
                continue  # another worker took this seq (or this event): look again
        raise RuntimeError("could not append to the audit chain")

    def search(self, query: AuditQuery, scope: dict[str, Any]) -> list[dict[str, Any]]:
        filters: dict[str, Any] = dict(scope)
        for field in ("actor", "action", "object_id"):
            if (value := getattr(query, field)) is not None:
                filters[field] = value
        if query.since or query.until:
            filters["at"] = {
                **({"$gte": _utc_iso(query.since)} if query.since else {}),
                **({"$lt": _utc_iso(query.until)} if query.until else {}),
            }
        if query.before_seq:
            filters["_id"] = {"$lt": query.before_seq}
        cursor = self.records.find(filters, {"_id": 0, "area_ancestors": 0}).sort("_id", DESCENDING)
        return list(cursor.limit(query.limit))

    def in_order(self) -> Iterator[dict[str, Any]]:
        """Every record by seq, streamed."""
        return iter(self.records.find({}, {"_id": 0}).sort("_id", ASCENDING).batch_size(1000))

    def verify(self) -> Verdict:
        return verify(self.in_order())
