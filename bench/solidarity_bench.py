"""Solidarity benchmark (``make bench-solidarity``): gifts, receipts, receipt numbering, campaign progress.

Run from the repository root against the database at ``MONGO_URI``::

    .venv/bin/python -m bench.solidarity_bench [--gifts 100000] [--progress-gifts 1000000] [--smoke]

Every figure is printed next to a baseline measured in the same run, on a fresh ``bench_solidarity``
database (dropped at the end):

A. **record gifts**: ``--gifts`` cash gifts to one open campaign through the service's own use case
   (``app.gifts.record``: checks, idempotency key, ``donation_recorded`` in the outbox, the campaign's
   totals moved by ``$inc``) by ``--issuers`` concurrent clerks, next to a raw ``insert_many`` of the
   same documents.
B. **issue their receipts**: one receipt per gift through ``app.receipts.issue_for_gift`` (number taken,
   register entry pending then filled with ``receipt_issued``, gift locked), by ``--issuers`` concurrent
   threads, next to a raw ``insert_many`` of the same register documents; then the register is checked:
   no gap, no duplicate (``register_gaps``).
C. **numbering under 8 concurrent issuer processes**: each takes and writes ``--numbers`` numbers of one
   directorate and year through the real counters and register; the register must have no gap and no
   duplicate. Next to it, the same count of numbers taken by one process.
D. **PDFs/s**: ``--pdfs`` receipts printed (Arabic and French, QR code) in one process, then by a pool
   of one process per core.
E. **campaign progress at ``--progress-gifts`` gifts**: the progress read (one counter document by ``_id``)
   p50/p99, next to the aggregation over the gifts that a counter-less design would run.

``--smoke`` runs everything at tiny sizes in seconds (it checks the bench, measures nothing).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database

from bench.stats import summarize
from common.clock import now
from common.context import CallerContext
from common.contracts.campaigns import CampaignIn
from common.contracts.donors import DonorIn
from common.contracts.gifts import GiftIn
from common.idempotency import keyed
from solidarity.adapters import gifts as gift_documents
from solidarity.adapters.campaign_totals import MongoCampaignTotals, recount
from solidarity.adapters.campaigns import MongoCampaigns
from solidarity.adapters.donors import MongoDonors
from solidarity.adapters.gifts import MongoGifts
from solidarity.adapters.receipt_counters import MongoReceiptNumbers
from solidarity.adapters.receipts import MongoReceipts
from solidarity.app import campaigns as campaigning
from solidarity.app import donors as donor_records
from solidarity.app import gifts as giving
from solidarity.app import receipts as receipting
from solidarity.domain.money import Money
from solidarity.domain.receipts import Receipt, ReceiptNumber, register_gaps
from solidarity.printing import receipt_pdf

MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
DATABASE = "bench_solidarity"
AGENT = CallerContext(user_id="bench-agent", roles=("wilaya-director",), area="/DZ/16", correlation_id="bench")
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
KEY = b"bench-receipt-key-0123456789abcdef"
BATCH = 1000


def database() -> Database[Any]:
    client: MongoClient[Any] = MongoClient(MONGO_URI, tz_aware=True)
    return client[DATABASE]


def fresh() -> Database[Any]:
    db = database()
    db.client.drop_database(DATABASE)
    for repository in (MongoCampaigns, MongoCampaignTotals, MongoDonors, MongoGifts, MongoReceipts):
        repository.ensure_indexes(db)
    return db


def gift_desk(db: Database[Any]) -> giving.GiftDesk:
    return giving.GiftDesk(MongoCampaigns(db), MongoCampaignTotals(db), MongoDonors(db), MongoGifts(db))


def receipt_desk(db: Database[Any]) -> receipting.Desk:
    return receipting.Desk(MongoReceiptNumbers(db), MongoReceipts(db), MongoGifts(db), MongoDonors(db))


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s ({count:,} in {seconds:.1f} s)"


def batches(items: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def recovered(db: Database[Any]) -> dict[str, int]:
    """The register's recovery, as the service runs it every minute, with every issue already stale."""
    return receipting.recover(receipt_desk(db), now() + timedelta(minutes=10), timedelta(minutes=1))


