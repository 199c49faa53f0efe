"""Reporting benchmark (``make bench-reporting``): the quarterly report from read models and cold, replay rate.

Run from the repository root against the database at ``MONGO_URI``::

    .venv/bin/python -m bench.reporting_bench [--households 1000000] [--replay-events 20000] [--smoke]

On a fresh ``bench_reporting_*`` database (dropped at the end), with ``--households`` households
(4.5 people each on average, over Algeria's 58 wilayas and 1,541 communes, one in five granted aid
under one of 4 programmes x 4 needs) in one quarter, it prints, each next to its baseline:

A. **the quarterly report from the read models** (``app.reports.compute`` + the consolidation by child
   area, as ``get_report`` reads them) for the nation, a wilaya and a commune. The tallies are written
   by the service's own adapter (``MongoTallies.add``), one call per commune with the commune's summed
   figures: the documents the projection writes, without replaying a million events.
   Goal <= 100 ms.
B. **the same figures cold from the log**: one aggregation over the quarter's ``event_log`` entries
   (the log holds one entry per registration and per grant, inserted with ``insert_many``), grouped
   by event type, programme and need. Goal <= 2 s. Baseline: **numpy** group-by (``bincount``) of the
   same figures in process, from arrays already in memory.
C. **replay rebuild**: ``app.projection.rebuild`` of a log of ``--replay-events`` events
   (registrations, first scores, requests, grants and disbursements) never numbered, events per
   second; then the rebuild of the whole log of part B (numbered, as a log the projection applied
   is), next to a raw pymongo read of that log in order, and checked against the numpy figures.
B'. **cold from ``household_facts``** (written by that rebuild): the register's households, people
   and bands of the nation and of a wilaya, as one ``$group`` aggregation and as a projected cursor
   folded with numpy, next to a raw pymongo read of the same projected documents. Goal <= 2 s.
D. the carte sociale's map and PDF render times (``bench.carte_bench.render_timings``).

``--smoke`` runs everything at tiny sizes in seconds (it checks the bench, measures nothing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import numpy as np
from pymongo import ASCENDING, MongoClient
from pymongo.collection import Collection
from pymongo.database import Database

from reporting.adapters.action_plans import MongoActionPlans
from reporting.adapters.event_log import ORDER, MongoEventLog
from reporting.adapters.projection import MongoProjection
from reporting.adapters.read_models import MongoReadModels
from reporting.app import projection, reports
from reporting.domain import events as m
from reporting.domain import report
from reporting.domain.events import LoggedEvent
from reporting.domain.periods import Period

MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
WILAYAS = 58
COMMUNES = 1541
PROGRAMMES = ("p-food", "p-winter", "p-school", "p-health")
NEEDS = ("ramadan_food", "winter_heating", "school_year", "medical_care")
PERIOD = Period(2026, 2)
START = datetime(2026, 4, 1, tzinfo=UTC)
QUARTER_SECONDS = 90 * 24 * 3600
BATCH = 10_000
READ_BATCH = 20_000


def communes() -> list[str]:
    """1,541 commune paths spread over the 58 wilayas."""
    return [f"/DZ/{1 + i % WILAYAS:02d}/{1 + i % WILAYAS:02d}{i // WILAYAS + 1:02d}" for i in range(COMMUNES)]


class Data:
    """The synthetic quarter as arrays: one row per household, one per grant."""

    def __init__(self, households: int, seed: int = 13) -> None:
        rng = np.random.default_rng(seed)
        self.paths = communes()
        self.commune = rng.integers(0, COMMUNES, households)
        self.members = rng.poisson(3.5, households) + 1  # 4.5 people a household on average
        self.seconds = rng.integers(0, QUARTER_SECONDS, households)
        granted = rng.random(households) < 0.2
        self.grant_household = np.flatnonzero(granted)
        self.grant_kind = rng.integers(0, len(PROGRAMMES) * len(NEEDS), self.grant_household.size)
        self.grant_amount = rng.integers(1, 31, self.grant_household.size) * 1000


def timed(work: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``repeats`` runs, and the last result."""
    latencies, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        latencies.append(time.perf_counter() - started)
    return statistics.median(latencies), result


