"""Programme impact: did assisted households' scores move differently from comparable ones, and who was missed.

*Score marks* keep a small score history per household: for each quarter in which it was
scored, its first and last score (and band) of that quarter, in its area. A household's
score at a period's start is the last one marked before the period; at its end, the last
one marked up to its end.

*Comparison* (difference in differences): households granted aid in the period (the
assisted) against households not granted aid in it, in the same commune and the same band
at the period's start; each group's mean score change over the period, and the difference
of the two means. A cell where either group has fewer than the threshold households is
"too few to compare" (no means, no difference). Households without a score at both ends
are not comparable and are left out.

*Targeting errors* per commune (estimates): assisted but ineligible (assisted in the period
while their band at the period's start was low or moderate) and eligible but never assisted
(band high or extreme at the period's end and no grant ever).

Follow-up visit outcomes: no event carries them yet, so they are ``available: false``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reporting.domain.suppression import MIN_CELL, suppress

ELIGIBLE_BANDS = frozenset({"high", "extreme"})
INELIGIBLE_BANDS = frozenset({"low", "moderate"})


@dataclass(frozen=True, slots=True)
class ScoreMark:
    """A household's first and last score of one quarter (written by the projection, rebuilt by replay)."""

    household_id: str
    quarter: str
    area: str
    first_score: float
    first_band: str
    last_score: float
    last_band: str

    def then(self, later: ScoreMark) -> ScoreMark:
        """This quarter's mark followed by later scores of the same quarter: the first stays, the last moves."""
        return ScoreMark(
            self.household_id,
            self.quarter,
            later.area,
            self.first_score,
            self.first_band,
            later.last_score,
            later.last_band,
        )


@dataclass(frozen=True, slots=True)
class Standing:
    """A household over one period: where it is, its scores at both ends, and its grants."""

    household_id: str
    area: str
    start_score: float | None
    start_band: str | None
    end_score: float | None
    end_band: str | None
    assisted: bool  # granted aid in the period (under the programme asked, if any)
    ever_assisted: bool  # granted aid in any quarter up to the period's end


def standing(
    household_id: str, area: str, marks: Iterable[ScoreMark], quarter: str, assisted: bool, ever_assisted: bool
) -> Standing:
    """The household's scores at the start of ``quarter`` (last mark before it) and at its end (last mark up to it)."""
    ordered = sorted(marks, key=lambda mark: mark.quarter)
    before = [mark for mark in ordered if mark.quarter < quarter]
    through = [mark for mark in ordered if mark.quarter <= quarter]
    start = before[-1] if before else None
    end = through[-1] if through else None
    return Standing(
        household_id,
        area,
        start.last_score if start else None,
        start.last_band if start else None,
        end.last_score if end else None,
        end.last_band if end else None,
        assisted,
        ever_assisted,
    )


@dataclass(frozen=True, slots=True)
class Group:
    count: int
    mean_change: float | None  # None when the cell is too few to compare


@dataclass(frozen=True, slots=True)
class Cell:
    """One commune and start band: the assisted and the comparison group."""

    commune: str
    band: str
    assisted: Group
    comparison: Group
    difference: float | None  # assisted mean change minus comparison mean change
    too_few: bool


def compare(households: Iterable[Standing], threshold: int = MIN_CELL) -> list[Cell]:
    """The difference in differences per commune and start band (households scored at both ends only)."""
    changes: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    for household in households:
        if household.start_score is None or household.end_score is None or household.start_band is None:
            continue
        assisted, others = changes.setdefault((household.area, household.start_band), ([], []))
        (assisted if household.assisted else others).append(household.end_score - household.start_score)
    cells = []
    for (commune, band), (assisted, others) in sorted(changes.items()):
        too_few = len(assisted) < threshold or len(others) < threshold
        treated = None if too_few else _mean(assisted)
        control = None if too_few else _mean(others)
        difference = None if treated is None or control is None else round(treated - control, 4)
        cells.append(
            Cell(commune, band, Group(len(assisted), treated), Group(len(others), control), difference, too_few)
        )
    return cells


