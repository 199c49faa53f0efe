"""Payments of cash grants: references, list ids, and the operator's reconciliation file (pure).

A payment's reference is ``<request id>-<attempt>``: the same grant issued again after a
failure gets the next attempt, and the reference alone finds the payment (its ``_id``).
The operator (Algérie Poste) returns a CSV with ``reference``, ``status`` (``paid`` or
``failed``), ``paid_at`` and optionally ``failure_reason``; separators ``,`` or ``;``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

REQUIRED_COLUMNS = ("reference", "status", "paid_at")
MAX_ROWS = 50_000
OperatorStatus = Literal["paid", "failed"]


def reference(request_id: str, attempt: int) -> str:
    return f"{request_id}-{attempt}"


def list_id(period: str, area: str, point: str) -> str:
    """``2026-03_DZ-16_ccp``: readable, and safe in a URL path."""
    return f"{period}_{area.strip('/').replace('/', '-')}_{point.replace(':', '-')}"


@dataclass(frozen=True)
class OperatorRow:
    line: int
    reference: str
    status: OperatorStatus
    paid_at: datetime | None
    failure_reason: str | None


class MalformedFile(ValueError):
    """The file is not readable CSV; nothing of it may be applied."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"unreadable CSV near line {line}: {reason}")
        self.line = line


@dataclass
class OperatorFile:
    rows: list[OperatorRow] = field(default_factory=list)
    problems: list[dict[str, object]] = field(default_factory=list)


def _timestamp(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_operator_csv(text: str) -> OperatorFile:
    """Rows to apply and the lines that cannot be (each with why): nothing is dropped silently.

    A file without the required columns is a single problem at line 1. A file that is not
    CSV at all (a bare carriage return inside a field, say) raises :class:`MalformedFile`:
    applying the rows before the break would half-apply it.
    """
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        return _parse(reader)
    except csv.Error as exc:
        raise MalformedFile(reader.line_num + 1, str(exc)) from None


def _parse(reader: csv.DictReader[str]) -> OperatorFile:
    parsed = OperatorFile()
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        parsed.problems.append({"line": 1, "reference": None, "problem": f"missing columns: {', '.join(missing)}"})
        return parsed
    reader.fieldnames = columns
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            parsed.problems.append({"line": number, "reference": None, "problem": f"more than {MAX_ROWS} rows"})
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        ref, status = row.get("reference", ""), row.get("status", "").lower()
        if not ref:
            parsed.problems.append({"line": number, "reference": None, "problem": "no reference"})
            continue
        if status not in ("paid", "failed"):
            parsed.problems.append({"line": number, "reference": ref, "problem": "status must be paid or failed"})
            continue
        paid_at: datetime | None = None
        if status == "paid":
            try:
                paid_at = _timestamp(row.get("paid_at", ""))
            except ValueError:
                parsed.problems.append({"line": number, "reference": ref, "problem": "paid_at is not an ISO date"})
                continue
        parsed.rows.append(
            OperatorRow(
                number, ref, "paid" if status == "paid" else "failed", paid_at, row.get("failure_reason") or None
            )
        )
    return parsed
