"""Does a query read through an index? Ask the database with ``explain`` and classify its plan.

Two plan formats answer ``explain``:

- **MongoDB** describes the winning plan as a tree of stages (``stage``, ``inputStage``,
  ``inputStages``; ``queryPlan`` under the slot-based engine). ``COLLSCAN`` reads the whole
  collection; ``IXSCAN``, ``IDHACK``, ``COUNT_SCAN``, ``DISTINCT_SCAN`` and the express
  stages read through an index. Rejected plans are not what runs and are ignored.
- **FerretDB 2 over PostgreSQL with DocumentDB** answers with PostgreSQL's plan inside
  (``Node Type``, ``Plans``, under a ``Custom Scan``): ``Seq Scan`` reads the whole table,
  index, index-only and bitmap scans read through an index (``Index Name``). DocumentDB
  reads a whole collection through its ``_id_`` index with no condition but the shard
  key (``Index Cond: (shard_key_value = '4'::bigint)``): that is a collection scan too.

On both, an index read with no bounds (MongoDB's ``[MinKey, MaxKey]`` on every field,
PostgreSQL's index scan without a condition) walks the whole collection in index order
and counts as a collection scan.
- **FerretDB 1.x over SQLite** lists SQLite's query plan lines (``detail=SCAN <table>``
  reads the whole table, ``detail=SEARCH <table> USING INDEX ...`` an index); kept so that a
  test run on it says plainly that it scans.

A plan with a collection scan anywhere is a collection scan, whatever else it does. A plan
that shows neither kind (an engine that explains nothing useful) is ``unknown``, which a
test treats as no proof of index use.

:class:`CommandRecorder` captures the read commands a piece of code sends (through
pymongo's command monitoring), so a test can explain exactly the query a repository
builds instead of a copy of it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pymongo import monitoring
from pymongo.database import Database

# MongoDB stages that read through an index, and the one that reads the whole collection.
MONGO_INDEX_STAGES = frozenset(
    {"IXSCAN", "IDHACK", "COUNT_SCAN", "DISTINCT_SCAN", "EXPRESS_IXSCAN", "EXPRESS_IDHACK", "EXPRESS_CLUSTERED_IXSCAN"}
)
MONGO_SCAN_STAGES = frozenset({"COLLSCAN"})
# PostgreSQL node types (DocumentDB) that do the same.
PG_INDEX_NODES = frozenset({"Index Scan", "Index Only Scan", "Bitmap Index Scan"})
PG_SCAN_NODES = frozenset({"Seq Scan", "Parallel Seq Scan"})
WHOLE_COLLECTION = "index read of the whole collection"
SCAN_STEPS = MONGO_SCAN_STAGES | PG_SCAN_NODES | {"SQLITE_SCAN", WHOLE_COLLECTION}
INDEX_STEPS = MONGO_INDEX_STAGES | PG_INDEX_NODES | {"SQLITE_SEARCH"}
# DocumentDB's condition that only picks the collection's shard: no condition on the documents.
SHARD_ONLY = re.compile(r"\(*shard_key_value = '\d+'::bigint\)*")
WHOLE_INDEX = "[MinKey, MaxKey]"
# SQLite's EXPLAIN QUERY PLAN line, as FerretDB 1.x reports it.
SQLITE_STEP = re.compile(r"detail=(?P<step>SCAN|SEARCH) \S+(?: USING (?:COVERING )?INDEX (?P<index>\S+))?")
# Parts of an explain answer that are not the plan that runs.
NOT_THE_WINNER = frozenset({"rejectedPlans", "allPlansExecution", "command", "serverInfo", "parsedQuery"})
# Commands whose plan can be explained; the ones a repository reads with.
EXPLAINABLE = frozenset({"find", "aggregate", "count", "distinct", "findAndModify", "update", "delete"})
# Session and routing fields a driver adds to a command; explain takes the command without them.
DRIVER_FIELDS = frozenset(
    {"lsid", "$db", "$clusterTime", "$readPreference", "txnNumber", "autocommit", "startTransaction", "$query"}
)


class PlanKind(StrEnum):
    INDEX = "index"
    COLLECTION_SCAN = "collection_scan"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Plan:
    """What a winning plan does: its kind, the indexes it reads, the scan steps it has."""

    kind: PlanKind
    indexes: tuple[str, ...]
    steps: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.kind} (steps: {', '.join(self.steps) or '-'}; indexes: {', '.join(self.indexes) or '-'})"


def _nodes(value: Any) -> Iterator[Mapping[str, Any] | str]:
    """Every mapping and text inside an explain answer, the rejected plans and echoes left out."""
    if isinstance(value, Mapping):
        yield value
        for key, child in value.items():
            if key not in NOT_THE_WINNER:
                yield from _nodes(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _nodes(child)
    elif isinstance(value, str):
        yield value


def _step(node: Mapping[str, Any] | str) -> tuple[str, str | None] | None:
    """A plan step and the index it reads, or ``None`` for anything else."""
    if isinstance(node, str):
        found = SQLITE_STEP.search(node)
        if found is None:
            return None
        return ("SQLITE_SEARCH" if found["step"] == "SEARCH" else "SQLITE_SCAN"), found["index"]
    for key, index_key in (("stage", "indexName"), ("Node Type", "Index Name")):
        name = node.get(key)
        if isinstance(name, str):
            index = node.get(index_key)
            return (WHOLE_COLLECTION if _unbounded(node) else name), index if isinstance(index, str) else None
    return None


def _unbounded(node: Mapping[str, Any]) -> bool:
    """An index read that bounds nothing: it walks the whole collection."""
    if node.get("stage") == "IXSCAN":
        bounds = node.get("indexBounds")
        return isinstance(bounds, Mapping) and all(list(b) == [WHOLE_INDEX] for b in bounds.values())
    if node.get("Node Type") in PG_INDEX_NODES:
        condition = node.get("Index Cond")
        return not isinstance(condition, str) or SHARD_ONLY.fullmatch(condition.strip()) is not None
    return False


def classify(explained: Mapping[str, Any]) -> Plan:
    """The kind of the winning plan in an ``explain`` answer of MongoDB or DocumentDB."""
    steps: list[str] = []
    indexes: list[str] = []
    scans = index_reads = 0
    for node in _nodes(explained):
        found = _step(node)
        if found is None:
            continue
        step, index = found
        steps.append(step)
        if step in SCAN_STEPS:
            scans += 1
        elif step in INDEX_STEPS:
            index_reads += 1
        if index is not None:
            indexes.append(index)
    kind = PlanKind.COLLECTION_SCAN if scans else PlanKind.INDEX if index_reads else PlanKind.UNKNOWN
    return Plan(kind, tuple(dict.fromkeys(indexes)), tuple(steps))


def as_read(command: Mapping[str, Any]) -> dict[str, Any]:
    """The command as explain takes it: driver fields dropped; a write as the ``find`` of what it selects.

    FerretDB 2 does not explain writes; the documents a write selects are found as a
    ``find`` with its filter (and sort) would find them, on every engine.
    """
    bare = {k: v for k, v in command.items() if k not in DRIVER_FIELDS}
    if "findAndModify" in bare:
        found = {"find": bare["findAndModify"], "filter": bare.get("query", {}), "limit": 1}
        return found | ({"sort": bare["sort"]} if "sort" in bare else {})
    for write, statements, key in (("update", "updates", "q"), ("delete", "deletes", "q")):
        if write in bare and isinstance(bare.get(statements), list) and len(bare[statements]) == 1:
            return {"find": bare[write], "filter": bare[statements][0][key]}
    return bare


def explain_command(database: Database[Any], command: Mapping[str, Any]) -> dict[str, Any]:
    """The ``explain`` answer (``queryPlanner`` verbosity: nothing is executed) of a command."""
    return dict(database.command({"explain": as_read(command), "verbosity": "queryPlanner"}))


def explain(database: Database[Any], command: Mapping[str, Any]) -> Plan:
    """The classified plan of a command (as :class:`CommandRecorder` captured it) on ``database``."""
    return classify(explain_command(database, command))


@dataclass(frozen=True)
class Recorded:
    database: str
    name: str
    command: dict[str, Any]


class CommandRecorder(monitoring.CommandListener):
    """Keeps the explainable commands a client sends; pass it in ``MongoClient(event_listeners=[...])``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._commands: list[Recorded] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in EXPLAINABLE:
            with self._lock:
                self._commands.append(Recorded(event.database_name, event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def take(self) -> list[Recorded]:
        """The commands recorded since the last call."""
        with self._lock:
            taken, self._commands = self._commands, []
        return taken
