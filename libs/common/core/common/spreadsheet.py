"""Cells a spreadsheet would run as formulas (CSV/formula injection), and how to write them safely.

A spreadsheet opening a CSV or XLSX file evaluates a cell that starts with ``=``, ``+``,
``-`` or ``@``, and also one that starts with a tab or a carriage return: a name like
``=HYPERLINK("http://…", "Benali")`` turns into a link that leaks data, or worse, on the
agent's computer. The platform stores what it is given (it is data, and the registry
never evaluates it), and:

- **on export**, every text cell goes through :func:`neutralise`, which prefixes such a
  value with an apostrophe: spreadsheets show it as text, as typed (:func:`csv_text`
  writes a whole export so);
- **on import**, :func:`formula_like` says which values would be evaluated, so the
  import report warns about them (``formula_like``) without refusing the row.

A value made only of digits, blanks and ``( ) + - . , /`` after its first character is
left alone, on export and on import: it can neither call a function nor reference a
cell, so at worst a spreadsheet computes it. Phones (``+213 550 12 34 56``, E.164
``+213550123456``), negative amounts (``-12.5``) and a ``-`` for "none" stay as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_LIKE = "formula_like"
_INERT = re.compile(r"[0-9 ()+\-.,/]*")


def formula_like(value: object) -> bool:
    """Whether a spreadsheet would evaluate ``value`` written as a cell."""
    return isinstance(value, str) and value.startswith(TRIGGERS) and not _INERT.fullmatch(value[1:])


def neutralise(value: Any) -> Any:
    """``value`` as a cell a spreadsheet shows as text: ``'=1+1`` for ``=1+1``; anything else unchanged."""
    return f"'{value}" if formula_like(value) else value


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """An export as CSV for a spreadsheet: BOM, ``;`` (Excel in a French or Arabic locale), every cell neutralised.

    ``None`` is an empty cell; a column a row lacks too.
    """
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 (Arabic names) only with it
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else neutralise(row[name]) for name in columns])
    return out.getvalue()


def formula_fields(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """The fields of a row (nested objects and lists as ``members.0.phone``) a spreadsheet would evaluate."""
    for name, value in values.items():
        field = f"{prefix}{name}"
        if isinstance(value, Mapping):
            yield from formula_fields(value, f"{field}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from formula_fields(item, f"{field}.{index}.")
                elif formula_like(item):
                    yield f"{field}.{index}"
        elif formula_like(value):
            yield field
