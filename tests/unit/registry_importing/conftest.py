"""Fixtures of the import tests: sample rows, file builders, a mongomock households collection.

mongomock 4.3 cannot take pymongo 4.15's ``UpdateOne`` in ``bulk_write``; ``BulkCollection``
replays a bulk write op by op and reports failures the way pymongo does (``writeErrors``
with the op's index), which is all the writer relies on. ``test_ferretdb.py`` runs the
same path against the real database.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

import mongomock
import pytest
from openpyxl import Workbook
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from common.pii import NationalIdProtector
from registry.adapters.households import ImportedHouseholds
from registry.importing.writer import HouseholdWriter

NIN = "109870123456789012"


def head_row(ref: str = "H-0001", **changes: str | None) -> dict[str, str | None]:
    """A flat row: a couple and a child in Bab El Oued, Arabic and Latin names."""
    row: dict[str, str | None] = {
        "household_ref": ref,
        "area": "/DZ/16/1601",
        "address": "12 شارع ديدوش مراد",
        "head_given_name_ar": "محمد",
        "head_family_name_ar": "بن علي",
        "head_given_name_lat": "Mohamed",
        "head_family_name_lat": "Benali",
        "head_sex": "M",
        "head_birth_date": "1961-04-12",
        "head_phone": "0550 12 34 56",
        "head_national_id": NIN,
        "m2_given_name_ar": "فاطمة",
        "m2_family_name_ar": "بن علي",
        "m2_sex": "F",
        "m2_birth_year": "1965",
        "m2_relationship": "spouse",
        "m3_given_name_lat": "Yacine",
        "m3_family_name_lat": "Benali",
        "m3_sex": "M",
        "m3_birth_date": "2010-09-01",
        "m3_relationship": "child",
    }
    row.update(changes)
    return row


def csv_bytes(rows: Iterable[Mapping[str, str | None]], delimiter: str = ",", bom: bool = False) -> bytes:
    rows = list(rows)
    columns = list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column) or "" for column in columns])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def xlsx_bytes(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def padded_xlsx(workbook: bytes, padding_mib: int) -> bytes:
    """``workbook`` with its first sheet padded by ``padding_mib`` MiB of blanks: a zip bomb.

    The blanks lie between the sheet's elements, so the XML stays valid and a reader that
    does not check the archive inflates (and parses) all of it. Compressed, each MiB takes
    about a KiB: the file stays small on disk.
    """
    sheet = "xl/worksheets/sheet1.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != sheet:
                bomb.writestr(info.filename, data)
                continue
            before, after = data.split(b"<sheetData>", 1)
            with bomb.open(sheet, "w") as member:
                member.write(before + b"<sheetData>")
                blanks = b" " * (1024 * 1024)
                for _ in range(padding_mib):
                    member.write(blanks)
                member.write(after)
    return out.getvalue()


class BulkCollection:
    """A mongomock collection whose ``bulk_write`` takes pymongo 4.15 operations."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection
        self.bulk_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    @property
    def database(self) -> BulkDatabase:
        return BulkDatabase(self._collection.database)

    def bulk_write(self, ops: list[Any], ordered: bool = True) -> None:
        self.bulk_calls += 1
        errors = []
        for index, op in enumerate(ops):
            try:
                if isinstance(op, InsertOne):
                    self._collection.insert_one(op._doc)
                elif isinstance(op, UpdateOne):
                    self._collection.update_one(op._filter, op._doc, upsert=bool(op._upsert))
                else:
                    raise TypeError(op)
            except DuplicateKeyError as exc:
                errors.append({"index": index, "code": 11000, "errmsg": str(exc)})
        if errors:
            raise BulkWriteError({"writeErrors": errors, "writeConcernErrors": [], "nInserted": 0})


class BulkDatabase:
    """The mongomock database of a :class:`BulkCollection`, whose collections take pymongo's bulk writes too."""

    def __init__(self, database: Any) -> None:
        self._database = database

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)

    def __getitem__(self, name: str) -> BulkCollection:
        return BulkCollection(self._database[name])


@pytest.fixture
def protector() -> NationalIdProtector:
    return NationalIdProtector(b"h" * 32, b"e" * 32)


@pytest.fixture
def households() -> BulkCollection:
    collection = mongomock.MongoClient()["registry"]["households"]
    ImportedHouseholds.ensure_indexes(collection)
    return BulkCollection(collection)


@pytest.fixture
def make_writer(households: BulkCollection, protector: NationalIdProtector) -> Any:
    def make(source: str = "survey-2025", within: str = "/DZ", user_id: str = "agent-1") -> HouseholdWriter:
        collection: Any = households
        return HouseholdWriter(
            ImportedHouseholds(collection), source=source, user_id=user_id, protector=protector, within=within
        )

    return make
