"""The reporting read model of registered households (one row per household)."""

from __future__ import annotations

from typing import Any, Protocol

from pymongo import ASCENDING
from pymongo.database import Database

from common import areas


class HouseholdFacts(Protocol):
    def record_registration(self, household_id: str, area: str, members: int) -> None:
        """Idempotent: the same household recorded twice is one row."""

    def count(self, scope: dict[str, Any]) -> int:
        """Registered households inside ``scope``."""


class MongoHouseholdFacts:
    """Upsert keyed by household id: redelivered events change nothing."""

    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["household_facts"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database["household_facts"].create_index([("area_ancestors", ASCENDING)])

    def record_registration(self, household_id: str, area: str, members: int) -> None:
        self.collection.update_one(
            {"_id": household_id},
            {"$set": {"area": area, "area_ancestors": areas.ancestors(area), "members": members}},
            upsert=True,
        )

    def count(self, scope: dict[str, Any]) -> int:
        return self.collection.count_documents(scope)
