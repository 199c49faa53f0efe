"""Database benchmark (``make bench-db``): the registry's reads, scans, imports and batch jobs.

Run from the repository root against the database at ``MONGO_URI``::

    .venv/bin/python -m bench.db_bench [--households 100000] [--smoke]

Every figure is printed next to a baseline measured in the same run, on fresh ``bench_db``
databases (dropped at the end):

A. **reads** at two registry sizes (a tenth of ``--households``, then all of them):
   by ``_id`` through the registry's repository (``get``, ``facts`` with its related
   households) next to a raw ``find_one``; by an indexed field (the import key through
   the import's lookup) next to a raw ``find_one``. p50/p99 must stay flat from the
   small size to the large one: a read that grows with N is a scan.
B. **projected full scan** of the facts an eligibility run reads (the repository's
   stream) next to a raw ``find`` with the same projection and one of ``_id`` alone.
   Goal: at least 100,000 documents/s.
C. **bulk import with duplicate screening** into the full registry: rows/s of the first
   and the last chunks (goal: the end at least 0.8x the start) next to raw ``insert_many``
   of the same documents (goal: at least 0.3x). The registry's clones share no blocking key
   with the import; ``--neighbours N`` first adds N households of the import's own population
   (same name pools, other people), so the screening meets populated blocks from the start.
D. **score recompute** and E. **eligibility run** over ``--households`` households, next
   to a raw read of what each reads (``bench.score_bench``, ``bench.eligibility_bench``).

Households have the real stored shape: the import's own functions build them from a
synthetic survey (``bench.import_bench``), cloned with their own ids and keys.
``--smoke`` runs everything at tiny sizes in seconds (it checks the bench, measures nothing).
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mongoengine
from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database

from bench import eligibility_bench, import_bench, score_bench
from common.contracts.facts import column_pages
from common.pii import NationalIdProtector
from registry.adapters.households import FACTS_PROJECTION, BlockCounts, ImportedHouseholds, MongoHouseholdRepository
from registry.adapters.reviews import MongoReviewRepository
from registry.importing.formats import RawRow, read_rows
from registry.importing.job import run_import
from registry.importing.rows import ValidRow
from registry.importing.stored import new_document, prepare
from registry.importing.writer import ChunkPlan, ChunkResult, HouseholdWriter
from registry.scoring.model import builtin_models

MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
DB, RAW_DB = "bench_db_registry", "bench_db_raw"
SOURCE = "bench-db-survey"
TEMPLATES = 2000  # distinct households built by the import's functions; the rest are clones
SEED_BATCH = 10_000
SCAN_GOAL = 100_000.0
IMPORT_CHUNK = 1000


@dataclass(frozen=True)
class Latency:
    label: str
    size: int
    p50_ms: float
    p99_ms: float


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed_calls(label: str, size: int, calls: int, call: Callable[[int], object]) -> Latency:
    for i in range(min(50, calls)):  # warm up caches and connections
        call(i)
    latencies = []
    for i in range(calls):
        started = time.perf_counter()
        call(i)
        latencies.append(time.perf_counter() - started)
    return Latency(label, size, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000)


# --- seeding ---------------------------------------------------------------------------


def templates(count: int, protector: NationalIdProtector) -> list[dict[str, Any]]:
    """Households as the import stores them, built by its own functions from a synthetic survey."""
    with tempfile.TemporaryDirectory(prefix="db-bench-") as tmp:
        path = Path(tmp) / "survey.csv"
        import_bench.write_survey(path, count, seed=7)
        now = datetime.now(UTC).replace(microsecond=0)
        return [
            new_document(prepare(row, SOURCE, protector), ObjectId(), "bench", now)
            for rows in import_bench.chunks(path, 1000)
            for row in rows
        ]


def clone(template: dict[str, Any], n: int) -> dict[str, Any]:
    """Household number ``n``: the template's content under its own id, import key, ids and blocking keys."""
    doc = copy.deepcopy(template)
    doc["_id"] = ObjectId()
    doc["household_ref"] = f"{template['household_ref']}-{n}"
    doc["import_key"] = f"{SOURCE}:{doc['household_ref']}"
    generation = n // TEMPLATES
    doc["dedup_keys"] = [f"{key}~{generation}" for key in template.get("dedup_keys") or []]
    for member in doc["members"]:
        if member.get("national_id_hash"):
            member["national_id_hash"] = f"{member['national_id_hash']}~{n}"
    doc.pop("_outbox", None)  # events long relayed
    return doc


