"""The quarterly cell report and the annual balance, in the official layout, and their frozen versions.

A report's content is a plain JSON-able mapping: its sections in the order of the
official layout, each either *available* with its figures or *not available* (no service
produces its facts yet: shown as such, never as 0), and the action plan the cell entered
for the next period. Closing a period freezes the content with its SHA-256 hash; a
correction after close is a new version that lists its differences from the last one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common import refusals
from reporting.domain import events as m
from reporting.domain.periods import Period

# (section, its flow measures or None when no event carries its facts yet)
SECTIONS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    (
        "households",
        (m.REGISTERED, m.PEOPLE, m.REGISTERED_BY_CATEGORY, m.MERGED, m.PEOPLE_MERGED, m.ASSESSED, m.REASSESSED),
    ),
    ("assistance", (m.REQUESTED, m.GRANTED, m.REFUSED, m.ASSISTED, m.DISBURSED)),
    ("urgent_aid", (m.URGENT, m.OVERDUE)),
    ("referrals_and_placements", None),
    ("visits", None),
    ("signals", (m.SIGNALS_REPORTED, m.SIGNALS_HANDLED, m.SIGNALS_LATE)),
    ("distributions", None),
    ("donations", (m.DONATIONS,)),
)
ON_REGISTER = "households_on_register"
PEOPLE_ON_REGISTER = "people_on_register"
BY_BAND = "households_by_band"
# the figures of each child area in a consolidated report (and in exports)
HEADLINE = (m.REGISTERED, m.ASSESSED, m.ASSISTED, m.GRANTED, m.DISBURSED, m.URGENT)
TITLES = {
    "fr": "Rapport trimestriel de la cellule de proximité",
    "ar": "التقرير الفصلي لخلية التضامن الجواري",
}
ANNUAL_TITLES = {"fr": "Bilan annuel de la cellule", "ar": "الحصيلة السنوية للخلية"}


@dataclass(frozen=True, slots=True)
class TallyRow:
    """One tally of the read models: a measure in an area and quarter, by programme and category."""

    area: str
    quarter: str
    measure: str
    programme: str
    category: str
    count: int
    amount: int


def _figures(rows: Iterable[TallyRow], measures: Iterable[str]) -> list[dict[str, Any]]:
    wanted = set(measures)
    summed: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        if row.measure in wanted:
            total = summed.setdefault((row.measure, row.programme, row.category), [0, 0])
            total[0] += row.count
            total[1] += row.amount
    return [
        {"measure": measure, "programme": programme, "category": category, "count": count, "amount": amount}
        for (measure, programme, category), (count, amount) in sorted(summed.items())
        if count or amount
    ]


def content(period: Period, rows: Iterable[TallyRow], action_plan: str | None) -> dict[str, Any]:
    """The report of ``period`` from the area's tallies of every quarter up to the period's end."""
    rows = list(rows)
    inside = [row for row in rows if row.quarter in period.quarters]
    sections: dict[str, Any] = {}
    for name, measures in SECTIONS:
        sections[name] = (
            {"available": False, "figures": None}
            if measures is None
            else {"available": True, "figures": _figures(inside, measures)}
        )
    sections["households"]["on_register"] = on_register(rows)
    return {
        "kind": "quarterly" if period.is_quarter else "annual",
        "period": str(period),
        "titles": TITLES if period.is_quarter else ANNUAL_TITLES,
        "sections": sections,
        "action_plan": {"for_period": str(period.next()), "text": action_plan},
    }


def on_register(rows: list[TallyRow]) -> dict[str, Any]:
    """Stocks at the end of the period: households and people registered, merged ones aside, by band."""

    def total(measure: str) -> int:
        return sum(row.count for row in rows if row.measure == measure)

    bands: dict[str, int] = {}
    for row in rows:
        if row.measure == m.BAND:
            bands[row.category] = bands.get(row.category, 0) + row.count
    return {
        ON_REGISTER: total(m.REGISTERED) - total(m.MERGED),
        PEOPLE_ON_REGISTER: total(m.PEOPLE) - total(m.PEOPLE_MERGED),
        BY_BAND: {band: count for band, count in sorted(bands.items()) if count},
    }


def headline(rows: Iterable[TallyRow]) -> dict[str, dict[str, int]]:
    """Per area, the headline counts of the period (rows already limited to it)."""
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.measure in HEADLINE:
            counts = table.setdefault(row.area, dict.fromkeys(HEADLINE, 0))
            counts[row.measure] += row.count
    return table


def content_hash(frozen: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a report's content."""
    text = json.dumps(frozen, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _flat(report: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, section in report["sections"].items():
        for figure in section.get("figures") or ():
            key = f"{name}/{figure['measure']}/{figure['programme']}/{figure['category']}"
            flat[key] = {"count": figure["count"], "amount": figure["amount"]}
        for measure, value in (section.get("on_register") or {}).items():
            flat[f"{name}/{measure}"] = value
    flat["action_plan"] = report["action_plan"]["text"]
    return flat


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed from one version's content to the next: each figure with its old and new value."""
    old, new = _flat(before), _flat(after)
    return [
        {"figure": key, "before": old.get(key), "after": new.get(key)}
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A closed period's report as it was frozen: immutable, one per version."""

    area: str
    period: str
    version: int
    content: dict[str, Any]
    content_hash: str
    closed_by: str
    closed_at: datetime
    as_of: datetime | None
    differences: list[dict[str, Any]]

    @classmethod
    def close(
        cls,
        area: str,
        period: Period,
        report: dict[str, Any],
        by: str,
        at: datetime,
        as_of: datetime | None,
        previous: Snapshot | None,
    ) -> Snapshot:
        """The first version, or a correction of ``previous`` (refused when nothing changed)."""
        digest = content_hash(report)
        if previous is not None and previous.content_hash == digest:
            raise refusals.conflict(
                "nothing_to_correct",
                "the report has not changed since its last version",
                version=previous.version,
            )
        changes = differences(previous.content, report) if previous is not None else []
        version = previous.version + 1 if previous is not None else 1
        return cls(area, str(period), version, report, digest, by, at, as_of, changes)
