"""The ``signals`` collection, its only writer: signals with their steps, escalation dates and outbox.

A document holds the domain :class:`~veille.domain.signals.Signal`'s fields, plus ``version``
(every write is guarded on it), ``area_ancestors`` (scopes), ``priority`` and
``assigned_area``, ``due_at`` (the step it waits for) and ``escalate_at`` (when it next climbs a
level; indexed, the escalation timer's only read). Events ride in ``_outbox`` in the same write.

Signals stored before categories (``kind``, status ``open``) are translated when read, not
migrated: they become ``new`` signals of the category their kind stands for (``LEGACY_KINDS``),
and take the full shape at their first step.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from common.contracts.events import Event
from common.contracts.signals import LEGACY_KINDS, Category, Level, SignalFilter, Status
from common.deadlocks import retry_transient
from common.errors import IdempotencyKeyReused
from common.idempotency import KeyedRequest
from common.nameko_ext import outbox
from common.scope import Scope
from common.scoping import within
from veille.app.ports import Filed
from veille.domain.pockets import SignalPoint
from veille.domain.signals import GeoPoint, Signal
from veille.domain.sla import Escalation, Timed

COLLECTION = "signals"
BULK = 1000
OUTBOX_COLLECTIONS = (COLLECTION,)
LIST_ORDER = [("priority", DESCENDING), ("severity", DESCENDING), ("reported_at", DESCENDING)]
CLOCK_FIELDS = {"area": 1, "category": 1, "kind": 1, "severity": 1, "status": 1, "level": 1, "reported_at": 1}


@dataclass(frozen=True, slots=True)
class Clock:
    """The escalation timer's projection of a signal (the ``sla.Timed`` fields only)."""

    id: str
    area: str
    category: Category
    severity: int
    status: Status
    level: Level
    reported_at: datetime


class MongoSignals:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.signals = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        signals = database[COLLECTION]
        signals.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        signals.create_index([("area_ancestors", ASCENDING), *LIST_ORDER])
        signals.create_index([("escalate_at", ASCENDING)], sparse=True)
        signals.create_index([("reported_at", ASCENDING)])
        signals.create_index([(outbox.PENDING_KEY, ASCENDING)], sparse=True)

    def new_id(self) -> str:
        return str(ObjectId())

    def report(self, filed: Filed, key: KeyedRequest, events: Sequence[Event]) -> tuple[Filed, bool]:
        legacy = self.signals.find_one(key.legacy_query("reported_by"))
        if legacy is not None:
            return from_document(legacy), False
        document = {**to_document(filed), **key.stamp(), outbox.OUTBOX_FIELD: [outbox.entry(e) for e in events]}
        try:
            retry_transient(lambda: self.signals.insert_one(document))
        except DuplicateKeyError:
            earlier = self.signals.find_one({"idempotency_key": key.scoped})
            if earlier is None:
                raise
            if not key.matches(earlier, "reported_by"):
                raise IdempotencyKeyReused(
                    "this idempotency key was already used for another request", {"reason": "idempotency_key_reused"}
                ) from None
            return from_document(earlier), False
        outbox.mark(self.database, COLLECTION, [document["_id"]])
        return filed, True

    def get(self, signal_id: str) -> Filed | None:
        found = self.signals.find_one({"_id": _object_id(signal_id)}) if ObjectId.is_valid(signal_id) else None
        return from_document(found) if found is not None else None

    def page(self, scope: Scope, filters: SignalFilter) -> list[Filed]:
        cursor = self.signals.find(_query(scope, filters)).sort(LIST_ORDER).limit(filters.limit)
        return [from_document(doc) for doc in cursor]

    def count(self, scope: Scope, filters: SignalFilter) -> int:
        return self.signals.count_documents(_query(scope, filters))

    def apply(self, before: Filed, after: Filed, events: Sequence[Event]) -> bool:
        _id = _object_id(before.signal.id)
        fields = to_document(after)
        unset = {name: "" for name, value in fields.items() if value is None}
        update: dict[str, Any] = {"$set": {k: v for k, v in fields.items() if v is not None and k != "_id"}}
        update["$unset"] = {**unset, "kind": ""}
        if events:
            update["$push"] = {outbox.OUTBOX_FIELD: {"$each": [outbox.entry(e) for e in events]}}
        guard = {"_id": _id, "version": before.version} if before.version else {"_id": _id, "version": None}
        written = retry_transient(lambda: self.signals.update_one(guard, update)).modified_count == 1
        if written and events:
            outbox.mark(self.database, COLLECTION, [_id])
        return written

    def overdue(self, now: datetime) -> list[Timed]:
        cursor = self.signals.find({"escalate_at": {"$lte": now}}, CLOCK_FIELDS)
        return [_clock(doc) for doc in cursor]

    def escalate(self, raised: Sequence[tuple[Escalation, datetime | None, Event]]) -> list[Escalation]:
        run = uuid.uuid4().hex  # marks the signals this call raised (a concurrent sweep's guard misses)
        done: list[Escalation] = []
        for start in range(0, len(raised), BULK):
            chunk = raised[start : start + BULK]
            self.signals.bulk_write([_escalation(e, next_at, event, run) for e, next_at, event in chunk], ordered=False)
            ids = [_object_id(e.signal_id) for e, _, _ in chunk]
            mine = {d["_id"] for d in self.signals.find({"_id": {"$in": ids}, "escalation_run": run}, {"_id": 1})}
            done.extend(e for e, _, _ in chunk if _object_id(e.signal_id) in mine)
            outbox.mark(self.database, COLLECTION, list(mine))
        return done

    def prioritise(self, area_list: Sequence[str]) -> int:
        query = {"area_ancestors": {"$in": list(area_list)}, "status": {"$ne": "closed"}, "priority": {"$ne": 1}}
        return self.signals.update_many(query, {"$set": {"priority": 1}, "$inc": {"version": 1}}).modified_count

    def points(self, scope: Scope) -> list[SignalPoint]:
        query = {**within(scope), "status": {"$ne": "closed"}, "point": {"$type": "object"}}
        cursor = self.signals.find(query, {"point": 1, "area": 1, "severity": 1})
        return [SignalPoint(signal_id=str(d["_id"]), point=GeoPoint(**d["point"]), commune=d["area"],
                            severity=d["severity"]) for d in cursor]  # fmt: skip

    def counts(self, since: datetime) -> Mapping[tuple[str, str], int]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"reported_at": {"$gte": since}}},
            {"$group": {"_id": {"area": "$area", "category": {"$ifNull": ["$category", "$kind"]}}, "n": {"$sum": 1}}},
        ]
        out: dict[tuple[str, str], int] = {}
        for row in self.signals.aggregate(pipeline):
            category = LEGACY_KINDS.get(row["_id"]["category"], row["_id"]["category"])
            key = (row["_id"]["area"], category)
            out[key] = out.get(key, 0) + row["n"]
        return out


