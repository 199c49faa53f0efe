"""Pledges (collection ``pledges``): the only writer; ``pledge_due`` rides in the pledge (outbox).

Every write is guarded on the pledge's ``version`` and names what it applies (a gift's id,
a statement line's key) in ``applied``: the same payment is never applied twice, however
often it is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.database import Database

from common import areas
from common.clock import now
from common.contracts.events import Event
from common.idempotency import KeyedRequest
from common.nameko_ext import outbox
from common.scope import Scope
from common.scoping import within
from solidarity.adapters.campaigns import day, on
from solidarity.adapters.keyed import insert_once, object_id
from solidarity.domain.money import Money
from solidarity.domain.pledges import Instalment, Pledge

COLLECTION = "pledges"
HIDDEN = {outbox.OUTBOX_FIELD: 0, "applied": 0}


def document(pledge: Pledge) -> dict[str, Any]:
    area = pledge.area or areas.NATIONAL
    return {
        "_id": ObjectId(pledge.id),
        "donor_id": pledge.donor_id,
        "area": area,
        "area_ancestors": areas.ancestors(area),
        "currency": pledge.total.currency,
        "total_minor": pledge.total.minor,
        "instalments": [
            {"due_on": day(i.due_on), "amount_minor": i.amount.minor, "paid": i.paid, "reminded_on": day(i.reminded_on)}
            for i in pledge.instalments
        ],
        "campaign_id": pledge.campaign_id,
        "state": pledge.state,
        "reason": pledge.reason,
        "reference": pledge.reference,
        "next_due": _next_due(pledge),
    }


def _next_due(pledge: Pledge) -> Any:
    """The first unpaid instalment's date while active (indexed: what reminders look for)."""
    unpaid = [i.due_on for i in pledge.instalments if i.outstanding] if pledge.state == "active" else []
    return day(min(unpaid)) if unpaid else None


def from_document(doc: dict[str, Any]) -> Pledge:
    currency = doc["currency"]
    return Pledge(
        id=str(doc["_id"]),
        donor_id=doc["donor_id"],
        total=Money(currency, doc["total_minor"]),
        instalments=tuple(
            Instalment(on(i["due_on"]), Money(currency, i["amount_minor"]), i["paid"], on(i.get("reminded_on")))  # type: ignore[arg-type]
            for i in doc["instalments"]
        ),
        campaign_id=doc.get("campaign_id"),
        state=doc["state"],
        reason=doc.get("reason"),
        area=doc["area"],
    )


def _query(scope: Scope | None, donor_id: str | None) -> dict[str, Any]:
    query: dict[str, Any] = within(scope) if scope is not None else {}
    if donor_id is not None:
        query["donor_id"] = donor_id
    return query


class MongoPledges:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.pledges: Collection[dict[str, Any]] = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        pledges = database[COLLECTION]
        pledges.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        pledges.create_index([("donor_id", ASCENDING), ("_id", DESCENDING)])
        pledges.create_index([("area_ancestors", ASCENDING), ("_id", DESCENDING)])
        pledges.create_index([("reference", ASCENDING)])
        pledges.create_index([("next_due", ASCENDING)], sparse=True)
        pledges.create_index([(outbox.PENDING_KEY, ASCENDING)], sparse=True)

    def new_id(self) -> str:
        return str(ObjectId())

    def create(self, pledge: Pledge, key: KeyedRequest, user_id: str) -> Pledge:
        doc = {**document(pledge), "version": 1, "applied": [], "created_at": now(), "created_by": user_id}
        stored, _ = insert_once(self.pledges, doc, key, "created_by")
        return from_document(stored)

    def get(self, pledge_id: str) -> tuple[Pledge, int] | None:
        oid = object_id(pledge_id)
        doc = self.pledges.find_one({"_id": oid}, HIDDEN) if oid else None
        return (from_document(doc), doc["version"]) if doc else None

    def find(self, scope: Scope | None, donor_id: str | None, limit: int) -> list[Pledge]:
        found = self.pledges.find(_query(scope, donor_id), HIDDEN).sort("_id", DESCENDING).limit(limit)
        return [from_document(doc) for doc in found]

    def count(self, scope: Scope | None, donor_id: str | None) -> int:
        return self.pledges.count_documents(_query(scope, donor_id))

    def save(self, pledge: Pledge, version: int, applied: str | None, events: list[Event]) -> bool:
        guard: dict[str, Any] = {"_id": ObjectId(pledge.id), "version": version}
        update: dict[str, Any] = {
            "$set": {**_changed(document(pledge)), "updated_at": now()},
            "$inc": {"version": 1},
        }
        push: dict[str, Any] = {}
        if applied is not None:
            guard["applied"] = {"$ne": applied}
            push["applied"] = applied
        if events:
            push[outbox.OUTBOX_FIELD] = {"$each": [outbox.entry(event) for event in events]}
        if push:
            update["$push"] = push
        saved = bool(self.pledges.update_one(guard, update).modified_count)
        if saved and events:
            outbox.mark(self.database, COLLECTION, [guard["_id"]])
        return saved

    def is_applied(self, pledge_id: str, applied: str) -> bool:
        oid = object_id(pledge_id)
        return oid is not None and self.pledges.find_one({"_id": oid, "applied": applied}, {"_id": 1}) is not None

    def due_by(self, day_: date) -> list[tuple[Pledge, int]]:
        found = self.pledges.find({"next_due": {"$lte": day(day_)}, "state": "active"}, HIDDEN)
        return [(from_document(doc), doc["version"]) for doc in found]

    def by_reference(self, scope: Scope, references: Iterable[str]) -> list[Pledge]:
        query = {**within(scope), "reference": {"$in": sorted({r.upper() for r in references})}, "state": "active"}
        return [from_document(doc) for doc in self.pledges.find(query, HIDDEN)]


def _changed(doc: dict[str, Any]) -> dict[str, Any]:
    """The fields a write may change (never the id, donor, area or reference)."""
    return {k: doc[k] for k in ("instalments", "state", "reason", "next_due")}
