"""The platform's business figures for Prometheus, from the read models' tallies.

Households and people on the register (nationally and per wilaya), aid decisions by outcome,
the amount disbursed, urgent aids granted and not regularised in time, gifts by kind, open
signals by category and signals escalated past their deadline. Each is a stock summed over
every quarter to date; a figure whose producer sends no event yet is simply 0 here (Prometheus
has no "not available"; the carte and the reports say it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from common import areas


class Tally(Protocol):
    """One tally row of the read models (``reporting.domain.report.TallyRow``)."""

    @property
    def area(self) -> str: ...
    @property
    def measure(self) -> str: ...
    @property
    def programme(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def amount(self) -> int: ...


@dataclass(frozen=True)
class Measures:
    """The read models' measure names the figures are made of."""

    registered: str
    people: str
    merged: str
    people_merged: str
    granted: str
    refused: str
    disbursed: str
    urgent: str
    overdue: str
    donations: str
    signals_reported: str
    signals_handled: str
    signals_late: str


@dataclass
class BusinessFigures:
    households: dict[str, int] = field(default_factory=dict)
    """Households on the register by area: ``/DZ`` and each wilaya."""
    people: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, int] = field(default_factory=dict)
    """Aid decisions by outcome (``granted``, ``refused``)."""
    disbursed_dzd: int = 0
    urgent_granted: int = 0
    urgent_overdue: int = 0
    gifts: dict[str, int] = field(default_factory=dict)
    """Gifts by kind/currency; their amounts in minor units in ``gifts_amount_minor``."""
    gifts_amount_minor: dict[str, int] = field(default_factory=dict)
    signals_open: dict[str, int] = field(default_factory=dict)
    """Signals reported and not closed, by category."""
    signals_late: int = 0


def figures(rows: Iterable[Tally], measures: Measures, national: str = areas.NATIONAL) -> BusinessFigures:
    """The figures from the tallies of ``national`` and of the areas directly below it (the wilayas)."""
    m = measures
    out = BusinessFigures()
    for row in rows:
        if row.area != national:
            if row.measure in (m.registered, m.merged):
                sign = 1 if row.measure == m.registered else -1
                out.households[row.area] = out.households.get(row.area, 0) + sign * row.count
            continue
        _national(out, row, m)
    return out


def _national(out: BusinessFigures, row: Tally, m: Measures) -> None:
    def add(table: dict[str, int], key: str, value: int) -> None:
        table[key] = table.get(key, 0) + value

    if row.measure in (m.registered, m.merged):
        add(out.households, row.area, row.count if row.measure == m.registered else -row.count)
    elif row.measure in (m.people, m.people_merged):
        add(out.people, row.area, row.count if row.measure == m.people else -row.count)
    elif row.measure in (m.granted, m.refused):
        add(out.decisions, "granted" if row.measure == m.granted else "refused", row.count)
    elif row.measure == m.donations:
        add(out.gifts, row.category, row.count)
        add(out.gifts_amount_minor, row.category, row.amount)
    elif row.measure in (m.signals_reported, m.signals_handled):
        add(out.signals_open, row.category, row.count if row.measure == m.signals_reported else -row.count)
    elif row.measure == m.disbursed:
        out.disbursed_dzd += row.amount
    elif row.measure == m.urgent:
        out.urgent_granted += row.count
    elif row.measure == m.overdue:
        out.urgent_overdue += row.count
    elif row.measure == m.signals_late:
        out.signals_late += row.count
