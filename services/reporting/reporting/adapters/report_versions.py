"""Closed reports (collection ``report_versions``): one immutable document per version of an area's period.

``_id`` is ``area|period|version``: two closes racing for one version number, one wins.
A close's idempotency key is unique (sparse index): the same close sent again finds its version.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import refusals
from reporting.domain.report import Snapshot


class MongoReportVersions:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["report_versions"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        collection = database["report_versions"]
        collection.create_index([("area", ASCENDING), ("period", ASCENDING), ("version", ASCENDING)])
        collection.create_index("idempotency_key", unique=True, sparse=True)

    def latest(self, area: str, period: str) -> Snapshot | None:
        doc = self.collection.find_one({"area": area, "period": period}, sort=[("version", DESCENDING)])
        return None if doc is None else _snapshot(doc)

    def versions(self, area: str, period: str) -> list[Snapshot]:
        found = self.collection.find({"area": area, "period": period}).sort("version", ASCENDING)
        return [_snapshot(doc) for doc in found]

    def freeze(self, snapshot: Snapshot, scoped_key: str, fingerprint: str) -> Snapshot:
        doc = {
            "_id": f"{snapshot.area}|{snapshot.period}|{snapshot.version}",
            "area": snapshot.area,
            "period": snapshot.period,
            "version": snapshot.version,
            "content": snapshot.content,
            "content_hash": snapshot.content_hash,
            "closed_by": snapshot.closed_by,
            "closed_at": snapshot.closed_at,
            "as_of": snapshot.as_of,
            "differences": snapshot.differences,
            "idempotency_key": scoped_key,
            "idempotency_fingerprint": fingerprint,
        }
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError:
            raise refusals.conflict(
                "version_taken", "another close of this period came first; read it and try again"
            ) from None
        return snapshot

    def closed_with(self, scoped_key: str) -> tuple[Snapshot, str] | None:
        doc = self.collection.find_one({"idempotency_key": scoped_key})
        return None if doc is None else (_snapshot(doc), doc["idempotency_fingerprint"])


def _snapshot(doc: dict[str, Any]) -> Snapshot:
    return Snapshot(
        area=doc["area"],
        period=doc["period"],
        version=doc["version"],
        content=doc["content"],
        content_hash=doc["content_hash"],
        closed_by=doc["closed_by"],
        closed_at=doc["closed_at"],
        as_of=doc.get("as_of"),
        differences=doc.get("differences", []),
    )
