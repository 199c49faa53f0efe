"""Eligibility run benchmark (``python -m bench.eligibility_bench [--households N] [--memory M]``).

One programme (``--programme``, AFS by default: three criteria and a capped formula) run
over synthetic households, measured in one run:

In memory, ``--memory`` households (1,000,000 by default), their facts built outside the clock:

- C: the run's compute, as the service does it: pages of 5,000 households in the batch
  wire form (one list per field) to numpy columns, every criterion, amounts, eligible ids
  chunked by 1,000;
- C0: of which the criteria and amounts alone, over numpy columns already built;
- T: the registry's share: facts dicts transposed to the wire form (``facts_to_columns``);
- J: encoding and decoding those pages with kombu's JSON (the stream's CPU on both
  sides, broker hop excluded), and J0 the same for pages of one dict per household, the
  form the facts were sent in before;
- X: the explained path (``HouseholdFacts`` parsed, ``evaluate``, ``amount_for``) on a
  sample, extrapolated: what a run would cost household by household.

In the database at ``--uri``, ``--households`` households (20,000 by default) seeded into
``bench_eligibility_registry.households`` in the registry's stored shape (not counted):

- R: the raw read: one ``find`` of the area with the projection the registry's facts
  use, every document iterated (the floor of any run);
- R': R with the garbage collector paced as the registry's bulk reads pace it
  (``registry.adapters.collections_paced``): decoding is most of R;
- P: the same read in pages of 5,000 by ``_id`` (a cursor walked by one query per page,
  as runs read before the stream);
- E: the run end to end minus the broker: the registry's ``facts_stream`` (one cursor),
  pages transposed, the run's compute, and the eligible ids written to
  ``bench_eligibility_assistance.eligibility_results`` as the service stores them;
- S: E with the pages going through RabbitMQ at ``--amqp`` as the services send them
  (``common.nameko_ext.page_stream``: a sender thread, a private queue, the reader).

Ratios are to R. Figures below 1M households are extrapolated linearly to 1M (P seeks
each page through the ``_id`` index, so it grows linearly as well). The databases are
dropped unless ``--keep``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from kombu.utils.json import dumps, loads
from pymongo import MongoClient
from pymongo.database import Database

from assistance.adapters.eligibility_results import MongoEligibilityResults
from assistance.adapters.programmes import reference_programmes
from assistance.app.ports import RESULT_CHUNK
from assistance.eligibility import AmountFormula, RuleSet, amount_for, as_rule_set, evaluate
from assistance.eligibility.columns import amounts, evaluate_columns, to_columns
from assistance.eligibility.runs import run_eligibility
from common import areas
from common.contracts.facts import HouseholdFacts, column_pages, facts_to_columns
from common.nameko_ext.page_stream import PageSender, receive_pages
from registry.adapters.collections_paced import collections_paced
from registry.adapters.households import FACTS_PROJECTION, MongoHouseholdRepository
from synthetic.facts import facts

REGISTRY_DB, ASSISTANCE_DB = "bench_eligibility_registry", "bench_eligibility_assistance"
AREA = "/DZ/16/1601"
PAGE = 5000
SEED_CHUNK = 5000
TARGET_HOUSEHOLDS = 1_000_000
TARGET_SECONDS = 10.0
EXPLAINED_SAMPLE = 20_000


@dataclass(frozen=True)
class Row:
    label: str
    seconds: float
    households: int
    note: str = ""

    @property
    def per_million(self) -> float:
        return self.seconds * TARGET_HOUSEHOLDS / max(self.households, 1)


def timed(label: str, households: int, work: Callable[[], Any], note: str = "") -> tuple[Row, Any]:
    start = time.perf_counter()
    result = work()
    return Row(label, time.perf_counter() - start, households, note), result


def programme(code: str) -> tuple[RuleSet, AmountFormula]:
    found = next((p for p in reference_programmes() if p["code"] == code), None)
    if found is None:
        sys.exit(f"no reference programme {code!r}")
    return as_rule_set({**found["rules"], "version": 1}), AmountFormula.model_validate(found["formula"])


def pages_of(items: Sequence[dict[str, Any]]) -> list[Sequence[dict[str, Any]]]:
    return [items[i : i + PAGE] for i in range(0, len(items), PAGE)]


def stored(household: dict[str, Any], day: datetime) -> dict[str, Any]:
    """A synthetic household in the registry's stored shape (what ``household_facts`` reads back)."""
    members = []
    for m in household["members"]:
        disability = (
            {"type": "motor", "severity": m["disability_severity"], "percentage": m["disability_percentage"]}
            if m["disability_severity"]
            else None
        )
        members.append(
            {
                "sex": m["sex"],
                "birth_year": day.year - m["age"] - 1 if m["age"] is not None else None,
                "relationship": m["relationship"],
                "categories": [{"category": c, "valid_from": "2015-01-01"} for c in m["categories"]],
                "disability": disability,
            }
        )
    doc: dict[str, Any] = {
        "_id": ObjectId(household["household_id"]),
        "area": household["area"],
        "area_ancestors": areas.ancestors(household["area"]),
        "status": "active",
        "members": members,
    }
    if household["assessed"]:
        doc["assessment"] = {
            "income": {"monthly_income_dzd": household["monthly_income_dzd"]},
            "housing": {"tenure": household["tenure"]},
        }
    if household["score"] is not None:
        doc["score"] = {"score": household["score"], "band": household["band"], "model_version": "v1"}
    return doc