def raw_insert(db: Database[Any], collection: str, docs: list[dict[str, Any]]) -> float:
    """Seconds to ``insert_many`` ``docs`` (fresh ``_id``s) into a scratch collection."""
    scratch = db[f"raw_{collection}"]
    scratch.drop()
    started = time.perf_counter()
    for chunk in batches([{**doc, "_id": ObjectId()} if collection == "gifts" else doc for doc in docs]):
        scratch.insert_many(chunk, ordered=False)
    seconds = time.perf_counter() - started
    scratch.drop()
    return seconds


# --- A. gifts -------------------------------------------------------------------------------


def setup_campaign(db: Database[Any]) -> tuple[str, str]:
    """An open Ramadan campaign of wilaya 16 and a walk-in donor: their ids."""
    desk = gift_desk(db)
    body = CampaignIn(kind="ramadan", name_fr="Ramadan 1448", name_ar="رمضان 1448", area="/DZ/16",
                      starts_on=date(now().year, 1, 1), ends_on=date(now().year, 12, 31))  # fmt: skip
    campaign = campaigning.create(desk.campaigns, AGENT, body, keyed(AGENT.user_id, uuid.uuid4().hex, body))
    campaigning.move(desk.campaigns, AGENT, campaign.id, "open")
    donor_in = DonorIn(kind="company", name="Sarl Bench Solidaire", area="/DZ/16", registration="16/00-0123456B")
    donor = donor_records.register(desk.donors, AGENT, donor_in, keyed(AGENT.user_id, uuid.uuid4().hex, donor_in))
    return campaign.id, donor.id


def record_gifts(
    db: Database[Any], count: int, campaign_id: str, donor_id: str, workers: int
) -> tuple[list[str], float]:
    """``count`` gifts recorded by ``workers`` concurrent clerks through the use case; their ids and the time."""
    desk = gift_desk(db)

    def record(n: int) -> str:
        body = GiftIn(donor_id=donor_id, area="/DZ/16/1601", campaign_id=campaign_id,
                      cash={"amount": str(1000 + n % 5000), "currency": "DZD", "channel": "counter"})  # type: ignore[arg-type]  # fmt: skip
        return giving.record(desk, AGENT, body, keyed(AGENT.user_id, f"bench-gift-{n:08d}", body)).id

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        ids = list(pool.map(record, range(count)))
    return ids, time.perf_counter() - started


def section_gifts(db: Database[Any], count: int, workers: int) -> tuple[list[str], str]:
    campaign_id, donor_id = setup_campaign(db)
    ids, seconds = record_gifts(db, count, campaign_id, donor_id, workers)
    stored = list(db["gifts"].find({}, {gift_documents.outbox.OUTBOX_FIELD: 0}))
    raw = raw_insert(db, "gifts", stored)
    print(f"A. record gifts ({workers} concurrent clerks, one campaign, its totals moved with each)")
    print(f"   service use case      {rate(count, seconds)}")
    print(f"   raw insert_many       {rate(count, raw)}   -> raw is {seconds / raw:,.0f}x faster")
    return ids, campaign_id


# --- B. receipts ----------------------------------------------------------------------------


def section_receipts(db: Database[Any], gift_ids: list[str], issuers: int) -> None:
    today = now().date()
    failures: list[BaseException] = []

    def issue(chunk: list[str]) -> None:
        desk = receipt_desk(db)
        for gift_id in chunk:
            try:
                receipting.issue_for_gift(desk, AGENT, gift_id, keyed(AGENT.user_id, f"rcpt-{gift_id}", gift_id), today)
            except Exception as error:  # noqa: BLE001 - counted and shown below
                failures.append(error)

    chunks = [gift_ids[i::issuers] for i in range(issuers)]
    started = time.perf_counter()
    with ThreadPoolExecutor(issuers) as pool:
        list(pool.map(issue, chunks))
    seconds = time.perf_counter() - started
    recovery = recovered(db)
    entries = list(db["receipts"].find({}))
    raw = raw_insert(db, "receipts", [{**doc, "_id": f"{doc['_id']}-raw"} for doc in entries])
    faults = register_gaps(ReceiptNumber.parse(doc["_id"]) for doc in entries)
    valid = sum(doc["state"] == "valid" for doc in entries)
    print(f"B. issue their receipts ({issuers} concurrent issuers)")
    print(f"   service use case      {rate(len(gift_ids), seconds)}")
    print(f"   raw insert_many       {rate(len(entries), raw)}   -> raw is {seconds / raw:,.0f}x faster")
    print(f"   register: {len(entries):,} numbers, {valid:,} valid, gaps/duplicates: {faults or 'none'}, "
          f"failed issues: {len(failures)}")  # fmt: skip
    print(f"   numbers the counter skipped (taken, never handed out), voided by the recovery: {recovery['unused']}")
    if faults or failures or valid != len(gift_ids):
        raise SystemExit(f"receipts: register incomplete or issues failed: {faults} {failures[:3]}")


