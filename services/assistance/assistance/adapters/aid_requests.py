"""The ``aid_requests`` collection's one writer: one document per request, changed only by guarded writes.

Every step is one ``find_one_and_update`` filtered by ``_id`` and guarded on the state
and version the step was decided from: the new state, the history entry (with the
step's idempotency key) and the event (outbox) land together or not at all, and of two
concurrent steps only one applies. It takes and returns :class:`AidRequest`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from assistance.domain import lifecycle
from assistance.domain.aid_request import AidRequest, Change
from common.clock import now
from common.contracts.events import Event
from common.deadlocks import retry_transient
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest
from common.nameko_ext import outbox
from common.scope import Scope
from common.scoping import within

COLLECTION = "aid_requests"
OUTBOX_COLLECTIONS = (COLLECTION,)  # relayed by the service's OutboxRelay


def object_id(value: Any) -> ObjectId | None:
    try:
        return ObjectId(value) if isinstance(value, str) else None
    except InvalidId:
        return None


def step_key(key: KeyedRequest | str) -> dict[str, str]:
    """What a history entry keeps of its step's key: a client's scoped with its fingerprint, or the platform's."""
    if isinstance(key, KeyedRequest):
        return {"key": key.scoped, FINGERPRINT_FIELD: key.fingerprint}
    return {"key": key}


def _request(doc: dict[str, Any] | None) -> AidRequest | None:
    return AidRequest.from_document(doc) if doc is not None else None


class MongoAidRequestRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.requests: Collection[dict[str, Any]] = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        requests = database[COLLECTION]
        requests.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        requests.create_index([("area_ancestors", ASCENDING), ("state", ASCENDING)])
        requests.create_index([("household_id", ASCENDING), ("need", ASCENDING)])
        requests.create_index([("regularisation.status", ASCENDING)], sparse=True)
        requests.create_index([(outbox.PENDING_KEY, ASCENDING)], sparse=True)

    def new_id(self) -> str:
        return str(ObjectId())

    def create(self, request: AidRequest, events: list[Event]) -> tuple[AidRequest, bool]:
        """Insert ``request`` (its ``idempotency_key`` unique) with ``events``: ``(stored, created by this call)``."""
        doc = request.document()
        pending = [outbox.entry(event) for event in events]
        stored = {**doc, "_id": ObjectId(doc["_id"]), "version": 1, outbox.OUTBOX_FIELD: pending}
        try:
            retry_transient(lambda: self.requests.insert_one(stored))
        except DuplicateKeyError:
            first = self.requests.find_one({"idempotency_key": doc["idempotency_key"]})
            if first is None:
                raise
            return AidRequest.from_document(first), False
        outbox.mark(self.database, COLLECTION, [stored["_id"]])
        return AidRequest.from_document(stored), True

    def get(self, request_id: str) -> AidRequest | None:
        """The stored request, wherever it is: the caller's scope is the use case's check."""
        oid = object_id(request_id)
        return _request(self.requests.find_one({"_id": oid})) if oid else None

    def by_key(self, idempotency_key: str) -> AidRequest | None:
        """The request created with ``idempotency_key``, if any."""
        return _request(self.requests.find_one({"idempotency_key": idempotency_key}))

    def search(self, scope: Scope, filters: dict[str, Any], after: str | None, limit: int) -> list[AidRequest]:
        """Requests inside ``scope`` matching ``filters`` (equality on fields), by id, after the cursor; no history."""
        query: dict[str, Any] = {**within(scope), **filters}
        if after and (oid := object_id(after)):
            query["_id"] = {"$gt": oid}
        found = self.requests.find(query, {"history": 0}).sort("_id", ASCENDING).limit(limit)
        return [AidRequest.from_document(doc) for doc in found]

    def apply(
        self, request: AidRequest, step: str, key: KeyedRequest | str, user_id: str, change: Change
    ) -> AidRequest | None:
        """Write ``change`` if ``request`` is still at the state and version it was read at; else ``None``."""
        doc = {"_id": ObjectId(request.id), "state": request.state, "version": request.version}
        at = now()
        entry = {
            **step_key(key),
            "step": step,
            "by": user_id,
            "at": at,
            "from_state": doc["state"],
            "to_state": change.state,
            "motive": change.motive,
        }
        push: dict[str, Any] = {"history": entry, **change.push}
        if change.events:
            push[outbox.OUTBOX_FIELD] = {"$each": [outbox.entry(event) for event in change.events]}
        updated = self.requests.find_one_and_update(
            {"_id": doc["_id"], "state": doc["state"], "version": doc["version"]},
            {"$set": {**change.set, "state": change.state, "updated_at": at}, "$inc": {"version": 1}, "$push": push},
            return_document=ReturnDocument.AFTER,
        )
        if updated is not None and change.events:
            outbox.mark(self.database, COLLECTION, [doc["_id"]])
        return _request(updated)

    def grants(self, household_ids: Iterable[str], need: str) -> list[dict[str, Any]]:
        """Requests granting ``need`` to any of ``household_ids``, in every area: id, household, programme, period.

        With the emergency (``emergency_id``, None outside one) an urgent grant was made under.
        """
        query = {
            "household_id": {"$in": sorted(set(household_ids))},
            "need": need,
            "state": {"$in": sorted(lifecycle.GRANTED)},
            "decision.decision": "grant",
        }
        fields = {"household_id": 1, "programme": 1, "need": 1, "decision.period": 1, "emergency.id": 1}
        return [
            {
                "id": str(doc["_id"]),
                "household_id": doc["household_id"],
                "programme": doc["programme"],
                "need": doc["need"],
                "period": doc["decision"]["period"],
                "emergency_id": (doc.get("emergency") or {}).get("id"),
            }
            for doc in self.requests.find(query, fields)
        ]

    def in_state(self, scope: Scope, state: str, benefit_type: str) -> list[AidRequest]:
        """Requests inside ``scope`` in ``state`` for a benefit type (payment lists)."""
        query = {**within(scope), "state": state, "benefit_type": benefit_type}
        return [
            AidRequest.from_document(doc) for doc in self.requests.find(query, {"history": 0}).sort("_id", ASCENDING)
        ]

    def set_fields(self, request_id: str, guard: dict[str, Any], values: dict[str, Any]) -> bool:
        """Set ``values`` if the request still matches ``guard``; no history (bookkeeping, not a step)."""
        oid = object_id(request_id)
        result = self.requests.update_one({"_id": oid, **guard}, {"$set": {**values, "updated_at": now()}})
        return result.matched_count == 1

    def overdue_regularisations(self, at: datetime) -> list[AidRequest]:
        """Urgent requests whose regularisation is open and whose next escalation is due."""
        query = {
            "regularisation.status": {"$in": sorted(lifecycle.REGULARISATION_OPEN)},
            "regularisation.next_escalation_at": {"$lte": at},
        }
        return [
            AidRequest.from_document(doc) for doc in self.requests.find(query, {"history": 0, outbox.OUTBOX_FIELD: 0})
        ]

    def escalate(
        self, request: AidRequest, level: int, escalated_to: str, next_at: datetime | None, event: Event
    ) -> bool:
        """Raise the regularisation to ``level`` (from ``level - 1``) with its event; False if it already was."""
        oid = ObjectId(request.id)
        result = self.requests.update_one(
            {
                "_id": oid,
                "regularisation.level": level - 1,
                "regularisation.status": {"$in": sorted(lifecycle.REGULARISATION_OPEN)},
            },
            {
                "$set": {
                    "regularisation.level": level,
                    "regularisation.escalated_to": escalated_to,
                    "regularisation.next_escalation_at": next_at,
                    "updated_at": now(),
                },
                "$push": {outbox.OUTBOX_FIELD: outbox.entry(event)},
            },
        )
        if result.modified_count:
            outbox.mark(self.database, COLLECTION, [oid])
        return bool(result.modified_count)
