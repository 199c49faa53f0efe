"""The duplicate review queue: one item per pair of households, decided once.

A decision ("same" or "different") stays on the item, unique by the sorted pair, so the
same question is never asked twice, whatever finds the pair again later. Review ids are
opaque: they say nothing of the households (whose ids may be outside a reader's area).
Each item keeps the area of both households: who may read or decide it follows from them
(``registry.domain.review_access``).
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from datetime import UTC, datetime
from functools import partial
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas, scoping
from common.deadlocks import retry_transient
from common.scope import Scope
from registry.adapters.households import areas_of
from registry.duplicates import Finding


def pair_key(a: str, b: str) -> str:
    """What makes a review unique: its two households, sorted."""
    return "|".join(sorted((a, b)))


def new_review_id() -> str:
    return uuid.uuid4().hex


def review_ancestors(*household_areas: str) -> list[str]:
    """Every area a review is listed in: the ancestors of both households' areas."""
    return sorted({ancestor for area in household_areas for ancestor in areas.ancestors(area)})


class MongoReviewRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.reviews = database["duplicate_reviews"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        reviews = database["duplicate_reviews"]
        reviews.create_index([("pair", ASCENDING)], unique=True, sparse=True)
        reviews.create_index([("status", ASCENDING), ("area_ancestors", ASCENDING)])
        reviews.create_index([("households", ASCENDING)])
        _migrate_pair_ids(database)

    def known_different(self, household_id: str, others: list[str]) -> set[str]:
        pairs = [pair_key(household_id, other) for other in others]
        decided = self.reviews.find({"pair": {"$in": pairs}, "status": "different"}, {"households": 1})
        return {h for doc in decided for h in doc["households"] if h != household_id}

    def open(self, held_id: str, area: str, found: list[Finding]) -> list[str]:
        opened = []
        for finding in found:
            item: dict[str, Any] = {
                "_id": new_review_id(),
                "pair": pair_key(held_id, finding.household_id),
                "households": sorted((held_id, finding.household_id)),
                "held": held_id,
                "held_area": area,
                "existing": finding.household_id,
                "existing_area": finding.area,
                "area_ancestors": review_ancestors(area, finding.area),
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
                retry_transient(partial(self.reviews.insert_one, item))
                opened.append(item["_id"])
            except DuplicateKeyError:
                continue  # already queued or decided: never asked twice
        return opened

    def find(self, scope: Scope, limit: int, household_id: str | None = None) -> list[dict[str, Any]]:
        inside = scoping.within(scope)
        query = {**inside, "households": household_id} if household_id else {**inside, "status": "pending"}
        cursor = self.reviews.find(query).sort("score", -1).limit(limit)
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


OPAQUE_IDS_MIGRATION = "duplicate_reviews.opaque_ids"


def _migrate_pair_ids(database: Database[Any]) -> None:
    """Items stored before ids were opaque (``_id`` was the pair) get a new id and both areas.

    Idempotent and safe to interrupt: the copy is inserted before the old item is deleted,
    and the unique ``pair`` index makes a second copy impossible. It runs once per database:
    looking for items without a pair reads the whole queue (the ``pair`` index is sparse),
    so a marker in ``migrations`` records that it finished and later starts skip it.
    """
    migrations = database["migrations"]
    if migrations.find_one({"_id": OPAQUE_IDS_MIGRATION}) is not None:
        return
    reviews = database["duplicate_reviews"]
    for old in list(reviews.find({"pair": {"$exists": False}})):
        area_of = areas_of(database, old["households"])
        if old["held"] not in area_of or old["existing"] not in area_of:
            continue  # a household is gone: leave the item as it is, nobody lists it by area anyway
        held_area, existing_area = area_of[old["held"]], area_of[old["existing"]]
        copy = {
            **old,
            "_id": new_review_id(),
            "pair": pair_key(old["held"], old["existing"]),
            "held_area": held_area,
            "existing_area": existing_area,
            "area_ancestors": review_ancestors(held_area, existing_area),
        }
        with suppress(DuplicateKeyError):  # copied before an interruption
            retry_transient(partial(reviews.insert_one, copy))
        reviews.delete_one({"_id": old["_id"]})
    migrations.update_one({"_id": OPAQUE_IDS_MIGRATION}, {"$set": {"at": datetime.now(UTC)}}, upsert=True)


def _object_id(value: str) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in doc.items() if k not in ("_id", "area_ancestors", "pair", "households")}
    data["id"] = doc["_id"]
    for key in ("opened_at", "decided_at"):
        if isinstance(data.get(key), datetime):
            data[key] = data[key].isoformat()
    return data
