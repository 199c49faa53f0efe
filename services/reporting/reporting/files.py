"""Export tables as CSV and XLSX files: every text cell neutralised against formula injection.

A hidden (suppressed) cell is written ``x``, the statisticians' mark for "confidential";
every line carries the as-of time; an XLSX file's first lines say both in French and Arabic.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from common.spreadsheet import csv_text, neutralise
from reporting.app.exports import Table
from reporting.app.ports import File

HIDDEN = "x"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _notes(table: Table) -> list[str]:
    notes = [f"as_of: {table.as_of.isoformat() if table.as_of else '-'}"]
    if table.suppressed:
        notes.append(
            f"x = moins de {table.min_cell} / x = أقل من {table.min_cell} (secret statistique / السر الإحصائي)"
        )
    return notes


def _cells(table: Table) -> list[dict[str, Any]]:
    return [{k: HIDDEN if v is None and k in table.total else v for k, v in line.items()} for line in table.lines()]


def render(table: Table, fmt: str) -> File:
    """The table as ``csv`` or ``xlsx``."""
    stem = f"rapport-{table.period}-{table.area.strip('/').replace('/', '-')}{'-public' if table.suppressed else ''}"
    if fmt == "csv":
        return File(f"{stem}.csv", CSV, csv_text(table.columns, _cells(table)).encode("utf-8"))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "rapport"
    for note in _notes(table):
        sheet.append([neutralise(note)])
    sheet.append(table.columns)
    for line in _cells(table):
        sheet.append([neutralise(line.get(column)) for column in table.columns])
    out = io.BytesIO()
    book.save(out)
    return File(f"{stem}.xlsx", XLSX, out.getvalue())