def _escalation(escalation: Escalation, next_at: datetime | None, event: Event, run: str) -> UpdateOne:
    """Raise the signal if it is still at the level and step read (once per level however many sweeps run)."""
    changes: dict[str, Any] = {"level": escalation.to_level, "assigned_area": escalation.assigned_area,
                               "escalation_run": run}  # fmt: skip
    update: dict[str, Any] = {
        "$set": changes,
        "$inc": {"version": 1},
        "$push": {outbox.OUTBOX_FIELD: outbox.entry(event)},
    }
    if next_at is None:
        update["$unset"] = {"escalate_at": ""}
    else:
        changes["escalate_at"] = next_at
    guard = {"_id": _object_id(escalation.signal_id), "level": escalation.from_level, "status": escalation.event.status}
    return UpdateOne(guard, update)


def _object_id(signal_id: str) -> ObjectId:
    try:
        return ObjectId(signal_id)
    except (InvalidId, TypeError):
        return ObjectId("0" * 24)


def _query(scope: Scope, filters: SignalFilter) -> dict[str, Any]:
    query = within(scope)
    if filters.status:
        query["status"] = {"$in": ["new", "open"]} if filters.status == "new" else filters.status  # open: legacy
    if filters.category:
        query["category"] = filters.category
    if filters.level:
        query["level"] = filters.level
    return query


def to_document(filed: Filed) -> dict[str, Any]:
    signal = filed.signal
    data = signal.model_dump(mode="python", exclude={"id", "steps"})
    return {
        "_id": _object_id(signal.id),
        **data,
        "area_ancestors": areas.ancestors(signal.area),
        "steps": [{"key": key, "step": step} for key, step in signal.steps],
        "version": filed.version,
        "priority": filed.priority,
        "assigned_area": filed.assigned_area,
        "due_at": filed.due_at,
        "escalate_at": filed.escalate_at,
    }


def from_document(doc: Mapping[str, Any]) -> Filed:
    """The stored signal; one stored before categories translated (see the module's docstring)."""
    fields = {k: v for k, v in doc.items() if k in Signal.model_fields}
    fields["id"] = str(doc["_id"])
    fields["steps"] = tuple((s["key"], s["step"]) for s in doc.get("steps", []))
    if "category" not in doc:
        fields["category"] = LEGACY_KINDS[doc["kind"]]
        fields["status"] = "new"
        fields.setdefault("persons", {"count": 1})
        fields.setdefault("reporter", {"kind": "agent"})
    for name, value in fields.items():
        if isinstance(value, datetime) and value.tzinfo is None:
            fields[name] = value.replace(tzinfo=UTC)
    signal = Signal.model_validate(fields)
    return Filed(
        signal=signal,
        version=int(doc.get("version", 0)),
        priority=int(doc.get("priority", 0)),
        assigned_area=str(doc.get("assigned_area", signal.area)),
        due_at=_aware(doc.get("due_at")),
        escalate_at=_aware(doc.get("escalate_at")),
    )


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _clock(doc: Mapping[str, Any]) -> Clock:
    category = doc.get("category") or LEGACY_KINDS[doc["kind"]]
    return Clock(id=str(doc["_id"]), area=doc["area"], category=category, severity=doc["severity"],
                 status=doc["status"], level=doc.get("level", "cell"), reported_at=_aware(doc["reported_at"]))  # type: ignore[arg-type]  # fmt: skip
