"""The carte sociale's figures read off the read models' tallies (``reporting.domain.report.TallyRow``).

Stocks are summed over every quarter to date: households and people on the register (merged
ones aside), households by score band, open signals (reported less closed). Flows are those
of the current quarter: households assisted (a household's first grant of the quarter under
a programme, so one assisted under two programmes counts twice) and the aid disbursed. No
event carries a household's vulnerable categories yet: they stay "not available".
"""

from __future__ import annotations

from collections.abc import Iterable

from reporting.domain import events as m
from reporting.domain.carte import AreaFigures
from reporting.domain.carte_business import Measures
from reporting.domain.report import TallyRow

MEASURES = Measures(
    registered=m.REGISTERED,
    people=m.PEOPLE,
    merged=m.MERGED,
    people_merged=m.PEOPLE_MERGED,
    granted=m.GRANTED,
    refused=m.REFUSED,
    disbursed=m.DISBURSED,
    urgent=m.URGENT,
    overdue=m.OVERDUE,
    donations=m.DONATIONS,
    signals_reported=m.SIGNALS_REPORTED,
    signals_handled=m.SIGNALS_HANDLED,
    signals_late=m.SIGNALS_LATE,
)
"""The measures the business metrics are made of."""


def nothing_recorded(area: str) -> AreaFigures:
    """An area with no tally yet: zero of every figure the read models have a source for."""
    return AreaFigures(area, categories=None, assisted_households=0, aid_delivered_dzd=0, open_signals=0)


def area_figures(rows: Iterable[TallyRow], quarter: str) -> dict[str, AreaFigures]:
    """Per area, its figures from its tallies of every quarter up to ``quarter``."""
    totals: dict[str, dict[str, int]] = {}
    bands: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.quarter > quarter:
            continue
        sums = totals.setdefault(row.area, {})
        if row.measure == m.BAND:
            area_bands = bands.setdefault(row.area, {})
            area_bands[row.category] = area_bands.get(row.category, 0) + row.count
            continue
        flow = row.measure in (m.ASSISTED, m.DISBURSED)
        if flow and row.quarter != quarter:
            continue
        sums[row.measure] = sums.get(row.measure, 0) + (row.amount if row.measure == m.DISBURSED else row.count)
    return {
        area: AreaFigures(
            area=area,
            households=sums.get(m.REGISTERED, 0) - sums.get(m.MERGED, 0),
            people=sums.get(m.PEOPLE, 0) - sums.get(m.PEOPLE_MERGED, 0),
            bands={band: n for band, n in sorted(bands.get(area, {}).items()) if n},
            categories=None,
            assisted_households=sums.get(m.ASSISTED, 0),
            aid_delivered_dzd=sums.get(m.DISBURSED, 0),
            open_signals=sums.get(m.SIGNALS_REPORTED, 0) - sums.get(m.SIGNALS_HANDLED, 0),
        )
        for area, sums in totals.items()
    }
