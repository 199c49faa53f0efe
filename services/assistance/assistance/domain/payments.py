"""Payments of cash grants: the payment and list entities, references, list ids, the operator's file (pure).

A payment's reference is ``<request id>-<attempt>``: the same grant issued again after a
failure gets the next attempt, and the reference alone finds the payment (its ``_id``).
The operator (Algérie Poste) returns a CSV with ``reference``, ``status`` (``paid`` or
``failed``), ``paid_at`` and optionally ``failure_reason``; separators ``,`` or ``;``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from common import areas
from common.jsonable import jsonable
from common.scope import Scope

REQUIRED_COLUMNS = ("reference", "status", "paid_at")
MAX_ROWS = 50_000
OperatorStatus = Literal["paid", "failed"]


def reference(request_id: str, attempt: int) -> str:
    return f"{request_id}-{attempt}"


def list_id(period: str, area: str, point: str) -> str:
    """``2026-03_DZ-16_ccp``: readable, and safe in a URL path."""
    return f"{period}_{area.strip('/').replace('/', '-')}_{point.replace(':', '-')}"


HIDDEN_PAYMENT_FIELDS = ("_id", "area_ancestors", "list_id", "period")


@dataclass(frozen=True)
class Payment:
    """One payment of a cash grant (``pending``, ``sent``, then ``paid`` or ``failed``); its reference is its key."""

    reference: str
    request_id: str
    area: str
    amount_dzd: int
    point: str
    attempt: int
    status: str
    stored: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Payment:
        return cls(
            reference=str(doc["_id"]),
            request_id=doc["request_id"],
            area=doc["area"],
            amount_dzd=int(doc["amount_dzd"]),
            point=doc["point"],
            attempt=int(doc["attempt"]),
            status=doc["status"],
            stored=dict(doc),
        )

    def document(self) -> dict[str, Any]:
        typed = {"request_id": self.request_id, "area": self.area, "amount_dzd": self.amount_dzd, "point": self.point}
        return {**self.stored, "_id": self.reference, **typed, "attempt": self.attempt, "status": self.status}

    @classmethod
    def issue(
        cls,
        *,
        request_id: str,
        area: str,
        amount_dzd: int,
        point: str,
        account: str | None,
        attempt: int,
        list_id: str,
        period: str,
        at: datetime,
    ) -> Payment:
        """Attempt ``attempt`` of a grant's payment, pending in ``list_id``."""
        return cls.from_document(
            {
                "request_id": request_id,
                "area": area,
                "amount_dzd": amount_dzd,
                "point": point,
                "account": account,
                "attempt": attempt,
                "list_id": list_id,
                "period": period,
                "_id": reference(request_id, attempt),
                "area_ancestors": areas.ancestors(area),
                "status": "pending",
                "paid_at": None,
                "failure": None,
                "reissued_as": None,
                "created_at": at,
            }
        )

    @property
    def account(self) -> str | None:
        return self.stored.get("account")

    @property
    def list_id(self) -> str | None:
        return self.stored.get("list_id")

    def visible_in(self, scope: Scope) -> bool:
        return scope.contains(self.area)

    def public(self) -> dict[str, Any]:
        """The payment as listed for the operator (account in full)."""
        data = {k: jsonable(v) for k, v in self.document().items() if k not in HIDDEN_PAYMENT_FIELDS}
        data["reference"] = self.reference
        return data


@dataclass(frozen=True)
class PaymentList:
    """The payments of one period, area and payment point sent to the operator together (``open``, then ``sent``)."""

    id: str
    period: str
    area: str
    point: str
    status: str
    payments: tuple[Payment, ...] = ()
    stored: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], payments: tuple[Payment, ...] = ()) -> PaymentList:
        return cls(
            id=str(doc["_id"]),
            period=doc["period"],
            area=doc["area"],
            point=doc["point"],
            status=doc["status"],
            payments=payments,
            stored=dict(doc),
        )

    def document(self) -> dict[str, Any]:
        typed = {"period": self.period, "area": self.area, "point": self.point, "status": self.status}
        return {**self.stored, "_id": self.id, **typed}

    @classmethod
    def open(cls, list_id: str, period: str, area: str, point: str, user_id: str, at: datetime) -> PaymentList:
        return cls.from_document(
            {
                "_id": list_id,
                "period": period,
                "area": area,
                "area_ancestors": areas.ancestors(area),
                "point": point,
                "status": "open",
                "created_at": at,
                "created_by": user_id,
            }
        )

    @property
    def total_dzd(self) -> int:
        return sum(payment.amount_dzd for payment in self.payments)

    def visible_in(self, scope: Scope) -> bool:
        return scope.contains(self.area)

    def public(self) -> dict[str, Any]:
        """The list with its payments and total (accounts in full: for the operator)."""
        return {
            "id": self.id,
            "period": self.period,
            "area": self.area,
            "point": self.point,
            "status": self.status,
            "created_at": jsonable(self.stored.get("created_at")),
            "total_dzd": self.total_dzd,
            "payments": [payment.public() for payment in self.payments],
        }


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