def seed(database: Database[Any], count: int) -> None:
    collection = database["households"]
    collection.drop()
    day = datetime.now(UTC)
    batch: list[dict[str, Any]] = []
    done = 0
    for household in facts(count, seed=2026, area=AREA, start=0x66B0C2F1E4A1B2C3D4E50000):
        batch.append(stored(household, day))
        if len(batch) == SEED_CHUNK:
            collection.insert_many(batch, ordered=False)
            done += len(batch)
            batch = []
            if done % 5000 == 0:
                print(f"\r  seeded: {done:>9,} / {count:,}", end="", file=sys.stderr, flush=True)
    if batch:
        collection.insert_many(batch, ordered=False)
    print(file=sys.stderr)


def raw_read(database: Database[Any]) -> int:
    query = {"area_ancestors": AREA, "status": {"$ne": "merged"}}
    return sum(1 for _ in database["households"].find(query, FACTS_PROJECTION))


def paced_read(database: Database[Any]) -> int:
    """R under ``registry.adapters.collections_paced``, as the registry's facts stream reads."""
    with collections_paced():
        return raw_read(database)


def raw_read_paged(database: Database[Any]) -> int:
    query: dict[str, Any] = {"area_ancestors": AREA, "status": {"$ne": "merged"}}
    seen, after = 0, None
    while True:
        page_query = {**query, "_id": {"$gt": after}} if after is not None else query
        docs = list(database["households"].find(page_query, FACTS_PROJECTION).sort("_id", 1).limit(PAGE))
        seen += len(docs)
        if len(docs) < PAGE:
            return seen
        after = docs[-1]["_id"]


def facts_stream(client: MongoClient[Any]) -> Iterator[dict[str, Any]]:
    return MongoHouseholdRepository(client[REGISTRY_DB]).facts_stream(AREA, datetime.now(UTC).date())


def end_to_end(
    client: MongoClient[Any], rules: RuleSet, formula: AmountFormula, pages: Iterator[dict[str, list[Any]]]
) -> dict[str, Any]:
    results = MongoEligibilityResults(client[ASSISTANCE_DB])
    run_id = f"bench{time.time_ns()}"
    return run_eligibility(
        pages, rules, formula, lambda n, ids, given: results.save_chunk(run_id, n, ids, given), chunk_size=RESULT_CHUNK
    )


def through_broker(amqp_uri: str, client: MongoClient[Any]) -> Iterator[dict[str, list[Any]]]:
    """The pages as the registry streams them to a reader's private queue, read back as assistance does."""

    def send(queue: str) -> None:
        with PageSender(amqp_uri, queue) as sender:
            sender.send_all(column_pages(facts_stream(client), PAGE))

    def start(queue: str) -> None:
        threading.Thread(target=send, args=(queue,), daemon=True).start()

    return receive_pages(amqp_uri, start, timeout=600)


def in_memory(count: int, rules: RuleSet, formula: AmountFormula) -> tuple[list[Row], dict[str, Any]]:
    start = time.perf_counter()
    households = list(facts(count, seed=2026))
    # The service never holds a million households at once; the bench does, and Python's
    # collector would rescan them all on every full collection.
    gc.freeze()
    print(f"built {count:,} households' facts in {time.perf_counter() - start:.1f} s (not counted)", flush=True)
    dict_pages = pages_of(households)
    transposed, pages = timed(
        "T  facts to the wire form (registry side)", count, lambda: [facts_to_columns(p) for p in dict_pages]
    )
    gc.freeze()  # the wire pages too: a page in the service is short-lived
    compute, result = timed(
        "C  run compute: wire pages to columns, rules, amounts",
        count,
        lambda: run_eligibility(pages, rules, formula, lambda n, ids, given: None, chunk_size=RESULT_CHUNK),
    )
    columns = [to_columns(page) for page in pages]

    def criteria_only() -> None:
        for cols in columns:
            evaluate_columns(rules, cols)
            amounts(formula, cols)

    pure, _ = timed("C0 of which criteria and amounts on columns", count, criteria_only)
    sample = range(max(1, min(len(pages), 20)))
    sampled = sum(len(dict_pages[i]) for i in sample)

    def round_trip() -> None:
        for i in sample:
            loads(dumps({"kind": "page", "body": pages[i]}))

    def round_trip_dicts() -> None:
        for i in sample:
            loads(dumps({"result": {"items": list(dict_pages[i]), "next_cursor": None}, "error": None}))

    encoded, _ = timed("J  JSON encode + decode of the wire pages", sampled, round_trip, f"on {sampled:,}")
    encoded_dicts, _ = timed(
        "J0 the same, one dict per household (before)", sampled, round_trip_dicts, f"on {sampled:,}"
    )
    few = households[:EXPLAINED_SAMPLE]

    def explained() -> None:
        for raw in few:
            parsed = HouseholdFacts.model_validate(raw)
            evaluate(rules, parsed)
            amount_for(formula, parsed)

    slow, _ = timed("X  explained path, household by household", len(few), explained, f"on {len(few):,}")
    gc.unfreeze()
    return [transposed, compute, pure, encoded, encoded_dicts, slow], result