def write_tallies(database: Database[Any], data: Data) -> float:
    """Tallies through the service's adapter: one ``add`` per commune with its summed deltas."""
    models = MongoReadModels(database)
    MongoReadModels.ensure_indexes(database)
    households = np.bincount(data.commune, minlength=COMMUNES)
    people = np.bincount(data.commune, weights=data.members, minlength=COMMUNES)
    grant_commune = data.commune[data.grant_household]
    key = grant_commune * len(PROGRAMMES) * len(NEEDS) + data.grant_kind
    grants = np.bincount(key, minlength=COMMUNES * 16).reshape(COMMUNES, 16)
    amounts = np.bincount(key, weights=data.grant_amount, minlength=COMMUNES * 16).reshape(COMMUNES, 16)
    started = time.perf_counter()
    for c, path in enumerate(data.paths):
        tallies = {
            (path, str(PERIOD), m.REGISTERED, "", ""): [int(households[c]), 0],
            (path, str(PERIOD), m.PEOPLE, "", ""): [int(people[c]), 0],
        }
        for kind in np.flatnonzero(grants[c]):
            programme, need = PROGRAMMES[kind // 4], NEEDS[kind % 4]
            count, amount = int(grants[c, kind]), int(amounts[c, kind])
            tallies[(path, str(PERIOD), m.GRANTED, programme, need)] = [count, amount]
            tallies[(path, str(PERIOD), m.ASSISTED, programme, need)] = [count, 0]
        models.tallies.add(c + 1, tallies)
    return time.perf_counter() - started


def write_log(database: Database[Any], data: Data) -> tuple[int, float]:
    """The quarter's log: a registration per household and a grant per granted household (insert_many).

    The entries are numbered (``seq``) in the order written, as a log the projection has applied is.
    """
    MongoEventLog.ensure_indexes(database)
    log = database["event_log"]
    started = time.perf_counter()
    written = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal written, batch
        if batch:
            log.insert_many(batch, ordered=False)
            written += len(batch)
            batch = []

    for h in range(data.commune.size):
        at = START + timedelta(seconds=int(data.seconds[h]))
        area = data.paths[data.commune[h]]
        data_fields = {"household_id": f"h{h}", "area": area, "members": int(data.members[h])}
        batch.append(_entry(h, m.REGISTERED, "household_registered", at, data_fields, written + len(batch) + 1))
        if len(batch) >= BATCH:
            flush()
    for g, h in enumerate(data.grant_household.tolist()):
        at = START + timedelta(seconds=int(data.seconds[h]) + 3600)
        kind = int(data.grant_kind[g])
        fields = {
            "request_id": f"r{g}",
            "household_id": f"h{h}",
            "area": data.paths[data.commune[h]],
            "programme": PROGRAMMES[kind // 4],
            "need": NEEDS[kind % 4],
            "decision": "grant",
            "amount_dzd": int(data.grant_amount[g]),
            "period": None,
            "authority_role": "wilaya-director",
        }
        batch.append(_entry(g, "grant", "aid_decided", at, fields, written + len(batch) + 1))
        if len(batch) >= BATCH:
            flush()
    flush()
    return written, time.perf_counter() - started


def _entry(i: int, kind: str, event_type: str, at: datetime, data: dict[str, Any], seq: int) -> dict[str, Any]:
    return {
        "_id": f"{kind}-{i}",
        "producer": "registry" if event_type.startswith("household") else "assistance",
        "event_type": event_type,
        "version": 1,
        "occurred_at": at,
        "received_at": at,
        "data": data,
        "seq": seq,  # numbered in the order written, as the projection leaves the entries it applied
    }


def cold(database: Database[Any]) -> dict[tuple[str, str, str], tuple[int, int]]:
    """The quarter's figures straight from the log: one aggregation, no read model."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"occurred_at": {"$gte": PERIOD.starts, "$lt": PERIOD.ends}}},
        {
            "$group": {
                "_id": {"t": "$event_type", "p": "$data.programme", "n": "$data.need"},
                "count": {"$sum": 1},
                "people": {"$sum": "$data.members"},
                "amount": {"$sum": "$data.amount_dzd"},
            }
        },
    ]
    rows = database["event_log"].aggregate(pipeline, allowDiskUse=True)
    return {
        (row["_id"]["t"], row["_id"].get("p") or "", row["_id"].get("n") or ""): (
            row["count"],
            row["people"] or row["amount"],
        )
        for row in rows
    }


def raw_read(collection: Collection[Any], query: dict[str, Any], fields: dict[str, int] | None, **kw: Any) -> int:
    """The floor of any cold path: read the documents with pymongo and do nothing with them; how many."""
    return sum(1 for _ in collection.find(query, fields, batch_size=READ_BATCH, **kw))


def cold_facts_aggregation(database: Database[Any], area: str) -> dict[str, Any]:
    """The register's figures of ``area`` from ``household_facts`` (no tallies): one grouped aggregation."""
    pipeline: list[dict[str, Any]] = [
        {"$match": _on_register(area)},
        {"$group": {"_id": "$band", "households": {"$sum": 1}, "people": {"$sum": "$members"}}},
    ]
    rows = list(database["household_facts"].aggregate(pipeline, allowDiskUse=True))
    return {
        "households": sum(row["households"] for row in rows),
        "people": sum(row["people"] for row in rows),
        "by_band": {row["_id"]: row["households"] for row in rows},
    }


def cold_facts_numpy(database: Database[Any], area: str) -> dict[str, Any]:
    """The same figures from a projected cursor over ``household_facts``, folded with numpy."""
    members: list[int] = []
    bands: list[str | None] = []
    for doc in database["household_facts"].find(
        _on_register(area), {"_id": 0, "members": 1, "band": 1}, batch_size=READ_BATCH
    ):
        members.append(doc["members"])
        bands.append(doc.get("band"))
    names, codes = np.unique(np.array(bands, dtype=object).astype(str), return_inverse=True)
    counts = np.bincount(codes, minlength=names.size)
    return {
        "households": len(members),
        "people": int(np.sum(np.array(members, dtype=np.int64))),
        "by_band": {None if name == "None" else str(name): int(n) for name, n in zip(names, counts, strict=True)},
    }


def cold_grants(database: Database[Any]) -> dict[tuple[str, str], tuple[int, int]]:
    """The quarter's grants by programme and need from the log's ``aid_decided`` entries alone (an index on
    ``event_type, occurred_at`` the bench adds: the service keeps none, having the tallies)."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"event_type": "aid_decided", "occurred_at": {"$gte": PERIOD.starts, "$lt": PERIOD.ends}}},
        {
            "$group": {
                "_id": {"p": "$data.programme", "n": "$data.need"},
                "count": {"$sum": 1},
                "amount": {"$sum": "$data.amount_dzd"},
            }
        },
    ]
    rows = database["event_log"].aggregate(pipeline)
    return {(row["_id"]["p"], row["_id"]["n"]): (row["count"], row["amount"]) for row in rows}


def cold_headline(database: Database[Any]) -> tuple[dict[str, Any], dict[tuple[str, str], tuple[int, int]]]:
    """The national headline cold: the register from ``household_facts`` and the grants from the log, at once."""
    with ThreadPoolExecutor(2) as pool:
        register = pool.submit(cold_facts_aggregation, database, "/DZ")
        grants = pool.submit(cold_grants, database)
        return register.result(), grants.result()


def _on_register(area: str) -> dict[str, Any]:
    return {"area_ancestors": area, "merged": False}


def numpy_groupby(data: Data) -> dict[str, Any]:
    """The same figures in process (the floor: no database, arrays already in memory)."""
    return {
        "households": int(data.commune.size),
        "people": int(data.members.sum()),
        "grants": np.bincount(data.grant_kind, minlength=16),
        "amounts": np.bincount(data.grant_kind, weights=data.grant_amount, minlength=16),
        "by_commune": np.bincount(data.commune, minlength=COMMUNES),
    }


def replay_rate(database: Database[Any], events: int) -> tuple[int, float]:
    """Rebuild by replay of a log of ``events`` events; (events applied, seconds)."""
    log, progress, models = MongoEventLog(database), MongoProjection(database), MongoReadModels(database)
    MongoEventLog.ensure_indexes(database)
    MongoReadModels.ensure_indexes(database)
    paths = communes()
    per_household = 5  # registered, scored, requested, granted, disbursed
    for h in range(events // per_household):
        area = paths[h % COMMUNES]
        at = START + timedelta(seconds=h)
        aid = {"request_id": f"r{h}", "household_id": f"h{h}", "area": area, "programme": "p-food", "need": "x"}
        payloads: list[tuple[str, str, dict[str, Any]]] = [
            ("registry", "household_registered", {"household_id": f"h{h}", "area": area, "members": 4}),
            (
                "registry",
                "score_changed",
                {"household_id": f"h{h}", "area": area, "model_version": "m", "score": 0.5, "band": "B"},
            ),
            ("assistance", "aid_requested", {**aid, "channel": "walk_in"}),
            (
                "assistance",
                "aid_decided",
                {**aid, "decision": "grant", "amount_dzd": 5000, "period": None, "authority_role": "x"},
            ),
            ("assistance", "aid_disbursed", {**aid, "amount_dzd": 5000, "method": "delivery"}),
        ]
        for n, (producer, event_type, fields) in enumerate(payloads):
            when = at + timedelta(milliseconds=n)
            log.append(LoggedEvent(f"e{h}-{n}", producer, event_type, 1, when, when, fields))
    started = time.perf_counter()
    applied = projection.rebuild(log, progress, models)
    return applied or 0, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--replay-events", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds: checks the bench")
    args = parser.parse_args()
    if args.smoke:
        args.households, args.replay_events, args.repeats = 3_000, 500, 2
    client: MongoClient[Any] = MongoClient(MONGO_URI, tz_aware=True)
    name = f"bench_reporting_{uuid.uuid4().hex[:8]}"
    database = client[name]
    try:
        run(database, client[f"{name}_replay"], args)
    finally:
        client.drop_database(name)
        client.drop_database(f"{name}_replay")


def run(database: Database[Any], replay_db: Database[Any], args: argparse.Namespace) -> None:
    data = Data(args.households)
    people = int(data.members.sum())
    print(f"households {args.households:,}, people {people:,}, grants {data.grant_household.size:,}", flush=True)

    # A. from the read models
    wrote = write_tallies(database, data)
    tallies = database["tallies"].estimated_document_count()
    print(f"A. tallies written through MongoTallies.add: {tallies:,} documents in {wrote:.1f} s", flush=True)
    models, plans = MongoReadModels(database), MongoActionPlans(database)
    for area in ("/DZ", "/DZ/16", data.paths[15]):

        def read(area: str = area) -> dict[str, Any]:
            content = reports.compute(models, plans, area, PERIOD)
            content["consolidation"] = report.headline(models.children(area, PERIOD.quarters))
            return content

        seconds, content = timed(read, args.repeats)
        households = next(
            f["count"] for f in content["sections"]["households"]["figures"] if f["measure"] == m.REGISTERED
        )
        print(f"   report {area:<12} {seconds * 1000:8.1f} ms  (households {households:,}; goal <= 100 ms)")

    # B. cold from the log, next to numpy
    written, seconds = write_log(database, data)
    print(f"B. log of {written:,} entries inserted in {seconds:.1f} s ({written / seconds:,.0f}/s)", flush=True)
    repeats = max(1, args.repeats // 3)
    cold_seconds, figures = timed(lambda: cold(database), repeats)
    numpy_seconds, floor = timed(lambda: numpy_groupby(data), args.repeats)
    registered = figures[("household_registered", "", "")]
    assert registered == (floor["households"], floor["people"]), (registered, floor["households"])
    granted = sum(count for (t, _, _), (count, _) in figures.items() if t == "aid_decided")
    assert granted == int(floor["grants"].sum())
    print(f"   cold aggregation over the log   {cold_seconds * 1000:10.1f} ms  (goal <= 2,000 ms)")
    print(f"   numpy group-by in process       {numpy_seconds * 1000:10.1f} ms  (baseline)")
    print(f"   cold / numpy                    {cold_seconds / numpy_seconds:10.1f} x")

    # C. replay
    applied, seconds = replay_rate(replay_db, args.replay_events)
    rate = applied / seconds
    print(f"C. replay rebuild: {applied:,} events in {seconds:.1f} s = {rate:,.0f} events/s", flush=True)
    print("   (a log never numbered: the rebuild numbers it first, one update per entry)")
    raw_seconds, entries = timed(lambda: raw_read(database["event_log"], {"seq": {"$gt": 0}}, None, sort=ORDER), 1)
    print(f"   raw pymongo read of B's log in order: {entries:,} entries in {raw_seconds:.1f} s", end="")
    print(f" = {entries / raw_seconds:,.0f}/s (baseline)", flush=True)
    log, progress, models = MongoEventLog(database), MongoProjection(database), MongoReadModels(database)
    seconds, applied = timed(lambda: projection.rebuild(log, progress, models) or 0, 1)
    print(
        f"   rebuild of B's log: {applied:,} events in {seconds:.1f} s = {applied / seconds:,.0f} events/s", flush=True
    )
    national = {row.measure: row.count for row in models.rows("/DZ", str(PERIOD)) if not row.programme}
    assert national[m.REGISTERED] == floor["households"], national
    assert national[m.PEOPLE] == floor["people"], national
    assert sum(row.count for row in models.rows("/DZ", str(PERIOD)) if row.measure == m.GRANTED) == granted

    # B'. cold from household_facts (the rebuild wrote them), next to a raw read and numpy
    database["household_facts"].create_index([("area_ancestors", ASCENDING)])
    facts = database["household_facts"]
    fields = {"_id": 0, "members": 1, "band": 1}
    for area in ("/DZ", "/DZ/16"):
        raw_seconds, entries = timed(partial(raw_read, facts, _on_register(area), fields), repeats)
        agg_seconds, by_agg = timed(partial(cold_facts_aggregation, database, area), repeats)
        np_seconds, by_np = timed(partial(cold_facts_numpy, database, area), repeats)
        assert by_agg == by_np, (by_agg, by_np)
        assert by_agg["households"] == entries, (by_agg, entries)
        print(f"B'. cold from household_facts {area:<7} ({entries:,} households on the register)")
        print(f"   raw pymongo read (projected)      {raw_seconds * 1000:10.1f} ms  (baseline)")
        print(f"   $group aggregation                {agg_seconds * 1000:10.1f} ms  (goal <= 2,000 ms)")
        print(f"   projected cursor + numpy          {np_seconds * 1000:10.1f} ms  (goal <= 2,000 ms)", flush=True)

    database["event_log"].create_index([("event_type", ASCENDING), ("occurred_at", ASCENDING)])
    grants_seconds, by_grant = timed(partial(cold_grants, database), repeats)
    assert sum(count for count, _ in by_grant.values()) == granted, by_grant
    both_seconds, (register, _) = timed(partial(cold_headline, database), repeats)
    assert register["households"] == floor["households"], register
    print("B'. cold national headline: grants from the log's aid_decided entries (index event_type, occurred_at)")
    print(f"   grants aggregation alone          {grants_seconds * 1000:10.1f} ms")
    print(f"   register + grants, concurrently   {both_seconds * 1000:10.1f} ms  (goal <= 2,000 ms)", flush=True)

    # D. carte sociale
    try:
        from bench.carte_bench import render_timings
    except ImportError as missing:  # the carte's bench is another module; report, do not fail
        print(f"D. carte render timings unavailable: {missing}")
        return
    timings = render_timings(repeats=max(2, args.repeats // 2))
    print(f"D. carte sociale render: {timings}")


if __name__ == "__main__":
    main()