# --- C. numbering under concurrent processes ------------------------------------------------


def _number_worker(args: tuple[int, int, Any]) -> tuple[float, float, list[str]]:
    """One issuer process: ``count`` numbers of DAS-31 taken and written (pending, then filled), and when it
    began and ended (wall clock); all start together at ``barrier`` (None: at once)."""
    worker, count, barrier = args
    desk = receipt_desk(database())
    desk.numbers.issued()  # connected before the start
    if barrier is not None:
        barrier.wait(timeout=300)
    taken: list[str] = []
    began = time.time()
    for _ in range(count):
        number = receipting.take_number(desk, "DAS-31", now().year, f"issuer-{worker}", {"gift_ids": []}, None)
        receipt = Receipt(number, "gift", "bench-donor", (uuid.uuid4().hex,), Money("DZD", 100_000),
                          now().date(), "/DZ/31", None)  # fmt: skip
        desk.register.fill(receipt, receipting.issued(receipt), f"issuer-{worker}")
        taken.append(str(number))
    return began, time.time(), taken


def section_numbering(db: Database[Any], processes: int, each: int) -> None:
    context = multiprocessing.get_context("spawn")  # a fresh MongoClient per process, no forked sockets
    with context.Manager() as manager, ProcessPoolExecutor(processes, mp_context=context) as pool:
        barrier = manager.Barrier(processes)
        runs = list(pool.map(_number_worker, [(w, each, barrier) for w in range(processes)]))
    handed = [number for _, _, numbers in runs for number in numbers]
    seconds = max(end for _, end, _ in runs) - min(began for began, _, _ in runs)
    overlap = min(end for _, end, _ in runs) - max(began for began, _, _ in runs)
    before = register_gaps(ReceiptNumber.parse(doc["_id"]) for doc in db["receipts"].find({"issuer": "DAS-31"}))
    recovery = recovered(db)
    stored = [ReceiptNumber.parse(doc["_id"]) for doc in db["receipts"].find({"issuer": "DAS-31"}, {"_id": 1})]
    faults = register_gaps(stored)
    duplicates = len(handed) - len(set(handed))
    db["receipts"].delete_many({"issuer": "DAS-31"})
    db["receipt_counters"].delete_many({"issuer": "DAS-31"})
    began, ended, _ = _number_worker((0, processes * each, None))
    alone = ended - began
    print(f"C. numbering: {processes} concurrent issuer processes x {each} numbers")
    print(f"   {processes} processes           {rate(len(handed), seconds)}")
    print(f"   one process           {rate(processes * each, alone)}")
    print(f"   all {processes} were issuing together for {max(overlap, 0):.1f} s of the {seconds:.1f} s")
    skipped = sum(len(fault["missing"]) for fault in before.values())
    print(f"   numbers the counter skipped (taken, never handed out): {skipped}, voided with their reason by the "
          f"recovery: {recovery['unused']}")  # fmt: skip
    print(f"   handed twice: {duplicates}; register gaps/duplicates after the recovery: {faults or 'none'}")
    if faults or duplicates:
        raise SystemExit(f"numbering: gaps or duplicates under concurrency: {faults}, {duplicates} handed twice")


# --- D. PDFs --------------------------------------------------------------------------------


