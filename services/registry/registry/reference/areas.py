"""Algeria's administrative areas as records ready to upsert into the ``areas`` collection.

The wilayas ship with the code (``wilayas.json``). Communes come from a CSV with the header
``code;wilaya_code;name_fr;name_ar`` (``communes_sample.csv`` ships Alger and Oran), so a
directorate can load its own list. The CSV is read as a stream: every data row yields an
:class:`Area` or a :class:`RowError` carrying its line number and a stable code, so one bad
row is reported without stopping the others.

Paths follow :mod:`common.areas`: ``/DZ``, ``/DZ/16``, ``/DZ/16/1601``; a commune code is
four digits starting with its wilaya's code.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from common import areas

AreaLevel = Literal["national", "wilaya", "commune"]
RowErrorCode = Literal[
    "header_mismatch",  # the first row is not the expected header; nothing else is read
    "row_malformed",  # the CSV itself cannot be read past this line; nothing else is read
    "column_count",
    "code_malformed",
    "wilaya_unknown",
    "code_wilaya_mismatch",
    "name_missing",
    "duplicate_code",
]

COMMUNES_HEADER = ("code", "wilaya_code", "name_fr", "name_ar")
COMMUNES_DELIMITER = ";"

_PACKAGE = "registry.reference"
_WILAYA_CODE = re.compile(r"^[0-9]{2}$")
_COMMUNE_CODE = re.compile(r"^[0-9]{4}$")


class ReferenceDataError(ValueError):
    """A wilaya list (or the shipped commune sample) is malformed: a packaging bug, not user input."""


@dataclass(frozen=True, slots=True)
class Wilaya:
    code: str
    name_fr: str
    name_ar: str


@dataclass(frozen=True, slots=True)
class Area:
    """One administrative area, keyed by ``path``."""

    path: str
    level: AreaLevel
    code: str
    name_fr: str
    name_ar: str
    parent: str | None

    @property
    def ancestors(self) -> list[str]:
        """The area and everything above it, as stored for area-scoped queries."""
        return areas.ancestors(self.path)

    def as_record(self) -> dict[str, Any]:
        """The document to upsert into ``areas`` (keyed by ``path``)."""
        return {
            "path": self.path,
            "level": self.level,
            "code": self.code,
            "name_fr": self.name_fr,
            "name_ar": self.name_ar,
            "parent": self.parent,
            "ancestors": self.ancestors,
        }


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one CSV row was rejected; ``code`` is stable, ``message`` is for people."""

    line: int
    code: RowErrorCode
    message: str
    commune_code: str | None = None


NATIONAL = Area(path=areas.NATIONAL, level="national", code="DZ", name_fr="Algérie", name_ar="الجزائر", parent=None)


