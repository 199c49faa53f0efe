"""The reporting read model of registered households (one row per household)."""

from __future__ import annotations

from typing import Any, Protocol

from pymongo import ASCENDING
from pymongo.database import Database

from common import areas, scoping
from common.scope import Scope


class HouseholdFacts(Protocol):
    def record_registration(self, household_id: str, area: str, members: int) -> None:
        """Idempotent: the same household recorded twice is one row."""

    def record_merge(self, merged_id: str) -> None:
        """The merged household is no longer counted (idempotent)."""

    def record_score(self, household_id: str, score: float, band: str, model_version: str) -> None:
        """The household's latest score and band, for the social map (idempotent)."""

    def count(self, scope: Scope) -> int:
        """Registered households inside ``scope``, merged ones aside."""


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

    def record_merge(self, merged_id: str) -> None:
        self.collection.update_one({"_id": merged_id}, {"$set": {"merged": True}}, upsert=True)

    def record_score(self, household_id: str, score: float, band: str, model_version: str) -> None:
        values = {"score": score, "band": band, "model_version": model_version}
        self.collection.update_one({"_id": household_id}, {"$set": values}, upsert=True)

    def count(self, scope: Scope) -> int:
        return self.collection.count_documents({**scoping.within(scope), "merged": {"$ne": True}})
