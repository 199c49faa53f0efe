"""Decide what a chunk of valid rows does to the households: create, update, or leave alone.

Per chunk, :meth:`HouseholdWriter.plan` looks up what the chunk's import keys (and
registry ids) hold and decides; :meth:`HouseholdWriter.commit` sends one unordered
``bulk_write``: ``InsertOne`` for new households, ``UpdateOne`` by ``_id`` for changed
ones; never a write per row. Each write carries its event in ``_outbox``
(``household_registered`` / ``household_updated``), so a change exists exactly with its
event; the relay's markers follow in one batch insert. Unchanged rows send nothing.

Creates are inserts, not upserts: an insert that meets a household created meanwhile
under the same import key fails on the unique index and is reported (``ref_conflict``),
never counted as created.

The store (:class:`ImportStore`, in production
``registry.adapters.households.ImportedHouseholds``) looks up with one ``$in`` on the
``import_key`` index and one on ``_id`` per chunk, and sends the writes; then the
blocking keys' household counts the written creates and member changes move, in one batch.

Scope: ``within`` is the caller's area. A row whose area lies outside it, or a
``household_id`` outside it (reported as unknown: an import never confirms that a
household exists elsewhere), is refused. An import never moves a household to another
area (``area_change_not_allowed``) nor touches a merged one (``household_merged``).

Concurrency: updates match ``_id`` alone, so an edit
made between the lookup and the write is overwritten by the import, with both events
published; two imports of one source should not run at once (the service runs them
one at a time per source), and if they do, the loser's creates fail as ``ref_conflict``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from bson import ObjectId
from pymongo import InsertOne, UpdateOne

from common import areas, clock
from common.pii import NationalIdProtector
from registry.importing.errors import RowError
from registry.importing.rows import ValidRow
from registry.importing.stored import (
    Prepared,
    changed_fields,
    check_source,
    new_document,
    prepare,
    update_document,
)

DUPLICATE_KEY = 11000


class Stored(NamedTuple):
    """What the lookup needs to know of a stored household at first."""

    id: ObjectId
    content_hash: str | None


ImportWrite = InsertOne[Any] | UpdateOne


class ImportStore(Protocol):
    """The households collection as an import sees it (``registry.adapters.households.ImportedHouseholds``)."""

    def keyed(self, keys: Sequence[str]) -> dict[str, Stored]:
        """The households holding these import keys."""

    def documents(self, ids: Sequence[ObjectId]) -> dict[ObjectId, dict[str, Any]]:
        """These households in full (history and outbox aside)."""

    def write(self, ops: Sequence[ImportWrite]) -> dict[int, dict[str, Any]]:
        """Send ``ops`` in one unordered bulk write; the errors by op index."""

    def mark(self, ids: Iterable[ObjectId]) -> None:
        """The relay's markers of households written with an event."""

    def count_keys(self, deltas: Mapping[str, int]) -> None:
        """Add each delta to the count of households holding that blocking key."""


@dataclass
class ChunkResult:
    """What a chunk did (or, in a dry run, would do); ``changed_ids`` are created or updated households."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)


class ChunkPlan:
    """A chunk decided but not yet written: the operations, the row of each, what each counts as."""

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.ops: list[InsertOne[Any] | UpdateOne] = []
        self.rows: list[int] = []
        self.kinds: list[str] = []  # "created", "updated" or "unchanged" (a silent re-binding)
        self.ids: list[ObjectId] = []
        self.keys: list[Counter[str]] = []  # each op's change to the blocking keys' household counts
        self.result = ChunkResult()

    def refuse(self, prepared: Prepared, field_name: str | None, code: str, message: str) -> None:
        self.result.errors.append(RowError(row=prepared.row.row, field=field_name, code=code, message=message))

    def add(
        self,
        prepared: Prepared,
        op: InsertOne[Any] | UpdateOne,
        kind: str,
        household_id: ObjectId,
        keys: Counter[str] | None = None,
    ) -> None:
        self.ops.append(op)
        self.rows.append(prepared.row.row)
        self.kinds.append(kind)
        self.ids.append(household_id)
        self.keys.append(keys or Counter())

    def drop(self, index: int) -> int:
        """Take operation ``index`` out (it failed); return its row."""
        row = self.rows[index]
        for column in (self.ops, self.rows, self.kinds, self.ids, self.keys):
            del column[index]
        return row

    def key_changes(self) -> Counter[str]:
        """The blocking keys' household counts changed by the operations kept."""
        total: Counter[str] = Counter()
        for keys in self.keys:
            total.update(keys)
        return total

    def outcome(self) -> ChunkResult:
        result = self.result
        for kind, oid in zip(self.kinds, self.ids, strict=True):
            if kind == "created":
                result.created += 1
            elif kind == "updated":
                result.updated += 1
            else:
                result.unchanged += 1
            if kind != "unchanged":
                result.changed_ids.append(str(oid))
        result.errors.sort(key=lambda e: e.row or 0)
        return result


