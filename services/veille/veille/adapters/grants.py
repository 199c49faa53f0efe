"""The ``break_glass`` collection, its only writer: every emergency read granted, kept for the auditors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database

from common import areas
from common.scope import Scope
from common.scoping import within
from veille.domain.protection import BreakGlassGrant


class MongoGrants:
    def __init__(self, database: Database[Any]) -> None:
        self.grants = database["break_glass"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        grants = database["break_glass"]
        grants.create_index([("user_id", ASCENDING), ("signal_id", ASCENDING), ("expires_at", DESCENDING)])
        grants.create_index([("area_ancestors", ASCENDING), ("granted_at", DESCENDING)])

    def record(self, grant: BreakGlassGrant, area: str) -> None:
        self.grants.insert_one({**grant.model_dump(), "area": area, "area_ancestors": areas.ancestors(area)})

    def held(self, user_id: str, signal_id: str, now: datetime) -> list[BreakGlassGrant]:
        query = {"user_id": user_id, "signal_id": signal_id, "expires_at": {"$gt": now}}
        return [_grant(doc) for doc in self.grants.find(query)]

    def recent(self, scope: Scope, limit: int) -> list[tuple[BreakGlassGrant, str]]:
        cursor = self.grants.find(within(scope)).sort("granted_at", DESCENDING).limit(limit)
        return [(_grant(doc), doc["area"]) for doc in cursor]


def _grant(doc: dict[str, Any]) -> BreakGlassGrant:
    fields = {k: doc[k] for k in BreakGlassGrant.model_fields}
    for name in ("granted_at", "expires_at"):
        if fields[name].tzinfo is None:
            fields[name] = fields[name].replace(tzinfo=UTC)
    return BreakGlassGrant(**fields)