def seed(database: Database[Any], start: int, stop: int, shapes: list[dict[str, Any]]) -> list[ObjectId]:
    ids: list[ObjectId] = []
    for first in range(start, stop, SEED_BATCH):
        docs = [clone(shapes[n % len(shapes)], n) for n in range(first, min(stop, first + SEED_BATCH))]
        database["households"].insert_many(docs, ordered=False)
        ids.extend(doc["_id"] for doc in docs)
        print(f"\r  seeded {first + len(docs):>9,} / {stop:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return ids


# --- A. reads --------------------------------------------------------------------------


def reads(database: Database[Any], ids: list[ObjectId], size: int, calls: int) -> list[Latency]:
    households = database["households"]
    repo = MongoHouseholdRepository(database)
    lookup = ImportedHouseholds(households)
    rng = random.Random(size)
    picked = [rng.choice(ids) for _ in range(calls)]
    keys = [doc["import_key"] for doc in households.find({"_id": {"$in": picked[:500]}}, {"import_key": 1})]
    day = datetime.now(UTC).date()
    return [
        timed_calls("by _id: raw find_one (baseline)", size, calls, lambda i: households.find_one({"_id": picked[i]})),
        timed_calls("by _id: registry get()", size, calls, lambda i: repo.get(str(picked[i]))),
        timed_calls("by _id: registry facts() + related", size, calls, lambda i: repo.facts(str(picked[i]), day)),
        timed_calls(
            "by import_key: raw find_one (baseline)",
            size,
            calls,
            lambda i: households.find_one({"import_key": keys[i % len(keys)]}),
        ),
        timed_calls("by import_key: import lookup", size, calls, lambda i: lookup.keyed([keys[i % len(keys)]])),
    ]


def print_reads(small: list[Latency], large: list[Latency]) -> None:
    print(f"\n== A. reads: p50/p99 ms at {small[0].size:,} and {large[0].size:,} households ==")
    print(f"{'read':<40} {'p50 small':>9} {'p50 large':>9} {'p99 small':>9} {'p99 large':>9} {'large/small':>11}")
    for s, big in zip(small, large, strict=True):
        growth = big.p50_ms / s.p50_ms if s.p50_ms else float("inf")
        print(f"{s.label:<40} {s.p50_ms:>9.2f} {big.p50_ms:>9.2f} {s.p99_ms:>9.2f} {big.p99_ms:>9.2f} {growth:>11.2f}")
    print("  flat = large/small near 1 (a read that grows with N is a scan)")


# --- B. projected scan -----------------------------------------------------------------


def rate(label: str, count: Callable[[], int]) -> tuple[str, float, int]:
    started = time.perf_counter()
    seen = count()
    return label, seen / (time.perf_counter() - started), seen


def scans(database: Database[Any]) -> None:
    households = database["households"]
    repo = MongoHouseholdRepository(database)
    day = datetime.now(UTC).date()
    query = {"area_ancestors": "/DZ", "status": {"$ne": "merged"}}
    rows = [
        rate("raw find, _id only (baseline)", lambda: sum(1 for _ in households.find({}, {"_id": 1}, batch_size=5000))),
        rate(
            "raw find, the facts' projection",
            lambda: sum(1 for _ in households.find(query, FACTS_PROJECTION, batch_size=5000)),
        ),
        rate("registry facts_stream('/DZ')", lambda: sum(1 for _ in repo.facts_stream("/DZ", day))),
    ]
    print("\n== B. projected full scan ==")
    print(f"{'scan':<40} {'docs':>9} {'docs/s':>10} {'x baseline':>10}")
    for label, per_second, seen in rows:
        print(f"{label:<40} {seen:>9,} {per_second:>10,.0f} {per_second / rows[0][1]:>10.2f}")
    verdict = "met" if rows[-1][1] >= SCAN_GOAL else "MISSED"
    print(f"  goal >= {SCAN_GOAL:,.0f} docs/s for the facts stream: {verdict}")


# --- C. import with screening ------------------------------------------------------------


class ChunkClock:
    """The import's writer (screening on), timing each chunk from plan to commit."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.chunks: list[tuple[int, float]] = []
        self._started = 0.0

    def plan(self, rows: Sequence[ValidRow], dry_run: bool) -> ChunkPlan:
        self._started = time.perf_counter()
        plan: ChunkPlan = self.writer.plan(rows, dry_run)
        self._rows = len(rows)
        return plan

    def commit(self, plan: ChunkPlan, /) -> ChunkResult:
        result: ChunkResult = self.writer.commit(plan)
        self.chunks.append((self._rows, time.perf_counter() - self._started))
        return result


def neighbours(database: Database[Any], count: int, protector: NationalIdProtector) -> None:
    """``count`` households of the import's own synthetic population, stored as the import stores them.

    The clones above hold blocking keys of their own (nothing an import shares); these hold real
    ones: other people with the same name pools, so the imported rows are screened against a
    registry whose blocks are already populated. Their blocks are counted as the migration counts.
    """
    with tempfile.TemporaryDirectory(prefix="db-bench-neighbours-") as tmp:
        path = Path(tmp) / "registry.csv"
        import_bench.write_survey(path, count, seed=5)
        now = datetime.now(UTC).replace(microsecond=0)
        for rows in import_bench.chunks(path, SEED_BATCH):
            docs = [new_document(prepare(row, "bench-db-registry", protector), ObjectId(), "b", now) for row in rows]
            database["households"].insert_many(docs, ordered=False)
    BlockCounts.recount(database)


def imports(client: MongoClient[Any], rows: int, protector: NationalIdProtector, neighbours: int = 0) -> None:
    from registry.app.imports import ScreeningWriter

    database = client[DB]
    with tempfile.TemporaryDirectory(prefix="db-bench-import-") as tmp:
        path = Path(tmp) / "survey.csv"
        import_bench.write_survey(path, rows, seed=11)
        now = datetime.now(UTC).replace(microsecond=0)
        raw_docs = [
            [new_document(prepare(row, "raw-baseline", protector), ObjectId(), "bench", now) for row in chunk]
            for chunk in import_bench.chunks(path, IMPORT_CHUNK)
        ]
        raw = client[RAW_DB]["households"]
        MongoHouseholdRepository.ensure_indexes(client[RAW_DB])
        started = time.perf_counter()
        for docs in raw_docs:
            raw.insert_many(docs, ordered=False)
        raw_rate = rows / (time.perf_counter() - started)

        imported = ImportedHouseholds(database["households"])
        writer = HouseholdWriter(imported, source="bench-db-import", user_id="bench", protector=protector)
        clock = ChunkClock(ScreeningWriter(writer, imported, MongoReviewRepository(database)))

        def open_rows() -> Iterator[RawRow]:
            with path.open("rb") as stream:
                yield from read_rows(stream, "csv")

        started = time.perf_counter()
        report = run_import(open_rows, clock, chunk_size=IMPORT_CHUNK)
        whole = rows / (time.perf_counter() - started)
    assert report.created == rows, report
    tenth = max(1, len(clock.chunks) // 10)
    first, last = clock.chunks[:tenth], clock.chunks[-tenth:]
    start_rate = sum(n for n, _ in first) / sum(s for _, s in first)
    end_rate = sum(n for n, _ in last) / sum(s for _, s in last)
    print(f"\n== C. import of {rows:,} rows with duplicate screening into the registry above ==")
    print(f"   ({neighbours:,} of its households share the import's population: real blocking keys)")
    print(f"{'measure':<48} {'rows/s':>9}")
    print(f"{'raw insert_many of the same documents (baseline)':<48} {raw_rate:>9,.0f}")
    print(f"{'import, first chunks':<48} {start_rate:>9,.0f}")
    print(f"{'import, last chunks':<48} {end_rate:>9,.0f}")
    print(f"{'import, whole file':<48} {whole:>9,.0f}")
    print(
        f"  end / start = {end_rate / start_rate:.2f} (goal >= 0.8); whole / raw = {whole / raw_rate:.2f} (goal >= 0.3)"
    )


# --- D, E. batch jobs ----------------------------------------------------------------------


def recompute(client: MongoClient[Any], households: int) -> None:
    models = builtin_models()
    old, new = models["v1"], models.get("v2", models["v1"])
    database = client[score_bench.DATABASE]
    try:
        score_bench.seed(database, households, old)
        print(file=sys.stderr)
        read = score_bench.raw_read(database, 5000)
        run, _ = score_bench.recompute(database, new, 5000, "recompute with another model")
    finally:
        client.drop_database(score_bench.DATABASE)
    print(f"\n== D. score recompute over {households:,} households ==")
    print(score_bench.table([read, run], read.seconds))
    print(f"  per 1M households: ~{run.seconds * 1_000_000 / households:.1f} s (goal <= 30 s)")


def eligibility(client: MongoClient[Any], households: int) -> None:
    rules, formula = eligibility_bench.programme("afs")
    try:
        eligibility_bench.seed(client[eligibility_bench.REGISTRY_DB], households)
        read, _ = eligibility_bench.timed(
            "raw read of the facts' fields (baseline)",
            households,
            lambda: eligibility_bench.raw_read(client[eligibility_bench.REGISTRY_DB]),
        )
        run, result = eligibility_bench.timed(
            "run end to end (stream, compute, results)",
            households,
            lambda: eligibility_bench.end_to_end(
                client,
                rules,
                formula,
                column_pages(eligibility_bench.facts_stream(client), eligibility_bench.PAGE),
            ),
        )
    finally:
        client.drop_database(eligibility_bench.REGISTRY_DB)
        client.drop_database(eligibility_bench.ASSISTANCE_DB)
    assert result["households"] == households, result
    print(f"\n== E. eligibility run over {households:,} households ==")
    print(eligibility_bench.table([read, run], read.seconds))
    print(f"  per 1M households: ~{run.per_million:.1f} s (goal <= 10 s)")


# --- main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--households", type=int, default=100_000, help="registry size (reads at a tenth and all)")
    parser.add_argument("--calls", type=int, default=2000, help="reads per measure")
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--skip-jobs", action="store_true", help="skip D and E")
    parser.add_argument("--skip-reads", action="store_true", help="skip A and B (seed, then C only)")
    parser.add_argument(
        "--neighbours", type=int, default=0, help="households of the import's population added before C (default 0)"
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench runs, in seconds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.households, args.calls, args.import_rows = 2_000, 100, 2_000
    client: MongoClient[Any] = MongoClient(MONGO_URI, tz_aware=True)
    build = client.admin.command("buildInfo")
    ferretdb = build.get("ferretdb", {}).get("version") or build.get("ferretdbVersion")
    server = f"FerretDB {ferretdb}" if ferretdb else f"MongoDB {build.get('version')}"
    print(
        f"server: {server} at {MONGO_URI}; registry of {args.households:,} households; {args.calls} reads per measure"
    )
    protector = NationalIdProtector(os.urandom(32), os.urandom(32))
    for name in (DB, RAW_DB):
        client.drop_database(name)
    mongoengine.disconnect(alias="registry")
    mongoengine.connect(db=DB, alias="registry", host=MONGO_URI, tz_aware=True, uuidRepresentation="standard")
    try:
        database = client[DB]
        MongoHouseholdRepository.ensure_indexes(database)
        MongoReviewRepository.ensure_indexes(database)
        shapes = templates(min(TEMPLATES, args.households), protector)
        small_size = max(1, args.households // 10)
        ids = seed(database, 0, small_size, shapes)
        if not args.skip_reads:
            small = reads(database, ids, small_size, args.calls)
        ids += seed(database, small_size, args.households, shapes)
        BlockCounts.recount(database)  # seeded beside the adapter: its blocks are counted as a migration would
        if not args.skip_reads:
            large = reads(database, ids, args.households, args.calls)
            print_reads(small, large)
            scans(database)
        if args.neighbours:
            neighbours(database, args.neighbours, protector)
        imports(client, args.import_rows, protector, args.neighbours)
    finally:
        for name in (DB, RAW_DB):
            client.drop_database(name)
        mongoengine.disconnect(alias="registry")
    if not args.skip_jobs:
        recompute(client, args.households)
        eligibility(client, args.households)
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
