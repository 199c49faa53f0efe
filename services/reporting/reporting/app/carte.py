"""The carte sociale of an area: its indicator sheet from the read models, as this caller may read it.

An area outside the caller's answers 404 as any report does. Staff and auditors read every
figure; a donor reads the published figures, small cells suppressed (``settings.min_cell``).
The national sheet lists the 58 wilayas, even those where nothing is recorded yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from common import areas
from common.context import CallerContext
from reporting.app.ports import Projection
from reporting.app.reports import area_in_sight
from reporting.domain.carte import IndicatorSheet, sheet
from reporting.domain.carte_tallies import area_figures, nothing_recorded
from reporting.domain.periods import Period
from reporting.domain.report import TallyRow
from reporting.domain.suppression import needs_suppression
from reporting.maps.boundaries import wilayas


class CarteTallies(Protocol):
    """The tallies the carte reads: an area's own and its direct children's, every quarter up to ``through``."""

    def of_area(self, area: str, through: str) -> list[TallyRow]: ...

    def of_children(self, area: str, through: str) -> list[TallyRow]: ...


def read(
    tallies: CarteTallies,
    progress: Projection,
    caller: CallerContext,
    area: str | None,
    now: datetime,
    threshold: int,
) -> IndicatorSheet:
    """The sheet of ``area`` (the caller's own by default), with its child areas, as of the last applied event."""
    where = area_in_sight(caller, area)
    quarter = str(Period.of(now))
    own = area_figures(tallies.of_area(where, quarter), quarter).get(where) or nothing_recorded(where)
    children = area_figures(tallies.of_children(where, quarter), quarter)
    if where == areas.NATIONAL:
        children = {area: nothing_recorded(area) for area in wilayas()} | children
    return sheet(
        own,
        children.values(),
        as_of=progress.checkpoint().as_of,
        suppressed=needs_suppression(caller.roles),
        threshold=threshold,
    )
