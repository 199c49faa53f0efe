"""The ``households`` collection: its only writer, and the owner of its indexes.

Everything that reads or writes a household goes through this module: registration,
edits, merges and the review decisions (:class:`MongoHouseholdRepository`), the bulk
writes of an import (:class:`ImportedHouseholds`), an assessment and its score
(:class:`HouseholdScores`) and the streamed recompute of every score
(:func:`recompute_all`). Each write carries its event in the document's outbox
(``common.nameko_ext.outbox``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument, UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from common import areas, clock, scoping
from common.contracts.assessment import Assessment
from common.contracts.events import ScoreChanged
from common.contracts.households import HouseholdFilter, HouseholdUpdate
from common.deadlocks import ATTEMPTS, is_write_conflict_entry, pause
from common.errors import NotFound
from common.idempotency import KeyedRequest, insert_once
from common.nameko_ext import outbox
from common.scope import Scope
from registry.adapters.collections_paced import collections_paced
from registry.adapters.documents import Household as HouseholdDocument
from registry.dedup import DEFAULT_POLICY, oversized
from registry.domain.household import Household, Page
from registry.duplicates import COMPARED_MEMBER_FIELDS
from registry.facts import PROJECTION, household_facts
from registry.importing.writer import ImportWrite, Stored
from registry.scoring.batch import PROJECTION as SCORING_PROJECTION
from registry.scoring.batch import RecomputeReport, Rescore, ScoreChange, rescore
from registry.scoring.model import ScoringModel

log = logging.getLogger(__name__)

FACTS_PROJECTION = PROJECTION | {"members.national_id_hash": 1}
FACTS_BATCH = 2000  # documents per database round trip when streaming facts
IMPORT_DOCUMENT_FIELDS = {"history": 0, outbox.OUTBOX_FIELD: 0}
SCREEN_FIELDS = {"area": 1, "members": 1, "dedup_keys": 1}
COMPARED_FIELDS = {"area": 1, "dedup_keys": 1} | {f"members.{name}": 1 for name in COMPARED_MEMBER_FIELDS}
"""What screening reads of a candidate: what the comparison needs, no ciphertext, history or outbox."""
DUPLICATE_KEY = 11000
BLOCKS = "blocking_blocks"
BLOCKS_MIGRATION = "blocking_blocks.counted"


def entity(doc: HouseholdDocument) -> Household:
    """The household of a document read through mongoengine (its defaults filled in as it stores them)."""
    return Household.from_document(doc.to_mongo().to_dict())


def current_category(category: str, today: date) -> dict[str, Any]:
    """A member belongs to ``category`` on ``today`` (validity dates are stored as ISO text)."""
    day = today.isoformat()
    period = {"valid_from": {"$lte": day}, "$or": [{"valid_until": None}, {"valid_until": {"$gte": day}}]}
    return {"members.categories": {"$elemMatch": {"category": category, **period}}}


def list_query(scope: Scope, filters: HouseholdFilter, today: date) -> dict[str, Any]:
    """The Mongo filter of a household list: scope, then each filter given (categories held on ``today``)."""
    inside = scoping.within(scope)
    query: dict[str, Any] = dict(inside)
    if filters.area:
        query = {"$and": [inside, {"area_ancestors": filters.area}]}
    if filters.status:
        query["status"] = filters.status
    else:
        query["status"] = {"$ne": "merged"}
    if filters.category:
        query |= current_category(filters.category, today)
    bounds = {op: v for op, v in (("$gte", filters.score_min), ("$lte", filters.score_max)) if v is not None}
    if bounds:
        query["score.score"] = bounds
    if filters.band:
        query["score.band"] = filters.band
    if filters.after and (after := _object_id(filters.after)):
        query["_id"] = {"$gt": after}
    return query


def _object_id(value: str) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def areas_of(database: Database[Any], household_ids: Iterable[str]) -> dict[str, str]:
    """The area of each of these households that exists (merged or not), by id."""
    ids = [oid for oid in (_object_id(h) for h in household_ids) if oid is not None]
    found = database["households"].find({"_id": {"$in": ids}}, {"area": 1})
    return {str(doc["_id"]): doc["area"] for doc in found}


def sharing(households: Collection[Any], keys: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """At most ``limit`` households (merged aside) holding one of ``keys`` whose block is not oversized.

    The blocks' sizes come from :class:`BlockCounts` (one ``_id`` lookup), the households
    through the ``dedup_keys`` index, with the fields the comparison reads: the work is
    bounded by the blocks kept, however large the registry grows.
    """
    return holding(households, BlockCounts(households.database).searchable(keys), limit)


def holding(households: Collection[Any], keys: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """At most ``limit`` households (merged aside) holding one of ``keys``, with the fields the comparison reads."""
    if not keys:
        return []
    query = {"dedup_keys": {"$in": list(keys)}, "status": {"$ne": "merged"}}
    return list(households.find(query, COMPARED_FIELDS).limit(limit))


class BlockCounts:
    """How many households hold each blocking key (``blocking_blocks``: ``{_id: key, households: n}``).

    Kept by this module's writes: ``$inc`` once a household with keys is created, its keys
    change or it is merged (its keys cleared). Exact under concurrent writers (``$inc`` is
    atomic; an upsert that lost the race to create a key's counter is sent again). A key
    absent from the collection is held by no household.
    """

    def __init__(self, database: Database[Any]) -> None:
        self.blocks = database[BLOCKS]
        self.database = database

    def add(self, keys: Iterable[str], by: int = 1) -> None:
        """Count ``by`` more households in the blocks of ``keys`` (negative: fewer)."""
        self.change(dict.fromkeys(keys, by))

    def change(self, deltas: Mapping[str, int]) -> None:
        """Add each delta to its key's block, in one unordered bulk write (keys in order: fewer lock waits)."""
        ops = [
            UpdateOne({"_id": key}, {"$inc": {"households": delta}}, upsert=True)
            for key, delta in sorted(deltas.items())
            if delta
        ]
        failed = bulk_write_settled(self.blocks, ops, upsert=True)
        if failed:
            raise RuntimeError(f"block counts not written: {list(failed.values())[:3]}")

    def searchable(self, keys: Iterable[str], max_block: int = DEFAULT_POLICY.max_block) -> list[str]:
        """``keys`` but those whose block is oversized (``registry.dedup.oversized``), in order."""
        wanted = sorted(set(keys))
        sizes = self.sizes(wanted)
        return [key for key in wanted if not oversized(sizes.get(key, 0), max_block)]

    def sizes(self, keys: Iterable[str]) -> dict[str, int]:
        """The households counted in each of these keys' blocks (a key held by none is absent), by ``_id``."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        return {doc["_id"]: doc["households"] for doc in self.blocks.find({"_id": {"$in": wanted}}, {"households": 1})}

    @staticmethod
    def count_once(database: Database[Any]) -> None:
        """Count the blocks of a registry stored before they were counted; once per database.

        One aggregation over the ``dedup_keys`` of the households (merged ones hold none)
        replaces the collection; a marker in ``migrations`` records that it was done.
        """
        migrations = database["migrations"]
        if migrations.find_one({"_id": BLOCKS_MIGRATION}) is not None:
            return
        BlockCounts.recount(database)
        migrations.update_one({"_id": BLOCKS_MIGRATION}, {"$set": {"at": clock.now()}}, upsert=True)

    @staticmethod
    def recount(database: Database[Any]) -> None:
        """Count every block again from the households (while no household is written)."""
        database[BLOCKS].delete_many({})
        pipeline: list[dict[str, Any]] = [
            {"$match": {"dedup_keys.0": {"$exists": True}, "status": {"$ne": "merged"}}},
            {"$project": {"_id": 0, "dedup_keys": 1}},
            {"$unwind": "$dedup_keys"},
            {"$group": {"_id": "$dedup_keys", "households": {"$sum": 1}}},
        ]
        counted = database["households"].aggregate(pipeline, allowDiskUse=True)
        while batch := list(islice(counted, 5000)):
            database[BLOCKS].insert_many(batch, ordered=False)


def bulk_write_settled(
    collection: Collection[Any], ops: Sequence[Any], *, upsert: bool = False
) -> dict[int, dict[str, Any]]:
    """One unordered bulk write; the errors by op index, once the ops the database refused
    without deciding (a deadlock between racing writes; with ``upsert``, an upsert that lost
    the race to create its document) were sent again, alone."""
    failed: dict[int, dict[str, Any]] = {}
    pending = list(range(len(ops)))
    for attempt in range(1, ATTEMPTS + 1):
        if not pending:
            return failed
        try:
            collection.bulk_write([ops[index] for index in pending], ordered=False)
            return failed
        except BulkWriteError as exc:
            errors = {pending[error["index"]]: error for error in exc.details.get("writeErrors", [])}
        failed.update(errors)
        pending = [index for index, error in errors.items() if _undecided(error, upsert)]
        if not pending or attempt == ATTEMPTS:
            return failed
        for index in pending:
            del failed[index]
        pause(attempt)
    return failed


def _undecided(error: Mapping[str, Any], upsert: bool) -> bool:
    lost_race = error.get("code") == DUPLICATE_KEY or "violates exclusion constraint" in str(error.get("errmsg", ""))
    return is_write_conflict_entry(error) or (upsert and lost_race)


class MongoHouseholdRepository:
    """mongoengine-backed repository; the event is written with the household (outbox)."""

    def __init__(self, database: Database[Any]) -> None:
        self.database = database

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        HouseholdDocument.ensure_indexes()
        BlockCounts.count_once(database)

    def new_id(self) -> str:
        return str(ObjectId())

    def candidates(self, keys: list[str], limit: int) -> list[dict[str, Any]]:
        return sharing(self.database["households"], keys, limit)

    def register(self, household: Household, idempotency_key: KeyedRequest) -> tuple[Household, bool]:
        doc = HouseholdDocument(
            id=ObjectId(household.id),
            status=household.status,
            dedup_keys=list(household.dedup_keys),
            area=household.area,
            area_ancestors=areas.ancestors(household.area),
            address=household.address,
            household_ref=household.household_ref,
            provenance=household.provenance,
            consent=household.consent,
            members=[member.document() for member in household.members],
            created_at=household.created_at,
            created_by=household.created_by,
        )
        doc.outbox = [outbox.entry(household.registered_event())]
        stored = insert_once(doc, idempotency_key)
        created = str(stored.pk) == household.id
        if created:
            BlockCounts(self.database).add(household.dedup_keys)
        outbox.mark(self.database, "households", [stored.pk])
        return entity(stored), created

    def stream(self, scope: Scope) -> Iterator[dict[str, Any]]:
        query = {**scoping.within(scope), "status": {"$ne": "merged"}}
        return iter(self.database["households"].find(query, {"area": 1, "members": 1}).batch_size(2000))

    def merge(self, survivor_id: str, merged_id: str, user_id: str) -> Household:
        survivor, merged = self.get(survivor_id), self.get(merged_id)
        if survivor is None or merged is None:
            raise NotFound("household not found")
        if merged.is_merged:
            return survivor
        now = clock.now()
        merge = merged.merge_into(survivor, user_id, now)
        HouseholdDocument.objects(id=ObjectId(survivor.id)).update_one(
            push__history=merge.journal, updated_at=now, updated_by=user_id, **merge.adopted
        )
        retired = HouseholdDocument.objects(id=ObjectId(merged.id), status__ne="merged").update_one(
            status="merged",
            merged_into=survivor.id,
            dedup_keys=[],
            updated_at=now,
            updated_by=user_id,
            push__history=merge.retirement,
            push__outbox=outbox.entry(merge.event),
        )
        if retired:  # the merged household's keys leave their blocks once, whoever merged it
            BlockCounts(self.database).add(merged.dedup_keys, -1)
        outbox.mark(self.database, "households", [ObjectId(merged.id)])
        return entity(HouseholdDocument.objects(id=ObjectId(survivor.id)).get())

    def activate(self, household_id: str, user_id: str) -> None:
        now = clock.now()
        HouseholdDocument.objects(id=_object_id(household_id), status="held_for_review").update_one(
            status="active", updated_at=now, updated_by=user_id
        )

    def raw_status(self, household_id: str) -> dict[str, Any] | None:
        oid = _object_id(household_id)
        fields = {"area": 1, "status": 1, "created_by": 1}
        return self.database["households"].find_one({"_id": oid}, fields) if oid else None

    def get(self, household_id: str) -> Household | None:
        oid = _object_id(household_id)
        doc = HouseholdDocument.objects(id=oid).first() if oid else None
        return entity(doc) if doc else None

    def facts(self, household_id: str, day: date) -> dict[str, Any] | None:
        collection = self.database["households"]
        oid = _object_id(household_id)
        doc = collection.find_one({"_id": oid}, FACTS_PROJECTION | {"merged_into": 1}) if oid else None
        if doc is not None and doc.get("status") == "merged" and doc.get("merged_into"):
            doc = collection.find_one({"_id": _object_id(doc["merged_into"])}, FACTS_PROJECTION)
        if doc is None:
            return None
        hashes = [m["national_id_hash"] for m in doc.get("members") or () if m.get("national_id_hash")]
        related_query: list[dict[str, Any]] = [{"merged_into": str(doc["_id"])}]
        if hashes:
            related_query.append({"members.national_id_hash": {"$in": hashes}})
        related = collection.find({"$or": related_query, "_id": {"$ne": doc["_id"]}}, {"_id": 1})
        return household_facts(doc, day, [str(r["_id"]) for r in related])

    def facts_stream(self, area: str, day: date) -> Iterator[dict[str, Any]]:
        query = {"area_ancestors": area, "status": {"$ne": "merged"}}
        with collections_paced():
            for doc in self.database["households"].find(query, FACTS_PROJECTION, batch_size=FACTS_BATCH):
                yield household_facts(doc, day)

    def count(self, scope: Scope) -> int:
        return self.database["households"].count_documents({**scoping.within(scope), "status": {"$ne": "merged"}})

    def list(self, scope: Scope, filters: HouseholdFilter) -> Page:
        query = HouseholdDocument.objects(__raw__=list_query(scope, filters, datetime.now(UTC).date())).order_by("id")
        docs = list(query.limit(filters.limit + 1))
        more = len(docs) > filters.limit
        docs = docs[: filters.limit]
        return Page([entity(doc) for doc in docs], str(docs[-1].pk) if more else None)

    def update(self, household_id: str, scope: Scope, changes: HouseholdUpdate, user_id: str) -> Household | None:
        oid = _object_id(household_id)
        if oid is None:
            return None
        now = clock.now()
        edit = Household.edit(household_id, changes.model_dump(), user_id, now)
        doc = HouseholdDocument.objects(id=oid, **scoping.within(scope)).modify(
            new=True,
            updated_at=now,
            updated_by=user_id,
            push__history=edit.history,
            push__outbox=outbox.entry(edit.event),
            **edit.values,
        )
        if doc is None:
            return None
        outbox.mark(self.database, "households", [doc.pk])
        return entity(doc)

    def imports(self) -> ImportedHouseholds:
        return ImportedHouseholds(self.database["households"])


class ImportedHouseholds:
    """The households collection as a bulk import sees it (``registry.importing.writer`` plans the writes).

    Lookups are one ``$in`` query per call, through the ``import_key`` or ``_id`` index;
    writes are one unordered ``bulk_write`` per chunk, then the relay's markers in one batch.
    """

    def __init__(self, collection: Collection[Any]) -> None:
        self.collection = collection

    @staticmethod
    def ensure_indexes(collection: Collection[Any]) -> None:
        """The unique import key (``registry.adapters.documents.Household`` declares the same index)."""
        collection.create_index("import_key", unique=True, sparse=True)

    def keyed(self, keys: Sequence[str]) -> dict[str, Stored]:
        """The households holding these import keys."""
        if not keys:
            return {}
        docs = self.collection.find({"import_key": {"$in": list(keys)}}, {"import_key": 1, "content_hash": 1})
        return {doc["import_key"]: Stored(doc["_id"], doc.get("content_hash")) for doc in docs}

    def documents(self, ids: Sequence[ObjectId]) -> dict[ObjectId, dict[str, Any]]:
        """These households in full (history and outbox aside)."""
        if not ids:
            return {}
        return {doc["_id"]: doc for doc in self.collection.find({"_id": {"$in": list(ids)}}, IMPORT_DOCUMENT_FIELDS)}

    def write(self, ops: Sequence[ImportWrite]) -> dict[int, dict[str, Any]]:
        """One unordered bulk write; the errors by op index, once the ops the database refused
        without deciding (a deadlock between racing creates) were sent again, alone."""
        return bulk_write_settled(self.collection, ops)

    def count_keys(self, deltas: Mapping[str, int]) -> None:
        """The written households' keys in their blocks' counts (``BlockCounts``)."""
        BlockCounts(self.collection.database).change(deltas)

    def mark(self, ids: Iterable[ObjectId]) -> None:
        """The relay's markers of households written with an event."""
        outbox.mark(self.collection.database, self.collection.name, ids)

    def screened(self, ids: Sequence[ObjectId]) -> list[dict[str, Any]]:
        """``area``, ``members`` and ``dedup_keys`` of these households, by ``_id``."""
        return sorted(self.collection.find({"_id": {"$in": list(ids)}}, SCREEN_FIELDS), key=lambda doc: doc["_id"])

    def block_sizes(self, keys: Sequence[str]) -> dict[str, int]:
        """How many households hold each of these blocking keys (absent: none), from ``BlockCounts``."""
        return BlockCounts(self.collection.database).sizes(keys)

    def holding(self, keys: Sequence[str], limit: int) -> list[dict[str, Any]]:
        """At most ``limit`` households (merged aside) holding one of ``keys``, all searched: the caller chose them."""
        return holding(self.collection, keys, limit)

    def hold(self, household_id: ObjectId) -> None:
        """A created household probably registered already waits for its review."""
        self.collection.update_one({"_id": household_id}, {"$set": {"status": "held_for_review"}})


# --- assessments and scores ------------------------------------------------------------

ASSESSED_FIELDS = {"area": 1, "status": 1, "merged_into": 1, "assessment": 1, "score": 1}
Progress = Callable[[int, int], None]


def _score_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return bool(old.get("score") != new["score"] or old.get("band") != new["band"])


def score_event(household_id: str, area: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The outbox entry announcing a household's new score (``old`` is ``{}`` if it had none)."""
    return outbox.entry(
        ScoreChanged(
            household_id=household_id,
            area=area,
            model_version=new["model_version"],
            score=new["score"],
            band=new["band"],
            old_score=old.get("score"),
            old_band=old.get("band"),
        )
    )


class HouseholdScores:
    """A household's assessment and score: written together with the history entry and, when the
    score or band changes, the ``score_changed`` event, in one single-document update."""

    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.households = database["households"]

    def assessed(self, household_id: str) -> dict[str, Any] | None:
        """Raw ``_id, area, status, merged_into, assessment, score`` of a household, merged or not."""
        oid = _object_id(household_id)
        return self.households.find_one({"_id": oid}, ASSESSED_FIELDS) if oid else None

    def history(self, household_id: Any) -> list[dict[str, Any]]:
        """The household's history entries (``[]`` if there is no such household)."""
        doc = self.households.find_one({"_id": household_id}, {"history": 1}) or {}
        return list(doc.get("history") or ())

    def set_assessment(
        self,
        household: dict[str, Any],
        assessment: Assessment,
        stored: dict[str, Any],
        user_id: str,
        request: str,
        at: datetime,
    ) -> None:
        """Store ``assessment`` and its ``stored`` score on ``household`` (as read by :meth:`assessed`).

        The history entry names ``request`` and is added once (``$addToSet``), so two deliveries
        of one request write one entry. NotFound if the household is gone.
        """
        oid, area = household["_id"], household["area"]
        old = household.get("score") or {}
        entry = {
            "at": at,
            "by": user_id,
            "request": request,
            "assessed": {  # what was concluded, not the answers: those may reveal health or violence
                "assessed_at": assessment.assessed_at,
                **{k: stored[k] for k in ("model_version", "score", "band", "inputs_hash")},
            },
        }
        update: dict[str, Any] = {
            "$set": {"assessment": assessment.model_dump(), "score": stored, "updated_at": at, "updated_by": user_id},
            "$addToSet": {"history": entry},
        }
        event = score_event(str(oid), area, old, stored) if _score_changed(old, stored) else None
        if event is not None:
            update["$push"] = {outbox.OUTBOX_FIELD: event}
        before = self.households.find_one_and_update({"_id": oid}, update, return_document=ReturnDocument.BEFORE)
        if before is None:
            raise NotFound("household not found")
        seen = before.get("score") or {}
        if event is None and _score_changed(seen, stored):
            # Another write changed the score between our read and our write: announce ours.
            event = score_event(str(oid), area, seen, stored)
            self.households.update_one({"_id": oid}, {"$push": {outbox.OUTBOX_FIELD: event}})
        if event is not None:
            outbox.mark(self.database, "households", [oid])

    def recompute(self, model: ScoringModel, scope: Scope | None, progress: Progress) -> RecomputeReport:
        """Score every assessed household in ``scope`` (all if ``None``) with ``model``; events for changes."""
        events = _RecomputeEvents(self.database)

        def batch_done(done: int, total: int) -> None:
            events.flush()
            progress(done, total)

        # Households never assessed hold an empty assessment (mongoengine writes {}); merged ones are done with.
        within = scoping.within(scope) if scope is not None else {}
        assessed = {**within, "assessment.family": {"$exists": True}, "status": {"$ne": "merged"}}
        try:
            return recompute_all(self.database, model, batch_done, outbox_event=events, scope=assessed)
        finally:
            events.flush()


class _RecomputeEvents:
    """The ``outbox_event`` hook of a recompute, and the outbox markers of what it wrote.

    The run's scope leaves merged households out, and each change carries its area.
    Markers are written after each batch, once its updates are in.
    """

    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.pending: list[Any] = []

    def __call__(self, change: ScoreChange) -> dict[str, Any] | None:
        self.pending.append(_object_id(change.household_id) or change.household_id)
        old = {"score": change.old_score, "band": change.old_band}
        new = {"model_version": change.model_version, "score": change.new_score, "band": change.new_band}
        return score_event(change.household_id, change.area or "", old, new)

    def flush(self) -> None:
        if self.pending:
            outbox.mark(self.database, "households", self.pending)
            self.pending = []


OutboxEvent = Callable[[ScoreChange], dict[str, Any] | None]
RECOMPUTE_WRITE_BATCH = 1000  # updates per command


def recompute_all(
    database: Database[Any],
    model: ScoringModel,
    progress: Progress,
    batch_size: int = 5000,
    *,
    outbox_event: OutboxEvent | None = None,
    write_batch: int = RECOMPUTE_WRITE_BATCH,
    scope: Mapping[str, Any] | None = None,
) -> RecomputeReport:
    """Score every assessed household with ``model``; write only what changes (see ``registry.scoring.batch``).

    ``progress(done, total)`` is called after each batch of ``batch_size`` households read
    (``total`` is the collection's estimated size, raised to ``done`` if it was short).
    ``write_batch`` is the number of updates per command.
    ``scope`` narrows the run to matching households, for one area
    (``{"area_ancestors": "/DZ/16"}``) or for one of several processes sharing the work.
    Each update also matches the ``inputs_hash`` it read: a household reassessed meanwhile
    is left alone (counted in ``conflicts``). An event from ``outbox_event`` is pushed by
    the same update that changes the score.
    """
    started = time.perf_counter()
    collection = database["households"]
    total = collection.count_documents(dict(scope)) if scope else collection.estimated_document_count()
    report = RecomputeReport(model.version, total)
    query = {**(scope or {}), "assessment": {"$exists": True}}
    with collections_paced():
        cursor = collection.find(query, SCORING_PROJECTION, batch_size=batch_size)
        while True:
            tick = time.perf_counter()
            docs = list(islice(cursor, batch_size))
            report.seconds["read"] += time.perf_counter() - tick
            if not docs:
                break
            tick = time.perf_counter()
            changes = rescore(docs, model, report)
            ops = [_rescore_update(change, outbox_event, report) for change in changes]
            report.seconds["compute"] += time.perf_counter() - tick
            tick = time.perf_counter()
            for start in range(0, len(ops), write_batch):
                chunk = ops[start : start + write_batch]
                result = collection.bulk_write(chunk, ordered=False)
                report.written += result.matched_count
                report.conflicts += len(chunk) - result.matched_count
            report.seconds["write"] += time.perf_counter() - tick
            report.seen += len(docs)
            progress(report.seen, max(report.estimated_total, report.seen))
    report.elapsed = time.perf_counter() - started
    log.info("scores recomputed", extra=report.as_dict())
    return report


def _rescore_update(change: Rescore, outbox_event: OutboxEvent | None, report: RecomputeReport) -> UpdateOne:
    """The guarded update of one rescored household, with its event if the hook gives one."""
    selector = {"_id": change.household_id, "score.inputs_hash": change.old.get("inputs_hash")}
    update: dict[str, Any] = {"$set": {"score": change.new}}
    report.band_changes += change.old.get("band") != change.new["band"]
    if outbox_event is not None and (event := outbox_event(change.change())) is not None:
        update["$push"] = {outbox.OUTBOX_FIELD: event}
        report.events += 1
    return UpdateOne(selector, update)