class HouseholdWriter:
    """Writes chunks of one import run (one source, one caller) through ``store``.

    ``plan`` (validation against the stored state, protection of national ids, the
    documents to write: CPU and reads) and ``commit`` (the writes) are separate, so a run
    can plan chunk n+1 while chunk n is being written; ``apply`` does both.
    """

    def __init__(
        self,
        store: ImportStore,
        *,
        source: str,
        user_id: str,
        protector: NationalIdProtector,
        within: str = areas.NATIONAL,
    ) -> None:
        self.store = store
        self.source = check_source(source)
        self.user_id = user_id
        self.protector = protector
        self.within = areas.validate(within)

    def apply(self, rows: Sequence[ValidRow], dry_run: bool) -> ChunkResult:
        return self.commit(self.plan(rows, dry_run))

    def plan(self, rows: Sequence[ValidRow], dry_run: bool) -> ChunkPlan:
        now = clock.now()
        plan = ChunkPlan(dry_run)
        prepared = []
        for row in rows:
            item = prepare(row, self.source, self.protector)
            if areas.contains(self.within, item.area):
                prepared.append(item)
            else:
                plan.refuse(item, "area", "outside_area", "the area is outside yours")
        self._decide(prepared, plan, now)
        return plan

    def commit(self, plan: ChunkPlan) -> ChunkResult:
        if not plan.dry_run and plan.ops:
            self._write(plan)
        return plan.outcome()

    def _decide(self, prepared: list[Prepared], plan: ChunkPlan, now: datetime) -> None:
        keyed = self.store.keyed([p.key for p in prepared])
        wanted = [ObjectId(p.row.household_id) for p in prepared if p.row.household_id]
        wanted += [s.id for p in prepared if (s := keyed.get(p.key)) and s.content_hash != p.content_hash]
        documents = self.store.documents(list(dict.fromkeys(wanted)))
        for item in prepared:
            held = keyed.get(item.key)
            if item.row.household_id is None:
                if held is None:
                    oid = ObjectId()
                    document = new_document(item, oid, self.user_id, now)
                    plan.add(item, InsertOne(document), "created", oid, Counter(document["dedup_keys"]))
                elif held.content_hash == item.content_hash:
                    plan.result.unchanged += 1
                else:
                    self._change(item, documents.get(held.id), plan, now)
                continue
            doc = documents.get(ObjectId(item.row.household_id))
            if doc is None or not areas.contains(self.within, doc["area"]):
                plan.refuse(item, "household_id", "unknown_household_id", "no such household in your area")
            elif held is not None and held.id != doc["_id"]:
                plan.refuse(item, "household_ref", "ref_conflict", "this reference already names another household")
            elif doc.get("import_key") not in (None, item.key):
                plan.refuse(item, "household_id", "ref_conflict", "the household is bound to another reference")
            else:
                self._change(item, doc, plan, now)

    def _change(self, item: Prepared, doc: dict[str, Any] | None, plan: ChunkPlan, now: datetime) -> None:
        if doc is None:
            plan.refuse(item, "household_ref", "ref_conflict", "the household changed during the import: re-import")
            return
        if doc.get("content_hash") == item.content_hash and doc.get("import_key") == item.key:
            plan.result.unchanged += 1
        elif not areas.contains(self.within, doc["area"]):
            plan.refuse(item, "household_ref", "ref_conflict", "this reference names a household outside your area")
        elif doc.get("status") == "merged":
            plan.refuse(item, "household_ref", "household_merged", "the household was merged into another one")
        elif doc["area"] != item.area:
            plan.refuse(item, "area", "area_change_not_allowed", "an import does not move a household")
        else:
            fields = changed_fields(doc, item.content)
            update = update_document(item, doc["_id"], fields, self.source, self.user_id, now)
            kind = "updated" if fields else "unchanged"
            plan.add(item, UpdateOne({"_id": doc["_id"]}, update), kind, doc["_id"], _key_changes(doc, update))

    def _write(self, plan: ChunkPlan) -> None:
        failed = self.store.write(plan.ops)
        for index in sorted(failed, reverse=True):
            error = failed[index]
            if error.get("code") == DUPLICATE_KEY:
                code, message = "ref_conflict", "this reference was taken meanwhile (another import?)"
            else:
                code, message = "write_failed", str(error.get("errmsg", "the database refused the write"))[:200]
            plan.result.errors.append(RowError(row=plan.drop(index), field=None, code=code, message=message))
        self.store.count_keys({key: n for key, n in plan.key_changes().items() if n})
        self._mark(oid for oid, kind in zip(plan.ids, plan.kinds, strict=True) if kind != "unchanged")

    def _mark(self, ids: Iterable[ObjectId]) -> None:
        self.store.mark(ids)


def _key_changes(stored: Mapping[str, Any], update: Mapping[str, Any]) -> Counter[str]:
    """The blocks an update moves the household between: its old keys leave, its new ones join."""
    new = update["$set"].get("dedup_keys")
    if new is None:
        return Counter()
    changes = Counter(new)
    changes.subtract(stored.get("dedup_keys") or [])
    return changes