def overall(cells: Iterable[Cell]) -> float | None:
    """The cells' differences weighted by their assisted households (comparable cells only)."""
    comparable = [cell for cell in cells if cell.difference is not None]
    weight = sum(cell.assisted.count for cell in comparable)
    if not weight:
        return None
    return round(sum(cell.difference * cell.assisted.count for cell in comparable if cell.difference) / weight, 4)


@dataclass(frozen=True, slots=True)
class Errors:
    """Targeting error counts of one commune."""

    commune: str
    assisted: int
    assisted_ineligible: int
    eligible: int
    eligible_never_assisted: int


def errors(households: Iterable[Standing]) -> list[Errors]:
    """Inclusion (assisted though low or moderate at the start) and exclusion (high or extreme, never assisted)."""
    counts: dict[str, list[int]] = {}
    for household in households:
        row = counts.setdefault(household.area, [0, 0, 0, 0])
        if household.assisted:
            row[0] += 1
            row[1] += household.start_band in INELIGIBLE_BANDS
        if household.end_band in ELIGIBLE_BANDS:
            row[2] += 1
            row[3] += not household.ever_assisted
    return [Errors(commune, *row) for commune, row in sorted(counts.items())]


def impact_view(
    period: str, area: str, programme: str | None, households: list[Standing], *, suppressed: bool, threshold: int
) -> dict[str, Any]:
    """The impact figures as published: raw for staff, with small cells hidden for donors."""
    cells = compare(households, threshold)
    return {
        "period": period,
        "area": area,
        "programme": programme,
        "suppressed": suppressed,
        "min_cell": threshold,
        "score_change": {
            "cells": [_cell(cell, suppressed, threshold) for cell in cells],
            "difference": overall(cells),
        },
        "targeting_errors": _errors(errors(households), suppressed, threshold),
        "follow_up_visits": {"available": False, "figures": None},
    }


def _cell(cell: Cell, suppressed: bool, threshold: int) -> dict[str, Any]:
    hide = suppressed and cell.too_few  # a too-few cell's counts are small ones: hidden from donors
    return {
        "commune": cell.commune,
        "band": cell.band,
        "assisted": {"count": None if hide else cell.assisted.count, "mean_change": cell.assisted.mean_change},
        "comparison": {"count": None if hide else cell.comparison.count, "mean_change": cell.comparison.mean_change},
        "difference": cell.difference,
        "too_few_to_compare": cell.too_few,
    }


COLUMNS = ("assisted", "assisted_ineligible", "eligible", "eligible_never_assisted")


def _errors(rows: list[Errors], suppressed: bool, threshold: int) -> dict[str, Any]:
    raw: dict[str, Mapping[str, int]] = {
        row.commune: {column: getattr(row, column) for column in COLUMNS} for row in rows
    }
    shown: dict[str, dict[str, int | None]] = {commune: dict(values) for commune, values in raw.items()}
    totals: dict[str, int | None] = {column: sum(values[column] for values in raw.values()) for column in COLUMNS}
    if suppressed:
        for column in COLUMNS:
            published = suppress({commune: values[column] for commune, values in raw.items()}, threshold)
            totals[column] = published.total
            for commune, value in published.cells.items():
                shown[commune][column] = value
    return {
        "communes": [{"commune": commune, **values, **_rates(values)} for commune, values in shown.items()],
        "total": {**totals, **_rates(totals)},
    }


def _rates(values: Mapping[str, int | None]) -> dict[str, float | None]:
    return {
        "inclusion_error_rate": _rate(values["assisted_ineligible"], values["assisted"]),
        "exclusion_error_rate": _rate(values["eligible_never_assisted"], values["eligible"]),
    }


def _rate(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 4)


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4)
