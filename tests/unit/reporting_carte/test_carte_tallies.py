"""The carte's figures read off the tallies: stocks to date, flows of the current quarter."""

from reporting.domain import events as m
from reporting.domain.carte_tallies import area_figures, nothing_recorded
from reporting.domain.report import TallyRow


def row(area: str, quarter: str, measure: str, count: int = 1, amount: int = 0, category: str = "") -> TallyRow:
    return TallyRow(area, quarter, measure, "afs", category, count, amount)


def test_stocks_add_every_quarter_to_date_and_flows_only_the_current_one() -> None:
    rows = [
        row("/DZ/16", "2026-Q2", m.REGISTERED, 10), row("/DZ/16", "2026-Q4", m.REGISTERED, 3),
        row("/DZ/16", "2026-Q4", m.MERGED, 1), row("/DZ/16", "2026-Q2", m.PEOPLE, 40),
        row("/DZ/16", "2026-Q4", m.PEOPLE_MERGED, 4),
        row("/DZ/16", "2026-Q2", m.BAND, 5, category="high"), row("/DZ/16", "2026-Q4", m.BAND, -1, category="high"),
        row("/DZ/16", "2026-Q4", m.BAND, 1, category="extreme"), row("/DZ/16", "2026-Q3", m.BAND, 2, category="low"),
        row("/DZ/16", "2026-Q4", m.BAND, -2, category="low"),
        row("/DZ/16", "2026-Q3", m.ASSISTED, 7), row("/DZ/16", "2026-Q4", m.ASSISTED, 2),
        row("/DZ/16", "2026-Q3", m.DISBURSED, 7, amount=70_000), row("/DZ/16", "2026-Q4", m.DISBURSED, 2, amount=9_000),
        row("/DZ/16", "2026-Q3", m.SIGNALS_REPORTED, 5), row("/DZ/16", "2026-Q4", m.SIGNALS_HANDLED, 3),
        row("/DZ/16", "2027-Q1", m.REGISTERED, 99),  # after the quarter asked: not yet
    ]  # fmt: skip
    alger = area_figures(rows, "2026-Q4")["/DZ/16"]
    assert (alger.households, alger.people) == (12, 36)
    assert alger.bands == {"extreme": 1, "high": 4}  # an emptied band is dropped
    assert (alger.assisted_households, alger.aid_delivered_dzd) == (2, 9_000)
    assert alger.open_signals == 2
    assert alger.categories is None  # no event carries them


def test_an_area_with_nothing_recorded_has_zeros_where_a_source_exists() -> None:
    empty = nothing_recorded("/DZ/49")
    assert (empty.households, empty.assisted_households, empty.open_signals) == (0, 0, 0)
    assert empty.categories is None
    assert area_figures([], "2026-Q4") == {}
