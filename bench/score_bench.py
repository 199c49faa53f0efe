"""Score recompute benchmark (``python -m bench.score_bench [--households N]``).

Seeds N synthetic assessed households, already scored with model v1, into the
``bench_scoring`` database (seeding is timed but not counted), then measures in one run:

- A: the raw read: ``find`` with the projection the job uses, every document iterated;
- B: the pure compute of N scores by the vectorised engine, in memory (answers to
  columns, scores, bands, inputs hashes), batch by batch as the job does;
- C: ``recompute_all`` with model v2, end to end: every household changes and is written;
- D: the same again: every household is read and compared, nothing is written
  (with ``--skip-write``, C is skipped and D re-runs v1, the model of the seeded scores).

W prices C's writes alone: pymongo's ``bulk_write`` of the same updates, unordered, at
C's batch size and at ten times it, then with C's ``inputs_hash`` guard in the filter
(the floor of C's write share).

Two more rows price pymongo's own share, which no server can remove: decoding the
documents A reads, and building and encoding the updates C sends.

Ratios are to the raw read, the floor of any job that has to look at every household.
The target (1 million households in 10 s) is reported, never asserted. The database is
dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import bson
from bson import ObjectId
from pymongo import MongoClient, UpdateOne
from pymongo.database import Database

from common.contracts.assessment import DIMENSIONS
from registry.adapters.households import RECOMPUTE_WRITE_BATCH, recompute_all
from registry.scoring import engine, features
from registry.scoring.batch import PROJECTION, RecomputeReport
from registry.scoring.model import ScoringModel, builtin_models
from synthetic.assessments import assessments

DATABASE = "bench_scoring"
TARGET_HOUSEHOLDS = 1_000_000
TARGET_SECONDS = 10.0
SEED_CHUNK = 10_000


@dataclass(frozen=True)
class Row:
    label: str
    seconds: float
    households: int
    note: str = ""


def chunks(total: int, size: int) -> Iterator[list[dict[str, Any]]]:
    """The same synthetic assessments on every call, ``size`` at a time."""
    for number, start in enumerate(range(0, total, size)):
        yield assessments(min(size, total - start), seed=number)


def seed(database: Database[Any], total: int, model: ScoringModel) -> float:
    """Insert ``total`` households scored with ``model``; return the seconds it took."""
    database.drop_collection("households")
    started = time.perf_counter()
    computed_at = datetime.now(UTC)
    done = 0
    for chunk in chunks(total, SEED_CHUNK):
        found = features.columns(chunk)
        scored = engine.score_columns(model, found)
        stored = zip(
            scored.scores.tolist(),
            scored.band_labels(),
            features.hex_digests(features.fingerprint(found)),
            strict=True,
        )
        docs = [
            {
                "area": "/DZ/16/1601",
                "status": "active",
                "assessment": assessment,
                "score": engine.stored_score(model.version, score, band, inputs_hash, computed_at),
            }
            for assessment, (score, band, inputs_hash) in zip(chunk, stored, strict=True)
        ]
        database["households"].insert_many(docs, ordered=False)
        done += len(docs)
        print(f"\r  seeded: {done:>9,} / {total:,}", end="", file=sys.stderr, flush=True)
    return time.perf_counter() - started


def raw_read(database: Database[Any], batch_size: int) -> Row:
    started = time.perf_counter()
    count = 0
    for _ in database["households"].find({"assessment": {"$exists": True}}, PROJECTION, batch_size=batch_size):
        count += 1
    return Row("A raw read (find + projection)", time.perf_counter() - started, count)


def pure_compute(total: int, batch_size: int, model: ScoringModel) -> Row:
    seconds = 0.0
    for chunk in chunks(total, batch_size):
        started = time.perf_counter()
        found = features.columns(chunk)
        scored = engine.score_columns(model, found)
        scored.scores.tolist(), scored.band_labels(), features.hex_digests(features.fingerprint(found))
        seconds += time.perf_counter() - started
    return Row("B compute only (vectorised, in memory)", seconds, total)


def client_side(total: int, batch_size: int, model: ScoringModel) -> list[Row]:
    """What pymongo costs whatever the server: decoding what A reads, encoding what C writes."""
    decode = encode = 0.0
    computed_at = datetime.now(UTC)
    for chunk in chunks(total, batch_size):
        stored = {"model_version": model.version, "score": 42.5, "band": "high", "inputs_hash": "0123456789abcdef"}
        projected = [{"_id": ObjectId(), "assessment": {d: a[d] for d in DIMENSIONS}, "score": stored} for a in chunk]
        raw = b"".join(bson.encode(doc) for doc in projected)
        started = time.perf_counter()
        bson.decode_all(raw)
        decode += time.perf_counter() - started
        started = time.perf_counter()
        for doc in projected:
            selector = {"_id": doc["_id"]}
            update = {
                "$set": {"score": engine.stored_score(model.version, 42.5, "high", "0123456789abcdef", computed_at)}
            }
            UpdateOne(selector, update)
            bson.encode({"q": selector, "u": update, "multi": False, "upsert": False})
        encode += time.perf_counter() - started
    return [
        Row("client: BSON decode of A's documents", decode, total),
        Row("client: build + BSON-encode C's updates", encode, total),
    ]


def raw_writes(database: Database[Any], batch: int, guarded: bool = False) -> Row:
    """W: pymongo ``bulk_write`` (unordered, ``batch`` per command) of one ``$set`` of ``score`` per household.

    The shape C sends (without its ``inputs_hash`` guard), built outside the clock; the
    stored scores keep their hash and take another model version, so C still changes all.
    """
    collection = database["households"]
    ops = [
        UpdateOne(
            {"_id": doc["_id"], "score.inputs_hash": doc["score"]["inputs_hash"]} if guarded else {"_id": doc["_id"]},
            {"$set": {"score": {**doc["score"], "model_version": f"raw-{batch}-{guarded}"}}},
        )
        for doc in collection.find({"assessment": {"$exists": True}}, {"score": 1})
    ]
    started = time.perf_counter()
    for start in range(0, len(ops), batch):
        collection.bulk_write(ops[start : start + batch], ordered=False)
    guard = ", hash-guarded as C" if guarded else ""
    return Row(f"W raw bulk_write, {batch:,}/command{guard}", time.perf_counter() - started, len(ops))


def recompute(database: Database[Any], model: ScoringModel, batch_size: int, label: str) -> tuple[Row, RecomputeReport]:
    def show(done: int, total: int) -> None:
        print(f"\r  {label}: {done:>9,} / {total:,}", end="", file=sys.stderr, flush=True)

    report = recompute_all(database, model, show, batch_size=batch_size)
    print(file=sys.stderr)
    split = " ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
    per_write = f", {report.seconds['write'] / report.written * 1000:.1f} ms/update" if report.written else ""
    note = f"written {report.written:,}, unchanged {report.unchanged:,}; {split}{per_write}"
    return Row(label, report.elapsed, report.seen, note), report


def table(rows: list[Row], floor: float) -> str:
    lines = [f"{'step':<50} {'seconds':>9} {'households/s':>13} {'x raw read':>10}  notes"]
    for row in rows:
        rate = row.households / row.seconds if row.seconds else float("inf")
        lines.append(f"{row.label:<50} {row.seconds:>9.2f} {rate:>13,.0f} {row.seconds / floor:>10.2f}  {row.note}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=TARGET_HOUSEHOLDS)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--uri", default=os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"))
    parser.add_argument("--skip-write", action="store_true", help="skip C; D re-runs the seeding model")
    parser.add_argument("--keep", action="store_true", help="keep the bench_scoring database")
    args = parser.parse_args()

    models = builtin_models()
    client: MongoClient[Any] = MongoClient(args.uri, socketTimeoutMS=3_600_000)
    database = client[DATABASE]
    build = client.admin.command("buildInfo")
    ferretdb = build.get("ferretdb", {}).get("version") or build.get("ferretdbVersion")
    print(f"server: {'FerretDB ' + ferretdb if ferretdb else 'MongoDB ' + str(build.get('version'))} at {args.uri}")
    print(f"households: {args.households:,}, batch size {args.batch_size:,}")
    written: dict[str, int] = {}
    try:
        seeded = seed(database, args.households, models["v1"])
        print(f"\nseeding (not counted): {seeded:.1f} s, {args.households / seeded:,.0f} households/s", flush=True)
        floor = raw_read(database, args.batch_size)
        rows = [floor, pure_compute(args.households, args.batch_size, models["v2"])]
        rows += client_side(args.households, args.batch_size, models["v2"])
        if not args.skip_write:
            rows += [
                raw_writes(database, RECOMPUTE_WRITE_BATCH, guarded=True),
                raw_writes(database, RECOMPUTE_WRITE_BATCH),
                raw_writes(database, 10 * RECOMPUTE_WRITE_BATCH),
            ]
            row, report = recompute(database, models["v2"], args.batch_size, "C recompute_all, model v2 (all change)")
            rows.append(row)
            written["C"] = report.written
        again = models["v1"] if args.skip_write else models["v2"]
        row, report = recompute(database, again, args.batch_size, f"D recompute_all, {again.version} again (no write)")
        rows.append(row)
        written["D"] = report.written
    finally:
        if not args.keep:
            client.drop_database(DATABASE)
    print()
    print(table(rows, floor.seconds))
    if written.get("C", args.households) != args.households or written["D"] != 0:
        print(f"\nUNEXPECTED writes: {written}")
        return 1
    scale = TARGET_HOUSEHOLDS / args.households
    if scale != 1:
        print(f"\nmeasured at {args.households:,}; extrapolated linearly to {TARGET_HOUSEHOLDS:,}:")
        for row in rows:
            print(f"  {row.label:<50} ~{row.seconds * scale:>8.1f} s")
    print(f"\ntarget: {TARGET_HOUSEHOLDS:,} households recomputed end to end in <= {TARGET_SECONDS:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
