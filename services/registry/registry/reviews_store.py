"""The duplicate review queue: one item per pair of households, decided once.

A decision ("same" or "different") stays on the item, keyed by the sorted pair, so the
same question is never asked twice, whatever finds the pair again later.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from registry.duplicates import Finding


def pair_id(a: str, b: str) -> str:
    return "|".join(sorted((a, b)))


class ReviewRepository(Protocol):
    def known_different(self, household_id: str, others: list[str]) -> set[str]:
        """Which of ``others`` were already decided to be different from ``household_id``."""

    def open(self, held_id: str, area: str, found: list[Finding]) -> list[str]:
        """Queue the findings about the held household (existing items are left alone)."""

    def pending(self, scope: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        """Undecided items inside ``scope``, strongest first."""

    def get(self, review_id: str) -> dict[str, Any] | None: ...

    def decide(self, review_id: str, decision: str, user_id: str) -> dict[str, Any] | None:
        """Record the decision if still pending; ``None`` if it was decided already."""

    def still_pending_for(self, household_id: str) -> int: ...

    def partners(self, household_id: str) -> set[str]:
        """Households in a pending review with this one (probably the same people)."""


class MongoReviewRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.reviews = database["duplicate_reviews"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        reviews = database["duplicate_reviews"]
        reviews.create_index([("status", ASCENDING), ("area_ancestors", ASCENDING)])
        reviews.create_index([("households", ASCENDING)])

    def known_different(self, household_id: str, others: list[str]) -> set[str]:
        ids = [pair_id(household_id, other) for other in others]
        decided = self.reviews.find({"_id": {"$in": ids}, "status": "different"}, {"households": 1})
        return {h for doc in decided for h in doc["households"] if h != household_id}

    def open(self, held_id: str, area: str, found: list[Finding]) -> list[str]:
        opened = []
        for finding in found:
            item = {
                "_id": pair_id(held_id, finding.household_id),
                "households": sorted((held_id, finding.household_id)),
                "held": held_id,
                "existing": finding.household_id,
                "area_ancestors": areas.ancestors(area),
                "decision_hint": finding.decision,
                "score": finding.score,
                "member_pair": list(finding.member_pair),
                "agreeing": finding.agreeing,
                "disagreeing": finding.disagreeing,
                "withheld": finding.withheld,
                "status": "pending",
                "opened_at": datetime.now(UTC),
            }
            try:
                self.reviews.insert_one(item)
                opened.append(item["_id"])
            except DuplicateKeyError:
                continue  # already queued or decided: never asked twice
        return opened

    def pending(self, scope: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        cursor = self.reviews.find({"status": "pending", **scope}).sort("score", -1).limit(limit)
        return [_public(doc) for doc in cursor]

    def get(self, review_id: str) -> dict[str, Any] | None:
        doc = self.reviews.find_one({"_id": review_id})
        return _public(doc) if doc else None

    def decide(self, review_id: str, decision: str, user_id: str) -> dict[str, Any] | None:
        doc = self.reviews.find_one_and_update(
            {"_id": review_id, "status": "pending"},
            {"$set": {"status": decision, "decided_by": user_id, "decided_at": datetime.now(UTC)}},
            return_document=ReturnDocument.AFTER,
        )
        return _public(doc) if doc else None

    def still_pending_for(self, household_id: str) -> int:
        return self.reviews.count_documents({"households": household_id, "status": "pending"})

    def partners(self, household_id: str) -> set[str]:
        pending = self.reviews.find({"households": household_id, "status": "pending"}, {"households": 1})
        return {other for doc in pending for other in doc["households"] if other != household_id}


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in doc.items() if k not in ("_id", "area_ancestors")}
    data["id"] = doc["_id"]
    for key in ("opened_at", "decided_at"):
        if isinstance(data.get(key), datetime):
            data[key] = data[key].isoformat()
    return data
