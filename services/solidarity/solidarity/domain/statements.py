"""Bank and CCP statements (CSV): read the credits, match each to a transfer we expect, report the rest.

A statement is CSV with at least ``date``, ``amount`` and ``reference`` columns (``label`` is
read too when present), separated by ``,`` or ``;``, amounts in major units with a ``.`` or a
``,`` for decimals. A file that is not CSV, or lacks a required column, is refused whole
(``statement_not_csv``, ``statement_columns_missing``): nothing of it is applied.

Each credit line is matched by the references it carries (in ``reference`` or ``label``)
against what the directorate expects: a gift recorded with that payment reference (the
amount must be the same) or a pledge (the payment must not exceed what is left of it).
Each line has a :attr:`StatementLine.key` made of its own facts, so importing the same
statement twice matches nothing twice (lines already imported are listed as such).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from common.errors import DomainError
from common.refusals import invalid
from solidarity.domain.money import Money

REQUIRED_COLUMNS = ("date", "amount", "reference")
MAX_LINES = 100_000
MAX_BYTES = 20_000_000
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/_.]*[A-Za-z0-9]")

Unmatched = Literal[
    "no_known_reference", "amount_differs", "gift_already_matched", "exceeds_pledge", "several_references"
]


@dataclass(frozen=True, slots=True)
class StatementLine:
    line: int
    booked_on: date
    amount: Money
    reference: str
    label: str = ""

    @property
    def key(self) -> str:
        """The line's identity across imports (the same credit imported twice has the same key)."""
        facts = "|".join((self.booked_on.isoformat(), str(self.amount.minor), self.amount.currency, self.reference,
                          self.label))  # fmt: skip
        return hashlib.sha256(facts.encode()).hexdigest()[:32]

    def tokens(self) -> set[str]:
        return {t.upper() for t in _TOKEN.findall(f"{self.reference} {self.label}")}


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    problem: str


@dataclass(frozen=True, slots=True)
class Statement:
    lines: tuple[StatementLine, ...]
    problems: tuple[Problem, ...]  # lines that could not be read (each with why), debits skipped


def parse_statement(content: bytes, currency: str) -> Statement:
    """The credit lines of a statement in ``currency``, and every line it could not read, with why."""
    if len(content) > MAX_BYTES:
        raise invalid("statement_too_large", "the statement file is too large", max_bytes=MAX_BYTES)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid("statement_not_csv", "the statement is not a CSV text file") from None
    if "\x00" in text or not text.strip():
        raise invalid("statement_not_csv", "the statement is not a CSV text file")
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return _read(reader, currency)
    except csv.Error as exc:
        raise invalid(
            "statement_not_csv", "the statement is not readable CSV", line=reader.line_num, error=str(exc)
        ) from None


def _read(reader: csv.DictReader[str], currency: str) -> Statement:
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise invalid("statement_columns_missing", "the statement lacks required columns", missing=missing)
    reader.fieldnames = columns
    lines: list[StatementLine] = []
    problems: list[Problem] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_LINES:
            problems.append(Problem(number, f"more than {MAX_LINES} lines: the rest is not read"))
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        try:
            booked_on = date.fromisoformat(row["date"])
        except ValueError:
            problems.append(Problem(number, "date is not an ISO date (YYYY-MM-DD)"))
            continue
        try:
            amount = Money.of(row["amount"].replace(" ", "").replace("\u00a0", ""), currency)
        except DomainError:
            problems.append(Problem(number, "amount is not a number in the statement's currency"))
            continue
        if amount.minor <= 0:
            problems.append(Problem(number, "not a credit (debits are not gifts)"))
            continue
        lines.append(StatementLine(number, booked_on, amount, row["reference"], row.get("label", "")))
    return Statement(tuple(lines), tuple(problems))


@dataclass(frozen=True, slots=True)
class ExpectedGift:
    """A transfer recorded as a gift and awaiting its credit: the amount must match."""

    gift_id: str
    amount: Money


@dataclass(frozen=True, slots=True)
class ExpectedPledge:
    """A pledge paid by transfer: any payment up to what is left of it."""

    pledge_id: str
    outstanding: Money


@dataclass(frozen=True, slots=True)
class Reconciliation:
    gifts: tuple[tuple[StatementLine, str], ...] = ()  # line, gift id it confirms
    pledges: tuple[tuple[StatementLine, str], ...] = ()  # line, pledge id it pays
    unmatched: tuple[tuple[StatementLine, Unmatched], ...] = ()
    already_imported: tuple[StatementLine, ...] = ()
    problems: tuple[Problem, ...] = ()


def reconcile(
    statement: Statement,
    expected: Mapping[str, ExpectedGift | ExpectedPledge],
    imported_keys: Iterable[str] = (),
) -> Reconciliation:
    """Match each credit to the one expectation whose reference it carries (references are matched whole,
    case aside); lines already imported are set apart, unmatched ones say why."""
    by_reference = {ref.upper(): target for ref, target in expected.items()}
    seen = set(imported_keys)
    outstanding = {t.pledge_id: t.outstanding for t in by_reference.values() if isinstance(t, ExpectedPledge)}
    taken: set[str] = set()
    gifts: list[tuple[StatementLine, str]] = []
    pledges: list[tuple[StatementLine, str]] = []
    unmatched: list[tuple[StatementLine, Unmatched]] = []
    already: list[StatementLine] = []
    for line in statement.lines:
        if line.key in seen:
            already.append(line)
            continue
        seen.add(line.key)  # the same credit twice in one file is imported once
        targets = {id(t): t for ref, t in by_reference.items() if ref in line.tokens()}
        if len(targets) > 1:
            unmatched.append((line, "several_references"))
            continue
        if not targets:
            unmatched.append((line, "no_known_reference"))
            continue
        (target,) = targets.values()
        if isinstance(target, ExpectedGift):
            if target.gift_id in taken:
                unmatched.append((line, "gift_already_matched"))
                continue
            if target.amount != line.amount:
                unmatched.append((line, "amount_differs"))
                continue
            taken.add(target.gift_id)
            gifts.append((line, target.gift_id))
        else:
            left = outstanding[target.pledge_id]
            if line.amount.currency != left.currency or line.amount.minor > left.minor:
                unmatched.append((line, "exceeds_pledge"))
                continue
            outstanding[target.pledge_id] = left - line.amount
            pledges.append((line, target.pledge_id))
    return Reconciliation(tuple(gifts), tuple(pledges), tuple(unmatched), tuple(already), statement.problems)