def load_wilayas(source: Path | None = None) -> dict[str, Wilaya]:
    """The wilayas by code, in code order; ``source`` defaults to the shipped ``wilayas.json``."""
    text = source.read_text(encoding="utf-8") if source else _shipped("wilayas.json").read_text(encoding="utf-8")
    try:
        entries = json.loads(text)["wilayas"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ReferenceDataError("a wilaya list is a JSON object with a 'wilayas' array") from exc
    if not isinstance(entries, list):
        raise ReferenceDataError("'wilayas' must be an array")
    wilayas: dict[str, Wilaya] = {}
    for index, entry in enumerate(entries):
        wilaya = _wilaya(index, entry)
        if wilaya.code in wilayas:
            raise ReferenceDataError(f"wilaya #{index}: code {wilaya.code} appears twice")
        wilayas[wilaya.code] = wilaya
    return dict(sorted(wilayas.items()))


def wilaya_area(wilaya: Wilaya) -> Area:
    return Area(
        path=f"{areas.NATIONAL}/{wilaya.code}",
        level="wilaya",
        code=wilaya.code,
        name_fr=wilaya.name_fr,
        name_ar=wilaya.name_ar,
        parent=areas.NATIONAL,
    )


def parse_communes(lines: Iterable[str], wilayas: Mapping[str, Wilaya]) -> Iterator[Area | RowError]:
    """Read a communes CSV row by row, yielding an :class:`Area` or a :class:`RowError` for each.

    ``lines`` is anything ``csv.reader`` accepts (an open file, a list of strings). Blank
    lines are skipped. A code already accepted earlier in the stream is a duplicate.
    """
    reader = csv.reader(lines, delimiter=COMMUNES_DELIMITER)
    accepted: dict[str, int] = {}
    header_seen = False
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            cells = [cell.strip() for cell in row]
            if not header_seen:
                header_seen = True
                cells[0] = cells[0].lstrip("\ufeff")
                if tuple(cells) != COMMUNES_HEADER:
                    yield RowError(reader.line_num, "header_mismatch", f"expected header {';'.join(COMMUNES_HEADER)}")
                    return
                continue
            result = _commune(reader.line_num, cells, wilayas, accepted)
            if isinstance(result, Area):
                accepted[result.code] = reader.line_num
            yield result
    except csv.Error:
        yield RowError(reader.line_num, "row_malformed", "the CSV cannot be read past this line")


@dataclass(frozen=True, slots=True)
class CommuneLoad:
    """Everything read from one communes CSV."""

    areas: list[Area]
    errors: list[RowError]


def read_communes(source: Path | Traversable, wilayas: Mapping[str, Wilaya]) -> CommuneLoad:
    """Read a whole communes CSV file (UTF-8, with or without BOM)."""
    found: list[Area] = []
    errors: list[RowError] = []
    with source.open("r", encoding="utf-8-sig") as lines:
        for result in parse_communes(lines, wilayas):
            if isinstance(result, Area):
                found.append(result)
            else:
                errors.append(result)
    return CommuneLoad(found, errors)


def reference_areas() -> list[Area]:
    """The shipped areas, parents before children: ``/DZ``, the 58 wilayas, the sample communes."""
    wilayas = load_wilayas()
    communes = read_communes(_shipped("communes_sample.csv"), wilayas)
    if communes.errors:
        first = communes.errors[0]
        raise ReferenceDataError(f"communes_sample.csv line {first.line}: {first.code}: {first.message}")
    return [NATIONAL, *(wilaya_area(w) for w in wilayas.values()), *communes.areas]


def _shipped(name: str) -> Traversable:
    return resources.files(_PACKAGE) / name


def _wilaya(index: int, entry: Any) -> Wilaya:
    if not isinstance(entry, dict) or set(entry) != {"code", "name_fr", "name_ar"}:
        raise ReferenceDataError(f"wilaya #{index}: expected exactly code, name_fr and name_ar")
    values = [entry["code"], entry["name_fr"], entry["name_ar"]]
    if not all(isinstance(value, str) and value.strip() for value in values):
        raise ReferenceDataError(f"wilaya #{index}: code and names must be non-empty strings")
    code, name_fr, name_ar = (value.strip() for value in values)
    if not _WILAYA_CODE.match(code):
        raise ReferenceDataError(f"wilaya #{index}: code must be two digits")
    return Wilaya(code=code, name_fr=name_fr, name_ar=name_ar)


def _commune(line: int, cells: list[str], wilayas: Mapping[str, Wilaya], seen: Mapping[str, int]) -> Area | RowError:
    if len(cells) != len(COMMUNES_HEADER):
        return RowError(line, "column_count", f"expected {len(COMMUNES_HEADER)} columns, found {len(cells)}")
    code, wilaya_code, name_fr, name_ar = cells
    if not _COMMUNE_CODE.match(code):
        return RowError(line, "code_malformed", "a commune code is four digits", code or None)
    if wilaya_code not in wilayas:
        return RowError(line, "wilaya_unknown", f"no wilaya with code {wilaya_code!r}", code)
    if not code.startswith(wilaya_code):
        return RowError(line, "code_wilaya_mismatch", f"code {code} does not start with wilaya {wilaya_code}", code)
    if not name_fr or not name_ar:
        return RowError(line, "name_missing", "a commune needs both its French and Arabic names", code)
    if code in seen:
        return RowError(line, "duplicate_code", f"code {code} already given on line {seen[code]}", code)
    return Area(
        path=f"{areas.NATIONAL}/{wilaya_code}/{code}",
        level="commune",
        code=code,
        name_fr=name_fr,
        name_ar=name_ar,
        parent=f"{areas.NATIONAL}/{wilaya_code}",
    )
