"""Aid request storage: one document per request, changed only by guarded single-document writes.

Every step is one ``find_one_and_update`` filtered by ``_id`` and guarded on the state
and version the step was decided from: the new state, the history entry (with the
step's idempotency key) and the event (outbox) land together or not at all, and of two
concurrent steps only one applies. The filter is ``_id`` plus guards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from assistance import lifecycle
from common.contracts.events import REGULARISATION_OVERDUE
from common.deadlocks import retry_transient
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest
from common.nameko_ext import outbox

COLLECTION = "aid_requests"
OUTBOX_COLLECTIONS = (COLLECTION,)
INTERNAL = frozenset({"_id", "area_ancestors", "idempotency_key", FINGERPRINT_FIELD, "version", outbox.OUTBOX_FIELD})


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def object_id(value: Any) -> ObjectId | None:
    try:
        return ObjectId(value) if isinstance(value, str) else None
    except InvalidId:
        return None


def plain(value: Any) -> Any:
    """Stored values as JSON: datetimes and dates as ISO text, ObjectIds as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def mask_account(point: dict[str, Any] | None) -> dict[str, str] | None:
    """A payment point as shown with the request: a CCP account only by its last digits."""
    if not point:
        return None
    ref = str(point.get("ref", ""))
    return {"kind": point["kind"], "ref": ("•" * max(len(ref) - 4, 0) + ref[-4:]) if point["kind"] == "ccp" else ref}


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A request as the service answers: bookkeeping dropped, history without keys, accounts masked."""
    data = {k: plain(v) for k, v in doc.items() if k not in INTERNAL}
    data["id"] = str(doc["_id"])
    data["history"] = [
        {k: v for k, v in entry.items() if k not in ("key", FINGERPRINT_FIELD)} for entry in data.get("history", [])
    ]
    task = doc.get("regularisation") or {}
    data["allowed_steps"] = lifecycle.allowed_steps(
        doc["state"], doc.get("benefit_type")
    ) + lifecycle.regularisation_steps(task.get("status"))
    if data.get("proposal"):
        data["proposal"]["payment_point"] = mask_account(doc["proposal"].get("payment_point"))
    return data


def step_key(key: KeyedRequest | str) -> dict[str, str]:
    """What a history entry keeps of its step's key: a client's scoped with its fingerprint, or the platform's."""
    if isinstance(key, KeyedRequest):
        return {"key": key.scoped, FINGERPRINT_FIELD: key.fingerprint}
    return {"key": key}