def _print_one(n: int) -> int:
    receipt = Receipt(ReceiptNumber("DAS-16", 2026, n + 1), "gift", "d", (f"g{n}",), Money("DZD", 150_000 + n),
                      date(2026, 12, 6), "/DZ/16/1601", "c")  # fmt: skip
    page = receipt_pdf.sheet(receipt, donor_name="عبد القادر بن يوسف", campaign_names=("Ramadan 1448", "رمضان 1448"),
                             key=KEY, base_url="https://dons.example.dz")  # fmt: skip
    return len(receipt_pdf.render(page, FONT_DIR))


def section_pdfs(count: int) -> None:
    _print_one(0)  # the fonts are measured once per process
    started = time.perf_counter()
    for n in range(count):
        _print_one(n)
    one = time.perf_counter() - started
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_print_one, range(workers)))  # warm every worker's fonts
        started = time.perf_counter()
        list(pool.map(_print_one, range(count)))
        pooled = time.perf_counter() - started
    print("D. receipt PDFs (Arabic shaped right to left and French, QR code)")
    print(f"   one process           {rate(count, one)}")
    print(f"   {workers} processes           {rate(count, pooled)}")


# --- E. campaign progress -------------------------------------------------------------------


def section_progress(db: Database[Any], count: int, campaign_id: str, reads: int) -> None:
    unkeyed = {gift_documents.outbox.OUTBOX_FIELD: 0, "idempotency_key": 0, "idempotency_fingerprint": 0}
    template = db["gifts"].find_one({"campaign_id": campaign_id}, unkeyed)  # keys are unique: clones carry none
    assert template is not None
    present = db["gifts"].count_documents({"campaign_id": campaign_id})
    started = time.perf_counter()
    for start in range(present, count, BATCH):
        size = min(BATCH, count - start)
        db["gifts"].insert_many([{**template, "_id": ObjectId()} for _ in range(size)], ordered=False)
    filled = time.perf_counter() - started
    recount(db, campaign_id)  # the counter as the gifts now say (the raw inserts did not move it)
    totals = MongoCampaignTotals(db)

    def timed(read: Callable[[], Any], times: int) -> tuple[list[float], float]:
        latencies: list[float] = []
        begun = time.perf_counter()
        for _ in range(times):
            t0 = time.perf_counter()
            read()
            latencies.append(time.perf_counter() - t0)
        return latencies, time.perf_counter() - begun

    counter = summarize("progress (counter)", *timed(lambda: totals.of(campaign_id), reads))
    standing = {"campaign_id": campaign_id, "state": {"$in": ["recorded", "receipted"]}}
    summed = {"_id": "$cash.currency", "minor": {"$sum": "$cash.amount_minor"}, "n": {"$sum": 1}}
    pipeline = [{"$match": standing}, {"$group": summed}]
    aggregated = summarize("aggregation", *timed(lambda: list(db["gifts"].aggregate(pipeline)), 3))
    print(f"E. campaign progress at {count:,} gifts (filled by raw inserts at {rate(count - present, filled)})")
    print(f"   counter read          p50 {counter.p50_ms:.2f} ms, p99 {counter.p99_ms:.2f} ms ({reads} reads)")
    print(f"   aggregation           p50 {aggregated.p50_ms:.0f} ms (3 runs): the read a counter spares")
    if totals.of(campaign_id).gifts != count:
        raise SystemExit("progress: the counter does not hold every gift")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gifts", type=int, default=100_000)
    parser.add_argument("--issuers", type=int, default=8)
    parser.add_argument("--numbers", type=int, default=500, help="numbers per issuer process (C)")
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--progress-gifts", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench, measures nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.gifts, args.numbers, args.pdfs, args.progress_gifts, args.reads = 40, 10, 2, 400, 20
    db = fresh()
    try:
        gift_ids, campaign_id = section_gifts(db, args.gifts, args.issuers)
        section_receipts(db, gift_ids, args.issuers)
        section_numbering(db, 8, args.numbers)
        section_pdfs(args.pdfs)
        section_progress(db, max(args.progress_gifts, args.gifts), campaign_id, args.reads)
    finally:
        db.client.drop_database(DATABASE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
