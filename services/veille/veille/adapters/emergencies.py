"""The ``emergencies`` collection, its only writer: declared disasters, their event in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from common.contracts.events import Event
from common.errors import IdempotencyKeyReused
from common.idempotency import KeyedRequest
from common.nameko_ext import outbox
from common.scope import Scope
from veille.domain.emergency import Emergency

COLLECTION = "emergencies"


class MongoEmergencies:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.emergencies = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        emergencies = database[COLLECTION]
        emergencies.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        emergencies.create_index([("ends_at", ASCENDING)])
        emergencies.create_index([("area_ancestors", ASCENDING), ("declared_at", DESCENDING)])
        emergencies.create_index([(outbox.PENDING_KEY, ASCENDING)], sparse=True)

    def new_id(self) -> str:
        return str(ObjectId())

    def declare(self, emergency: Emergency, key: KeyedRequest, event: Event) -> tuple[Emergency, bool]:
        reach = sorted({a for area in emergency.areas for a in areas.ancestors(area)})
        document = {
            **emergency.model_dump(mode="python", exclude={"id"}),
            "_id": emergency.id,
            "area_ancestors": reach,
            **key.stamp(),
            outbox.OUTBOX_FIELD: [outbox.entry(event)],
        }
        try:
            self.emergencies.insert_one(document)
        except DuplicateKeyError:
            earlier = self.emergencies.find_one({"idempotency_key": key.scoped})
            if earlier is None:
                raise
            if not key.matches(earlier, "declared_by"):
                raise IdempotencyKeyReused(
                    "this idempotency key was already used for another request", {"reason": "idempotency_key_reused"}
                ) from None
            return _emergency(earlier), False
        outbox.mark(self.database, COLLECTION, [emergency.id])
        return emergency, True

    def active(self, now: datetime) -> list[Emergency]:
        return [_emergency(d) for d in self.emergencies.find({"ends_at": {"$gt": now}, "declared_at": {"$lte": now}})]

    def listed(self, scope: Scope) -> list[Emergency]:
        query = {"$or": [{"area_ancestors": scope.area}, {"areas": {"$in": areas.ancestors(scope.area)}}]}
        return [_emergency(d) for d in self.emergencies.find(query).sort("declared_at", DESCENDING).limit(200)]


def _emergency(doc: dict[str, Any]) -> Emergency:
    fields = {k: doc[k] for k in Emergency.model_fields if k in doc and k != "id"}
    for name in ("ends_at", "declared_at"):
        if fields[name].tzinfo is None:
            fields[name] = fields[name].replace(tzinfo=UTC)
    return Emergency(**fields, id=str(doc["_id"]))