def applied_entry(doc: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The history entry written by the step that used ``key``, if any."""
    return next((entry for entry in doc.get("history", ()) if entry.get("key") == key), None)


@dataclass
class Change:
    """What a step writes besides the history entry: the state it leads to, fields, events."""

    state: str
    set: dict[str, Any] = field(default_factory=dict)
    push: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    motive: str | None = None


class AidRequestRepository(Protocol):
    def new_id(self) -> str: ...

    def create(self, doc: dict[str, Any], events: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], bool]:
        """Insert ``doc`` (its ``idempotency_key`` unique) with ``events``: ``(stored, created by this call)``."""

    def get(self, request_id: str) -> dict[str, Any] | None:
        """The stored request (raw), wherever it is: the caller's scope is the service's check."""

    def by_key(self, idempotency_key: str) -> dict[str, Any] | None:
        """The request created with ``idempotency_key``, if any."""

    def search(
        self, scope: dict[str, Any], filters: dict[str, Any], after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """Raw requests inside ``scope`` matching ``filters``, by id, after the cursor."""

    def apply(
        self, doc: dict[str, Any], step: str, key: KeyedRequest | str, user_id: str, change: Change
    ) -> dict[str, Any] | None:
        """Write ``change`` if ``doc`` is still at the state and version it was read at; else ``None``."""

    def grants(self, household_ids: Iterable[str], need: str) -> list[dict[str, Any]]:
        """Requests granting ``need`` to any of ``household_ids``, in every area: id, household, programme, period."""

    def in_state(self, scope: dict[str, Any], state: str, benefit_type: str) -> list[dict[str, Any]]:
        """Raw requests inside ``scope`` in ``state`` for a benefit type (payment lists)."""

    def set_fields(self, request_id: str, guard: dict[str, Any], values: dict[str, Any]) -> bool:
        """Set ``values`` if the request still matches ``guard``; no history (bookkeeping, not a step)."""

    def overdue_regularisations(self, at: datetime) -> list[dict[str, Any]]:
        """Urgent requests whose regularisation is open and whose next escalation is due."""

    def escalate(
        self, doc: dict[str, Any], level: int, escalated_to: str, next_at: datetime | None, event: dict[str, Any]
    ) -> bool:
        """Raise the regularisation to ``level`` (from ``level - 1``) with its event; False if it already was."""

    def relay_events(self, publish: Callable[[str, dict[str, Any]], None]) -> int: ...

    def sweep_events(self) -> int: ...


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

    def create(self, doc: dict[str, Any], events: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], bool]:
        pending = [outbox.pending(kind, data) for kind, data in events]
        stored = {**doc, "_id": ObjectId(doc["_id"]), "version": 1, outbox.OUTBOX_FIELD: pending}
        try:
            retry_transient(lambda: self.requests.insert_one(stored))
        except DuplicateKeyError:
            first = self.requests.find_one({"idempotency_key": doc["idempotency_key"]})
            if first is None:
                raise
            return first, False
        outbox.mark(self.database, COLLECTION, [stored["_id"]])
        return stored, True

    def get(self, request_id: str) -> dict[str, Any] | None:
        oid = object_id(request_id)
        return self.requests.find_one({"_id": oid}) if oid else None

    def by_key(self, idempotency_key: str) -> dict[str, Any] | None:
        return self.requests.find_one({"idempotency_key": idempotency_key})

    def search(
        self, scope: dict[str, Any], filters: dict[str, Any], after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {**scope, **filters}
        if after and (oid := object_id(after)):
            query["_id"] = {"$gt": oid}
        return list(self.requests.find(query, {"history": 0}).sort("_id", ASCENDING).limit(limit))

    def apply(
        self, doc: dict[str, Any], step: str, key: KeyedRequest | str, user_id: str, change: Change
    ) -> dict[str, Any] | None:
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
            push[outbox.OUTBOX_FIELD] = {"$each": [outbox.pending(kind, data) for kind, data in change.events]}
        updated = self.requests.find_one_and_update(
            {"_id": doc["_id"], "state": doc["state"], "version": doc["version"]},
            {"$set": {**change.set, "state": change.state, "updated_at": at}, "$inc": {"version": 1}, "$push": push},
            return_document=ReturnDocument.AFTER,
        )
        if updated is not None and change.events:
            outbox.mark(self.database, COLLECTION, [doc["_id"]])
        return updated

    def grants(self, household_ids: Iterable[str], need: str) -> list[dict[str, Any]]:
        query = {
            "household_id": {"$in": sorted(set(household_ids))},
            "need": need,
            "state": {"$in": sorted(lifecycle.GRANTED)},
            "decision.decision": "grant",
        }
        fields = {"household_id": 1, "programme": 1, "need": 1, "decision.period": 1}
        return [
            {
                "id": str(doc["_id"]),
                "household_id": doc["household_id"],
                "programme": doc["programme"],
                "need": doc["need"],
                "period": doc["decision"]["period"],
            }
            for doc in self.requests.find(query, fields)
        ]

    def in_state(self, scope: dict[str, Any], state: str, benefit_type: str) -> list[dict[str, Any]]:
        query = {**scope, "state": state, "benefit_type": benefit_type}
        return list(self.requests.find(query, {"history": 0}).sort("_id", ASCENDING))

    def set_fields(self, request_id: str, guard: dict[str, Any], values: dict[str, Any]) -> bool:
        oid = object_id(request_id)
        result = self.requests.update_one({"_id": oid, **guard}, {"$set": {**values, "updated_at": now()}})
        return result.matched_count == 1

    def overdue_regularisations(self, at: datetime) -> list[dict[str, Any]]:
        query = {
            "regularisation.status": {"$in": sorted(lifecycle.REGULARISATION_OPEN)},
            "regularisation.next_escalation_at": {"$lte": at},
        }
        return list(self.requests.find(query, {"history": 0, outbox.OUTBOX_FIELD: 0}))

    def escalate(
        self, doc: dict[str, Any], level: int, escalated_to: str, next_at: datetime | None, event: dict[str, Any]
    ) -> bool:
        result = self.requests.update_one(
            {
                "_id": doc["_id"],
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
                "$push": {outbox.OUTBOX_FIELD: outbox.pending(REGULARISATION_OVERDUE, event)},
            },
        )
        if result.modified_count:
            outbox.mark(self.database, COLLECTION, [doc["_id"]])
        return bool(result.modified_count)

    def relay_events(self, publish: Callable[[str, dict[str, Any]], None]) -> int:
        return outbox.relay(self.database, publish)

    def sweep_events(self) -> int:
        return outbox.sweep(self.database, OUTBOX_COLLECTIONS)
