"""The ``bequests`` and ``bequest_documents`` collections' one writer.

A bequest is one document changed only by guarded writes: each step is one
``find_one_and_update`` on ``_id`` and the version it was decided from, and sets the new
state, appends the history entry (with the step's idempotency key) and stores the event
(outbox) together, or not at all. Documents keep their bytes in their own collection
(one record per document, capped well below MongoDB's 16 MiB), never inside the bequest.

Indexes: by area and state (lists and counts of an area), by donor account (a donor's
own), by due date among those not marked overdue (the timer), the idempotency keys.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from bson import Binary, ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from common.contracts.events import BequestStageChanged
from common.deadlocks import retry_transient
from common.errors import IdempotencyKeyReused
from common.idempotency import FINGERPRINT_FIELD, KEY_FIELD, KeyedRequest
from common.nameko_ext import outbox
from common.scoping import within
from solidarity.domain.bequest_documents import BequestDocument
from solidarity.domain.bequests import Bequest, Sight, StepRecord
from solidarity.domain.money import Money

COLLECTION = "bequests"
DOCUMENTS = "bequest_documents"
OUTBOX_COLLECTIONS = (COLLECTION,)  # relayed by the service's OutboxRelay
GIFT_PENDING = "gift_pending"  # a cash realisation whose gift is not recorded yet (sparse index)


def object_id(value: object) -> ObjectId | None:
    try:
        return ObjectId(value) if isinstance(value, str) else None
    except InvalidId:
        return None


def _money(value: Money | None) -> dict[str, Any] | None:
    return None if value is None else {"minor": value.minor, "currency": value.currency}


def _money_of(stored: dict[str, Any] | None) -> Money | None:
    return None if stored is None else Money(stored["currency"], int(stored["minor"]))


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def _day(stored: datetime | None) -> date | None:
    return None if stored is None else stored.date()


def _entry(record: StepRecord) -> dict[str, Any]:
    return {
        "step": record.step,
        "at": record.at,
        "by": record.by,
        "documents": list(record.documents),
        "note": record.note,
        "key": record.key,
        FINGERPRINT_FIELD: record.fingerprint,
    }


def _record(stored: dict[str, Any]) -> StepRecord:
    return StepRecord(stored["step"], stored["at"], stored["by"], tuple(stored.get("documents") or ()),
                      stored.get("note"), stored.get("key"), stored.get(FINGERPRINT_FIELD))  # fmt: skip


def document(bequest: Bequest, due_on: date | None) -> dict[str, Any]:
    """The stored shape of ``bequest`` (without its key, version and outbox)."""
    return {
        "_id": ObjectId(bequest.id),
        "donor_id": bequest.donor_id,
        "donor_user_id": bequest.donor_user_id,
        "area": bequest.area,
        "area_ancestors": areas.ancestors(bequest.area),
        "declared_value": _money(bequest.declared_value),
        "description": bequest.description,
        "state": bequest.state,
        "entered_state_on": _midnight(bequest.entered_state_on),
        "due_at": _midnight(due_on),
        "overdue": bequest.marked_overdue,
        "history": [_entry(r) for r in bequest.history],
        "accepted_by": bequest.accepted_by,
        "charges": list(bequest.charges),
        "valuation": _money(bequest.valuation),
        "realisation": bequest.realisation,
        "realised": _money(bequest.realised),
    }


def bequest_of(stored: dict[str, Any]) -> Bequest:
    declared = _money_of(stored["declared_value"])
    assert declared is not None
    return Bequest(
        id=str(stored["_id"]),
        donor_id=stored["donor_id"],
        area=stored["area"],
        declared_value=declared,
        description=stored["description"],
        state=stored["state"],
        entered_state_on=_day(stored.get("entered_state_on")),
        history=tuple(_record(r) for r in stored.get("history") or ()),
        accepted_by=stored.get("accepted_by"),
        charges=tuple(stored.get("charges") or ()),
        valuation=_money_of(stored.get("valuation")),
        realisation=stored.get("realisation"),
        realised=_money_of(stored.get("realised")),
        donor_user_id=stored.get("donor_user_id"),
        version=int(stored.get("version", 1)),
        marked_overdue=bool(stored.get("overdue")),
    )


def _in_sight(sight: Sight) -> dict[str, Any]:
    if sight.scope is not None:
        return within(sight.scope)
    if sight.donor_user_id is None:
        return {"_id": {"$in": []}}  # sees nothing
    return {"donor_user_id": sight.donor_user_id}


def _filters(sight: Sight, state: str | None, overdue: bool | None) -> dict[str, Any]:
    query = _in_sight(sight)
    if state is not None:
        query["state"] = state
    if overdue is not None:
        query["overdue"] = overdue
    return query


class MongoBequestRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.bequests: Collection[dict[str, Any]] = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        bequests = database[COLLECTION]
        bequests.create_index([(KEY_FIELD, ASCENDING)], unique=True, sparse=True)
        bequests.create_index([("area_ancestors", ASCENDING), ("state", ASCENDING)])
        bequests.create_index([("donor_user_id", ASCENDING)], sparse=True)
        bequests.create_index([("donor_id", ASCENDING)])
        bequests.create_index([("overdue", ASCENDING), ("due_at", ASCENDING)])
        bequests.create_index([(outbox.PENDING_KEY, ASCENDING)], sparse=True)
        bequests.create_index([(GIFT_PENDING, ASCENDING)], sparse=True)

    def new_id(self) -> str:
        return str(ObjectId())

    def declare(self, bequest: Bequest, key: KeyedRequest, event: BequestStageChanged) -> Bequest:
        stored = {
            **document(bequest, event.due_on),
            **key.stamp(),
            "created_by": key.user_id,
            "version": 1,
            outbox.OUTBOX_FIELD: [outbox.entry(event)],
        }
        try:
            retry_transient(lambda: self.bequests.insert_one(stored))
        except DuplicateKeyError:
            first = self.bequests.find_one({KEY_FIELD: key.scoped})
            if first is None:
                raise
            if not key.matches(first, "created_by"):
                raise IdempotencyKeyReused(
                    "this idempotency key was already used for another request", {"reason": "idempotency_key_reused"}
                ) from None
            return bequest_of(first)
        outbox.mark(self.database, COLLECTION, [stored["_id"]])
        return bequest_of(stored)

    def get(self, bequest_id: str) -> Bequest | None:
        oid = object_id(bequest_id)
        found = self.bequests.find_one({"_id": oid}, {outbox.OUTBOX_FIELD: 0}) if oid else None
        return bequest_of(found) if found else None

    def search(
        self, sight: Sight, state: str | None, overdue: bool | None, after: str | None, limit: int
    ) -> list[Bequest]:
        query = _filters(sight, state, overdue)
        if after and (oid := object_id(after)):
            query["_id"] = {"$lt": oid}
        found = self.bequests.find(query, {outbox.OUTBOX_FIELD: 0}).sort("_id", DESCENDING).limit(limit)
        return [bequest_of(doc) for doc in found]

    def count(self, sight: Sight, state: str | None, overdue: bool | None) -> int:
        return self.bequests.count_documents(_filters(sight, state, overdue))

    def apply(self, read: Bequest, moved: Bequest, due_on: date | None, event: BequestStageChanged) -> Bequest | None:
        stored = document(moved, due_on)
        changes = {name: value for name, value in stored.items() if name not in ("_id", "history")}
        if read.state != "realised" and moved.state == "realised" and moved.realisation == "cash":
            changes[GIFT_PENDING] = True  # its gift is recorded next (app.bequests.record_cash_gifts)
        updated = self.bequests.find_one_and_update(
            {"_id": ObjectId(read.id), "version": read.version},
            {
                "$set": changes,
                "$inc": {"version": 1},
                "$push": {"history": _entry(moved.history[-1]), outbox.OUTBOX_FIELD: outbox.entry(event)},
            },
            projection={outbox.OUTBOX_FIELD: 0},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            return None
        outbox.mark(self.database, COLLECTION, [updated["_id"]])
        return bequest_of(updated)

    def due_before(self, day: date, limit: int) -> list[Bequest]:
        query = {"overdue": False, "due_at": {"$lt": _midnight(day)}}
        found = self.bequests.find(query, {outbox.OUTBOX_FIELD: 0}).sort("due_at", ASCENDING).limit(limit)
        return [bequest_of(doc) for doc in found]

    def reschedule(self, bequest: Bequest, due_on: date | None) -> None:
        self.bequests.update_one(
            {"_id": ObjectId(bequest.id), "version": bequest.version}, {"$set": {"due_at": _midnight(due_on)}}
        )

    def awaiting_gift(self, limit: int) -> list[Bequest]:
        found = self.bequests.find({GIFT_PENDING: True}, {outbox.OUTBOX_FIELD: 0}).limit(limit)
        return [bequest_of(doc) for doc in found]

    def gift_recorded(self, bequest_id: str, gift_id: str) -> None:
        self.bequests.update_one(
            {"_id": ObjectId(bequest_id), GIFT_PENDING: True},
            {"$unset": {GIFT_PENDING: ""}, "$set": {"gift_id": gift_id}},
        )

    def mark_overdue(self, bequest: Bequest, event: BequestStageChanged) -> bool:
        oid = ObjectId(bequest.id)
        result = self.bequests.update_one(
            {"_id": oid, "version": bequest.version, "overdue": False},
            {"$set": {"overdue": True}, "$push": {outbox.OUTBOX_FIELD: outbox.entry(event)}},
        )
        if result.modified_count:
            outbox.mark(self.database, COLLECTION, [oid])
        return bool(result.modified_count)


def _document_of(stored: dict[str, Any]) -> BequestDocument:
    return BequestDocument(
        id=str(stored["_id"]),
        bequest_id=stored["bequest_id"],
        kind=stored["kind"],
        media_type=stored["media_type"],
        size=int(stored["size"]),
        sha256=stored["sha256"],
        filename=stored["filename"],
        uploaded_at=stored["uploaded_at"],
        uploaded_by=stored["uploaded_by"],
    )


METADATA = {"content": 0}


class MongoBequestDocuments:
    """Checked documents of bequests: metadata and bytes in one record each (``content``, never listed)."""

    def __init__(self, database: Database[Any]) -> None:
        self.documents: Collection[dict[str, Any]] = database[DOCUMENTS]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        documents = database[DOCUMENTS]
        documents.create_index([(KEY_FIELD, ASCENDING)], unique=True, sparse=True)
        documents.create_index([("bequest_id", ASCENDING), ("uploaded_at", ASCENDING)])

    def new_id(self) -> str:
        return str(ObjectId())

    def add(self, document: BequestDocument, content: bytes, key: KeyedRequest) -> BequestDocument:
        stored = {
            "_id": ObjectId(document.id),
            "bequest_id": document.bequest_id,
            "kind": document.kind,
            "media_type": document.media_type,
            "size": document.size,
            "sha256": document.sha256,
            "filename": document.filename,
            "uploaded_at": document.uploaded_at,
            "uploaded_by": document.uploaded_by,
            "content": Binary(content),
            **key.stamp(),
        }
        try:
            retry_transient(lambda: self.documents.insert_one(stored))
        except DuplicateKeyError:
            first = self.documents.find_one({KEY_FIELD: key.scoped}, METADATA)
            if first is None:
                raise
            if not key.matches(first, "uploaded_by"):
                raise IdempotencyKeyReused(
                    "this idempotency key was already used for another request", {"reason": "idempotency_key_reused"}
                ) from None
            return _document_of(first)
        return document

    def of_bequest(self, bequest_id: str) -> list[BequestDocument]:
        found = self.documents.find({"bequest_id": bequest_id}, METADATA).sort("uploaded_at", ASCENDING)
        return [_document_of(doc) for doc in found]

    def content(self, bequest_id: str, document_id: str) -> tuple[BequestDocument, bytes] | None:
        oid = object_id(document_id)
        stored = self.documents.find_one({"_id": oid, "bequest_id": bequest_id}) if oid else None
        return None if stored is None else (_document_of(stored), bytes(stored["content"]))