def table(rows: list[Row], floor: float | None) -> str:
    lines = [f"{'':<58} {'seconds':>9} {'households/s':>13} {'per 1M (s)':>11} {'x raw read':>10}  note"]
    for row in rows:
        ratio = f"{row.seconds / floor:>10.2f}" if floor else f"{'':>10}"
        rate = row.households / row.seconds if row.seconds else float("inf")
        lines.append(f"{row.label:<58} {row.seconds:>9.2f} {rate:>13,.0f} {row.per_million:>11.1f} {ratio}  {row.note}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000, help="in the database")
    parser.add_argument("--memory", type=int, default=TARGET_HOUSEHOLDS, help="in memory, compute only")
    parser.add_argument("--programme", default="afs")
    parser.add_argument("--uri", default=os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"))
    parser.add_argument("--amqp", default=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--skip-database", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.households, args.memory = 500, 2_000
    rules, formula = programme(args.programme)
    print(f"programme: {args.programme}, rules v{rules.version}: {', '.join(c.id for c in rules.criteria)}")

    print(f"\n== in memory: {args.memory:,} households ==")
    memory_rows, memory_result = in_memory(args.memory, rules, formula)
    print(table(memory_rows, None))
    print(f"eligible: {memory_result['eligible']:,} of {memory_result['households']:,}")
    transposed, compute, _, encoded, _, _ = memory_rows

    if args.skip_database:
        return 0
    client: MongoClient[Any] = MongoClient(args.uri, tz_aware=True)
    build = client.admin.command("buildInfo")
    ferretdb = build.get("ferretdb", {}).get("version") or build.get("ferretdbVersion")
    server = f"FerretDB {ferretdb}" if ferretdb else f"MongoDB {build.get('version')}"
    print(f"\n== database: {args.households:,} households, {server} at {args.uri} ==")
    try:
        seeding, _ = timed("seed", args.households, lambda: seed(client[REGISTRY_DB], args.households))
        print(f"seeded in {seeding.seconds:.1f} s (not counted)", flush=True)
        read, seen = timed(
            "R  raw read of the facts' fields (one cursor)", args.households, lambda: raw_read(client[REGISTRY_DB])
        )
        assert seen == args.households, seen
        paced, _ = timed(
            "R' R with the collector paced as bulk reads run",
            args.households,
            lambda: paced_read(client[REGISTRY_DB]),
        )
        paged, _ = timed(
            "P  raw read in pages of 5,000 by _id", args.households, lambda: raw_read_paged(client[REGISTRY_DB])
        )
        run, result = timed(
            "E  end to end: one cursor, wire pages, compute, results",
            args.households,
            lambda: end_to_end(client, rules, formula, column_pages(facts_stream(client), PAGE)),
        )
        assert result["households"] == args.households, result
        streamed, result = timed(
            "S  E with the pages through RabbitMQ",
            args.households,
            lambda: end_to_end(client, rules, formula, through_broker(args.amqp, client)),
        )
        assert result["households"] == args.households, result
        print(table([read, paced, paged, run, streamed], read.seconds))
        print(f"eligible: {result['eligible']:,} of {result['households']:,}, in {result['chunks']} result chunks")
    finally:
        if not args.keep:
            client.drop_database(REGISTRY_DB)
            client.drop_database(ASSISTANCE_DB)
        client.close()

    print(f"\nper 1M households (database rows extrapolated linearly from {args.households:,}):")
    print(f"  raw read (R)                                   ~{read.per_million:>8.1f} s")
    print(f"  run end to end without the broker (E)          ~{run.per_million:>8.1f} s")
    print(f"  run end to end through RabbitMQ (S)            ~{streamed.per_million:>8.1f} s")
    print(f"  compute alone (C), from facts in memory        ~{compute.per_million:>8.1f} s")
    verdict = "met" if streamed.per_million <= TARGET_SECONDS else "NOT met"
    print(
        f"\ntarget: {TARGET_HOUSEHOLDS:,} households in <= {TARGET_SECONDS:.0f} s end to end: {verdict} on this server"
    )
    if read.per_million > TARGET_SECONDS:
        print("  the database read alone exceeds it (R: no run can be faster than its read)")
    beyond_read = transposed.per_million + compute.per_million + encoded.per_million
    fits = "fits" if beyond_read <= TARGET_SECONDS else "does not fit"
    print(f"  everything but the read (T + C + J: {beyond_read:.1f} s) {fits} in it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
