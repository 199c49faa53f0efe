"""The import path against the local database (at ``MONGO_URI``), in a throwaway ``test_`` database.

The other tests use mongomock; this one checks what only a real server shows: pymongo's
bulk error indexes, the unique import key. Skipped when nothing answers at ``MONGO_URI``.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.errors import PyMongoError

from common.nameko_ext import outbox
from common.pii import NationalIdProtector
from registry.adapters.households import ImportedHouseholds
from registry.importing.formats import read_rows
from registry.importing.job import run_import
from registry.importing.writer import HouseholdWriter
from tests.unit.registry_importing.conftest import csv_bytes, head_row

MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")


@pytest.fixture
def households() -> Iterator[Collection[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI, serverSelectionTimeoutMS=2000)
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        pytest.skip(f"no database at {MONGO_URI}: {exc}")
    name = f"test_import_{uuid.uuid4().hex[:8]}"
    collection = client[name]["households"]
    ImportedHouseholds.ensure_indexes(collection)
    yield collection
    client.drop_database(name)
    client.close()


def test_import_reimport_and_change_on_the_real_server(
    households: Collection[Any], protector: NationalIdProtector
) -> None:
    rows = [head_row(f"H-{n:03d}", address=f"{n} rue Hassiba Ben Bouali") for n in range(1, 21)]

    def run(data: bytes) -> Any:
        writer = HouseholdWriter(
            ImportedHouseholds(households), source="test-survey", user_id="agent-1", protector=protector
        )
        return run_import(lambda: read_rows(io.BytesIO(data), "csv"), writer, chunk_size=8)

    first = run(csv_bytes(rows))
    assert (first.created, first.invalid) == (20, 0)
    again = run(csv_bytes(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 20)
    rows[4]["address"] = "5 boulevard Zighoud Youcef"
    changed = run(csv_bytes(rows))
    assert (changed.updated, changed.unchanged) == (1, 19)
    assert households.count_documents({}) == 20
    assert households.database[outbox.PENDING_COLLECTION].count_documents({}) == 20  # one marker per household


def test_a_household_imported_meanwhile_is_found_not_created_twice(
    households: Collection[Any], protector: NationalIdProtector
) -> None:
    def writer(user_id: str) -> HouseholdWriter:
        return HouseholdWriter(
            ImportedHouseholds(households), source="test-survey", user_id=user_id, protector=protector
        )

    def rows(*refs: str) -> Any:
        data = csv_bytes([head_row(ref) for ref in refs])
        return lambda: read_rows(io.BytesIO(data), "csv")

    late = writer("agent-1")
    run_import(rows("H-2"), writer("agent-2"))
    report = run_import(rows("H-1", "H-2"), late)
    assert (report.created, report.unchanged) == (1, 1)
    assert households.count_documents({}) == 2
