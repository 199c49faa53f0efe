"""The carte sociale's indicator sheet of one area (a commune, a wilaya or the nation).

A wilaya directorate "draws up and updates the carte sociale of the wilaya": for each area,
how many households and people the registry covers, their vulnerable categories and score
distribution, the aid delivered per assisted household, the coverage against need and the
open signals. The sheet is computed from plain per-area figures (:class:`AreaFigures`,
whatever read model supplies them); a figure whose source does not exist yet is ``None``
and shows as "not available", never as 0. Published outside the directorate (donors), every
count goes through small-cell suppression (:mod:`reporting.domain.suppression`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from common import areas
from reporting.domain.suppression import MIN_CELL, suppress, suppress_count

Level = Literal["national", "wilaya", "commune", "cell"]

IN_NEED_BANDS: frozenset[str] = frozenset({"high", "extreme"})
"""Score bands whose households count as in need (the registry's scoring models v1 and v2)."""


def level_of(area: str) -> Level:
    """``/DZ`` national, ``/DZ/16`` wilaya, ``/DZ/16/1601`` commune, ``/DZ/16/1601/cell-3`` a proximity cell."""
    levels: tuple[Level, ...] = ("national", "wilaya", "commune", "cell")
    return levels[len(areas.ancestors(area)) - 1]


@dataclass(frozen=True)
class AreaFigures:
    """What the read models know about the households of one area (``None``: no source yet)."""

    area: str
    households: int = 0
    people: int = 0
    bands: Mapping[str, int] = field(default_factory=dict)
    categories: Mapping[str, int] | None = None
    assisted_households: int | None = None
    aid_delivered_dzd: int | None = None
    open_signals: int | None = None

    def __add__(self, other: AreaFigures) -> AreaFigures:
        """The figures of two areas together, kept under this one's area."""
        return AreaFigures(
            area=self.area,
            households=self.households + other.households,
            people=self.people + other.people,
            bands=_add_counts(self.bands, other.bands) or {},
            categories=_add_counts(self.categories, other.categories),
            assisted_households=_add(self.assisted_households, other.assisted_households),
            aid_delivered_dzd=_add(self.aid_delivered_dzd, other.aid_delivered_dzd),
            open_signals=_add(self.open_signals, other.open_signals),
        )

    @property
    def in_need(self) -> int:
        return sum(count for band, count in self.bands.items() if band in IN_NEED_BANDS)


def rolled_up(area: str, figures: Iterable[AreaFigures]) -> AreaFigures:
    """The figures of ``area``: the sum of every figure recorded at it or below it."""
    total = AreaFigures(area, bands={})
    for row in figures:
        if areas.contains(area, row.area):
            total = total + row
    return replace(total, area=area)


def child_area(parent: str, area: str) -> str | None:
    """The direct child of ``parent`` that ``area`` lies in (``None`` if it lies elsewhere or is ``parent``)."""
    if not areas.contains(parent, area) or area == parent:
        return None
    return areas.ancestors(area)[len(areas.ancestors(parent))]


@dataclass(frozen=True)
class Indicators:
    """The indicators of one area, as published to this reader (``None``: not available or suppressed)."""

    area: str
    households: int | None
    people: int | None
    score_bands: dict[str, int | None]
    categories: dict[str, int | None] | None
    assisted_households: int | None
    aid_per_assisted_household_dzd: int | None
    in_need: int | None
    coverage: float | None
    """Assisted households ÷ households in need (the high and extreme bands)."""
    open_signals: int | None
    hidden: frozenset[str] = frozenset()
    """The figures small-cell suppression hid (the others that are ``None`` have no source yet)."""


@dataclass(frozen=True)
class IndicatorSheet:
    """The sheet of one area and, for the map and the table, one line per direct child area."""

    area: str
    level: Level
    as_of: datetime | None
    """When the last event the read models applied occurred (``None``: none applied yet)."""
    suppressed: bool
    threshold: int
    totals: Indicators
    children: tuple[Indicators, ...]


def indicators(figures: AreaFigures, *, suppressed: bool, threshold: int = MIN_CELL) -> Indicators:
    """One area's indicators; with ``suppressed``, small counts hidden (with their complements).

    ``hidden`` names the figures suppression hid, so a reader tells them from figures that
    have no source yet (both are ``None``).
    """
    hidden: set[str] = set()

    def count(name: str, value: int | None) -> int | None:
        if not suppressed or value is None:
            return value
        shown = suppress_count(value, threshold)
        if shown is None:
            hidden.add(name)
        return shown

    bands: dict[str, int | None] = dict(figures.bands)
    categories: dict[str, int | None] | None = None if figures.categories is None else dict(figures.categories)
    if suppressed:
        bands = suppress(figures.bands, threshold).cells
        if figures.categories is not None:
            categories = suppress(figures.categories, threshold).cells
    households = count("households", figures.households)
    people = count("people", figures.people) if households is not None else None
    if households is None and suppressed:
        hidden.add("people")
    assisted = count("assisted_households", figures.assisted_households)
    in_need = count("in_need", figures.in_need)
    aid_per_household = None
    if assisted and figures.aid_delivered_dzd is not None:
        aid_per_household = round(figures.aid_delivered_dzd / assisted)
    elif "assisted_households" in hidden and figures.aid_delivered_dzd is not None:
        hidden.add("aid_per_assisted_household_dzd")
    coverage = None
    if assisted is not None and in_need:
        coverage = round(assisted / in_need, 4)
    elif hidden & {"assisted_households", "in_need"} and figures.assisted_households is not None:
        hidden.add("coverage")
    return Indicators(
        area=figures.area,
        households=households,
        people=people,
        score_bands=bands,
        categories=categories,
        assisted_households=assisted,
        aid_per_assisted_household_dzd=aid_per_household,
        in_need=in_need,
        coverage=coverage,
        open_signals=count("open_signals", figures.open_signals),
        hidden=frozenset(hidden),
    )


def sheet(
    totals: AreaFigures,
    children: Iterable[AreaFigures] = (),
    *,
    as_of: datetime | None,
    suppressed: bool,
    listed: Iterable[str] = (),
    threshold: int = MIN_CELL,
) -> IndicatorSheet:
    """The indicator sheet of ``totals.area``, with one line per direct child area.

    ``children`` are the figures of the areas directly below (already summed over their own
    areas, as the read models keep them); ``listed`` names children to show even when nothing
    is recorded in them (the reference list of wilayas), with zero households.
    """
    figures = {row.area: row for row in children if child_area(totals.area, row.area) == row.area}
    for area in listed:
        figures.setdefault(area, AreaFigures(area))
    ordered = [figures[area] for area in sorted(figures)]
    lines = tuple(indicators(row, suppressed=suppressed, threshold=threshold) for row in ordered)
    if suppressed:
        lines = _complemented(lines, ordered, threshold)
    return IndicatorSheet(
        area=totals.area,
        level=level_of(totals.area),
        as_of=as_of,
        suppressed=suppressed,
        threshold=threshold,
        totals=indicators(totals, suppressed=suppressed, threshold=threshold),
        children=lines,
    )


def sheet_of(area: str, figures: Sequence[AreaFigures], **options: Any) -> IndicatorSheet:
    """The sheet of ``area`` from figures recorded at or below it (each counted once, rolled up here)."""
    children = {child for row in figures if (child := child_area(area, row.area)) is not None}
    return sheet(rolled_up(area, figures), [rolled_up(child, figures) for child in children], **options)


def _complemented(
    lines: tuple[Indicators, ...], figures: Sequence[AreaFigures], threshold: int
) -> tuple[Indicators, ...]:
    """Child lines whose households and assisted counts are suppressed as one table under the parent's total.

    A lone hidden child could otherwise be recovered as the parent's total minus the others.
    """
    households = suppress({row.area: row.households for row in figures}, threshold).cells
    assisted = suppress({row.area: row.assisted_households or 0 for row in figures}, threshold).cells
    out = []
    for line in lines:
        if households[line.area] is None:
            line = replace(line, households=None, people=None, hidden=line.hidden | {"households", "people"})
        if line.assisted_households is not None and assisted[line.area] is None:
            gone = {"assisted_households", "aid_per_assisted_household_dzd", "coverage"}
            line = replace(
                line,
                assisted_households=None,
                aid_per_assisted_household_dzd=None,
                coverage=None,
                hidden=line.hidden | gone,
            )
        out.append(line)
    return tuple(out)


def _add(a: int | None, b: int | None) -> int | None:
    if a is None and b is None:
        return None
    return (a or 0) + (b or 0)


def _add_counts(a: Mapping[str, int] | None, b: Mapping[str, int] | None) -> dict[str, int] | None:
    if a is None and b is None:
        return None
    total = dict(a or {})
    for key, value in (b or {}).items():
        total[key] = total.get(key, 0) + value
    return total
