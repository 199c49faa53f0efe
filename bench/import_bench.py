"""Bulk import benchmark: the household import path next to raw ``insert_many`` of the same documents.

Run from the repository root (needs the database at ``MONGO_URI``)::

    .venv/bin/python -m bench.import_bench [--households N] [--chunk 5000]

The default, 200 000 households, took about 7 minutes on 2 cores next to FerretDB 1.x
(1M would take about 25, raw documents' building included); the table extrapolates.

One run, one machine state, three measures on fresh ``bench_`` databases:

a. **raw**: pymongo ``insert_many`` (unordered, chunks of ``--chunk``) of the final
   documents, built beforehand outside the clock (the import's own functions build
   them, so they are byte for byte what the import stores);
b. **import**: the whole path from the CSV file: read, validate, check match keys, protect
   national ids, digest, lookup, one ``bulk_write`` per chunk, markers;
c. **re-import** of the same file, which must write nothing.

Both collections carry the registry's unique ``import_key`` index. The synthetic survey
has 1 to 6 members per household, names in Arabic and Latin script, phones and national
ids. Figures below 1M households are extrapolated linearly to 1M (indexes grow, so this
is slightly optimistic). The bench databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import MongoClient

from common.pii import NationalIdProtector
from registry.adapters.households import ImportedHouseholds
from registry.importing.formats import RawRow, read_rows
from registry.importing.job import ImportReport, run_import
from registry.importing.rows import ValidRow, parse_row
from registry.importing.stored import new_document, prepare
from registry.importing.writer import ChunkPlan, ChunkResult, HouseholdWriter

MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
RAW_DB, IMPORT_DB = "bench_import_raw", "bench_import"
SOURCE = "bench-survey-2025"
TARGET = 1_000_000
MAX_MEMBERS = 6

MEN = [
    ("محمد", "Mohamed"),
    ("أحمد", "Ahmed"),
    ("عبد القادر", "Abdelkader"),
    ("يوسف", "Youcef"),
    ("كريم", "Karim"),
    ("سمير", "Samir"),
    ("رشيد", "Rachid"),
    ("مراد", "Mourad"),
    ("ياسين", "Yacine"),
    ("أمين", "Amine"),
    ("بلال", "Bilal"),
    ("حمزة", "Hamza"),
    ("سفيان", "Sofiane"),
    ("وليد", "Walid"),
    ("جمال", "Djamel"),
    ("فريد", "Farid"),
    ("مصطفى", "Mustapha"),
    ("عبد الرحمن", "Abderrahmane"),
    ("إلياس", "Ilyes"),
    ("نصر", "Nacer"),
]
WOMEN = [
    ("فاطمة", "Fatima"),
    ("خديجة", "Khadidja"),
    ("عائشة", "Aicha"),
    ("أمينة", "Amina"),
    ("نادية", "Nadia"),
    ("سميرة", "Samira"),
    ("ياسمين", "Yasmine"),
    ("مريم", "Meriem"),
    ("سارة", "Sara"),
    ("لمياء", "Lamia"),
    ("سعاد", "Souad"),
    ("زهرة", "Zohra"),
    ("حورية", "Houria"),
    ("نور", "Nour"),
    ("إيمان", "Imane"),
    ("أسماء", "Asma"),
    ("حنان", "Hanane"),
    ("خولة", "Khaoula"),
    ("دنيا", "Dounia"),
    ("مليكة", "Malika"),
]
FAMILIES = [
    ("بن علي", "Benali"),
    ("بوزيد", "Bouzid"),
    ("بلقاسم", "Belkacem"),
    ("حداد", "Haddad"),
    ("منصوري", "Mansouri"),
    ("سعدي", "Saadi"),
    ("براهيمي", "Brahimi"),
    ("خليفي", "Khelifi"),
    ("بوضياف", "Boudiaf"),
    ("مزيان", "Meziane"),
    ("شريف", "Cherif"),
    ("حميدي", "Hamidi"),
    ("رحماني", "Rahmani"),
    ("زروقي", "Zerrouki"),
    ("بن سعيد", "Bensaid"),
    ("قاسي", "Kaci"),
    ("آيت أحمد", "Ait Ahmed"),
    ("سليماني", "Slimani"),
    ("بوشارب", "Bouchareb"),
    ("جبار", "Djebbar"),
]
STREETS = [
    "rue Didouche Mourad",
    "boulevard Zighoud Youcef",
    "rue Larbi Ben M'hidi",
    "cité 5 Juillet",
    "حي السلام",
    "حي النصر",
    "شارع الاستقلال",
    "cité des 1000 logements",
]
WILAYAS = ("16", "31", "25", "09", "06")
MOBILE_PREFIXES = ("055", "065", "066", "069", "077", "078", "079")
PERSON = ("given_name_ar", "family_name_ar", "given_name_lat", "family_name_lat", "sex", "birth_date", "birth_year",
          "relationship", "phone", "national_id")  # fmt: skip
COLUMNS = ["household_ref", "area", "address"] + [
    f"{prefix}_{field}"
    for prefix in ["head", *(f"m{n}" for n in range(2, MAX_MEMBERS + 1))]
    for field in PERSON
    if (prefix, field) != ("head", "relationship")
]


def _person(rng: random.Random, sex: str, age: int, family: tuple[str, str]) -> dict[str, str]:
    given = rng.choice(MEN if sex == "M" else WOMEN)
    born = date(2025, 1, 1) - timedelta(days=age * 365 + rng.randrange(365))
    person = {"sex": sex}
    script = rng.random()
    if script < 0.8:  # Arabic, most of the time with a transliteration
        person |= {"given_name_ar": given[0], "family_name_ar": family[0]}
    if script > 0.3:
        person |= {"given_name_lat": given[1], "family_name_lat": family[1]}
    if rng.random() < 0.85:
        person["birth_date"] = born.isoformat()
    else:
        person["birth_year"] = str(born.year)
    if age >= 18 and rng.random() < 0.5:
        person["national_id"] = "".join(rng.choices("0123456789", k=18))
    return person


def household(rng: random.Random, n: int) -> dict[str, str]:
    family = rng.choice(FAMILIES)
    head_sex = "M" if rng.random() < 0.8 else "F"
    head_age = rng.randrange(25, 85)
    people = [("head", _person(rng, head_sex, head_age, family))]
    digits = [rng.randrange(10, 100) for _ in range(3)]
    people[0][1]["phone"] = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10)} {digits[0]} {digits[1]} {digits[2]}"
    size = rng.randint(1, MAX_MEMBERS)
    if size > 1 and rng.random() < 0.8:
        people.append(("spouse", _person(rng, "F" if head_sex == "M" else "M", max(18, head_age - 5), family)))
    while len(people) < size:
        child_age = rng.randrange(0, max(1, min(30, head_age - 18)))
        people.append(("child", _person(rng, rng.choice("FM"), child_age, family)))
    wilaya = rng.choice(WILAYAS)
    row = {
        "household_ref": f"S25-{wilaya}-{n:07d}",
        "area": f"/DZ/{wilaya}/{wilaya}{rng.randrange(1, 21):02d}",
        "address": f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
    }
    for index, (relationship, person) in enumerate(people):
        prefix = "head" if index == 0 else f"m{index + 1}"
        row |= {f"{prefix}_{field}": value for field, value in person.items()}
        if index:
            row[f"{prefix}_relationship"] = relationship
    return row


def write_survey(path: Path, count: int, seed: int = 2025) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, COLUMNS, delimiter=";")
        writer.writeheader()
        for n in range(1, count + 1):
            writer.writerow(household(rng, n))


def chunks(path: Path, size: int) -> Iterator[list[ValidRow]]:
    chunk: list[ValidRow] = []
    with path.open("rb") as stream:
        for raw in read_rows(stream, "csv"):
            parsed = parse_row(raw)
            assert isinstance(parsed, ValidRow), parsed
            chunk.append(parsed)
            if len(chunk) == size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


@dataclass
class Measure:
    label: str
    seconds: float
    households: int
    client_cpu: float  # this process, all threads: parsing, validating, encoding BSON

    @property
    def rate(self) -> float:
        return self.households / self.seconds if self.seconds else 0.0


def raw_insert(client: MongoClient[Any], path: Path, chunk: int, protector: NationalIdProtector) -> Measure:
    """insert_many of the final documents, built per chunk outside the clock (memory stays flat)."""
    collection = client[RAW_DB]["households"]
    ImportedHouseholds.ensure_indexes(collection)
    now, seconds, cpu, total = datetime.now(UTC).replace(microsecond=0), 0.0, 0.0, 0
    for rows in chunks(path, chunk):
        docs = [new_document(prepare(row, SOURCE, protector), ObjectId(), "bench", now) for row in rows]
        started, cpu_started = time.perf_counter(), time.process_time()
        collection.insert_many(docs, ordered=False)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        total += len(docs)
    return Measure("raw insert_many (documents pre-built)", seconds, total, cpu)


class TimedWriter:
    """The writer, with the time spent planning (protect, digest, lookup) and committing (bulk write, markers)."""

    def __init__(self, writer: HouseholdWriter) -> None:
        self.writer = writer
        self.planning = 0.0
        self.committing = 0.0

    def plan(self, rows: Sequence[ValidRow], dry_run: bool) -> ChunkPlan:
        started = time.perf_counter()
        try:
            return self.writer.plan(rows, dry_run)
        finally:
            self.planning += time.perf_counter() - started

    def commit(self, plan: ChunkPlan) -> ChunkResult:
        started = time.perf_counter()
        try:
            return self.writer.commit(plan)
        finally:
            self.committing += time.perf_counter() - started


def imported(
    client: MongoClient[Any], path: Path, chunk: int, protector: NationalIdProtector, label: str
) -> tuple[Measure, ImportReport, TimedWriter]:
    collection = client[IMPORT_DB]["households"]
    ImportedHouseholds.ensure_indexes(collection)
    writer = TimedWriter(
        HouseholdWriter(ImportedHouseholds(collection), source=SOURCE, user_id="bench", protector=protector)
    )

    def open_rows() -> Iterator[RawRow]:
        with path.open("rb") as stream:
            yield from read_rows(stream, "csv")

    started, cpu_started = time.perf_counter(), time.process_time()
    report = run_import(open_rows, writer, chunk_size=chunk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return Measure(label, seconds, report.total_rows, cpu), report, writer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--households", type=int, default=200_000, help="default 200000, extrapolated to 1M")
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args(argv)
    client: MongoClient[Any] = MongoClient(MONGO_URI)
    protector = NationalIdProtector(os.urandom(32), os.urandom(32))
    build = client.admin.command("buildInfo")
    ferretdb = build.get("ferretdb", {}).get("version") or build.get("ferretdbVersion")
    server = f"FerretDB {ferretdb}" if ferretdb else f"MongoDB {build.get('version')}"
    for name in (RAW_DB, IMPORT_DB):
        client.drop_database(name)
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        path = Path(tmp) / "survey.csv"
        started = time.perf_counter()
        write_survey(path, args.households)
        size = path.stat().st_size
        print(f"survey: {args.households} households, {size / 1e6:.0f} MB CSV, {time.perf_counter() - started:.0f}s"
              f" to generate; server: {server}; chunk {args.chunk}", flush=True)  # fmt: skip
        try:
            raw = raw_insert(client, path, args.chunk, protector)
            print(f"  {raw.label}: {raw.seconds:.1f}s", flush=True)
            first, report, in_writer = imported(client, path, args.chunk, protector, "import (CSV -> registry)")
            assert (report.created, report.invalid, report.file_error) == (args.households, 0, None), report
            print(f"  {first.label}: {first.seconds:.1f}s", flush=True)
            again, report_again, again_writer = imported(client, path, args.chunk, protector, "re-import, same file")
            assert (report_again.unchanged, report_again.created, report_again.updated) == (args.households, 0, 0)
            stored = client[IMPORT_DB]["households"].estimated_document_count()
        finally:
            for name in (RAW_DB, IMPORT_DB):
                client.drop_database(name)
    print_table(args.households, raw, [first, again], {first.label: in_writer, again.label: again_writer}, stored)


def print_table(count: int, raw: Measure, runs: list[Measure], writers: dict[str, TimedWriter], stored: int) -> None:
    scale = TARGET / count
    header = f"{'measure':<40} {'seconds':>8} {'households/s':>13} {'x raw':>6} {'1M est. s':>10}"
    print(f"\n{header} {'client CPU us/household':>24}")
    for measure in (raw, *runs):
        ratio = measure.rate / raw.rate if raw.rate else 0.0
        line = f"{measure.label:<40} {measure.seconds:>8.1f} {measure.rate:>13,.0f} {ratio:>6.2f}"
        print(f"{line} {measure.seconds * scale:>10.0f} {measure.client_cpu / measure.households * 1e6:>24.0f}")
    for label, writer in writers.items():
        print(
            f"  {label}: planning {writer.planning:.1f}s (protect, digest, lookup), committing"
            f" {writer.committing:.1f}s (bulk write, markers; overlaps reading and validating the next chunk)"
        )
    print(f"stored households after the re-import: {stored}")


if __name__ == "__main__":
    sys.exit(main())
