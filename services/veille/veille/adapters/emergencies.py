"""The ``emergencies`` collection, its only writer: declared disasters (and their early end), events in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from common.contracts.events import Event
from common.errors import IdempotencyKeyReused
from common.idempotency import KeyedRequest
from common.nameko_ext import outbox
from common.refusals import conflict
from common.scope import Scope
from veille.domain.emergency import Emergency

COLLECTION = "emergencies"
END_KEY = "end_key"  # the scoped idempotency key that ended the emergency, and its fingerprint
END_FINGERPRINT = "end_fingerprint"


class MongoEmergencies:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.emergencies = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        emergencies = database[COLLECTION]
        emergencies.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        emergencies.create_index([("ends_at", ASCENDING)])
        emergencies.create_index([(END_KEY, ASCENDING)], sparse=True)
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

    def get(self, emergency_id: str) -> Emergency | None:
        found = self.emergencies.find_one({"_id": emergency_id})
        return None if found is None else _emergency(found)

    def ended_under(self, key: KeyedRequest) -> Emergency | None:
        found = self.emergencies.find_one({END_KEY: key.scoped})
        if found is None:
            return None
        key.ensure_same(found.get(END_FINGERPRINT))
        return _emergency(found)

    def end(self, ended: Emergency, key: KeyedRequest, event: Event) -> Emergency:
        """Set the end (guarded: still running when read), with its event; a lost race replays or conflicts."""
        written = self.emergencies.find_one_and_update(
            {"_id": ended.id, "ended_at": None, "ends_at": {"$gt": ended.ended_at}},
            {
                "$set": {
                    "ends_at": ended.ends_at, "ended_at": ended.ended_at, "ended_by": ended.ended_by,
                    END_KEY: key.scoped, END_FINGERPRINT: key.fingerprint,
                },
                "$push": {outbox.OUTBOX_FIELD: outbox.entry(event)},
            },
            return_document=ReturnDocument.AFTER,
        )  # fmt: skip
        if written is None:
            replay = self.ended_under(key)
            if replay is None:
                raise conflict("emergency_already_ended", "this emergency has already ended")
            return replay
        outbox.mark(self.database, COLLECTION, [ended.id])
        return _emergency(written)

    def active(self, now: datetime) -> list[Emergency]:
        return [_emergency(d) for d in self.emergencies.find({"ends_at": {"$gt": now}, "declared_at": {"$lte": now}})]

    def listed(self, scope: Scope) -> list[Emergency]:
        query = {"$or": [{"area_ancestors": scope.area}, {"areas": {"$in": areas.ancestors(scope.area)}}]}
        return [_emergency(d) for d in self.emergencies.find(query).sort("declared_at", DESCENDING).limit(200)]


def _emergency(doc: dict[str, Any]) -> Emergency:
    fields = {k: doc[k] for k in Emergency.model_fields if k in doc and k != "id"}
    for name in ("ends_at", "declared_at", "ended_at"):
        if fields.get(name) is not None and fields[name].tzinfo is None:
            fields[name] = fields[name].replace(tzinfo=UTC)
    return Emergency(**fields, id=str(doc["_id"]))
