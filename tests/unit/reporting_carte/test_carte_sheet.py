"""The carte sociale's indicator sheet: roll-up, children, "not available", suppression for donors."""

from datetime import UTC, datetime

from reporting.domain.carte import AreaFigures, level_of, rolled_up, sheet, sheet_of

AS_OF = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

FIGURES = [
    AreaFigures("/DZ/16/1601", households=40, people=170, bands={"low": 10, "high": 20, "extreme": 10},
                categories={"elderly": 12, "disability": 3, "indigent": 8}, assisted_households=15,
                aid_delivered_dzd=300_000, open_signals=2),
    AreaFigures("/DZ/16/1602", households=3, people=11, bands={"extreme": 3}, categories={"elderly": 1},
                assisted_households=2, aid_delivered_dzd=20_000, open_signals=0),
    AreaFigures("/DZ/16/1603", households=25, people=90, bands={"moderate": 15, "high": 10}, categories={},
                assisted_households=0, aid_delivered_dzd=0, open_signals=6),
    AreaFigures("/DZ/31/3101", households=50, people=200, bands={"high": 50}),
]  # fmt: skip


def test_levels_from_the_nation_to_the_cell() -> None:
    areas = ("/DZ", "/DZ/16", "/DZ/16/1601", "/DZ/16/1601/cell-3")
    assert [level_of(a) for a in areas] == ["national", "wilaya", "commune", "cell"]


def test_a_wilaya_rolls_up_its_communes_and_only_them() -> None:
    alger = rolled_up("/DZ/16", FIGURES)
    assert (alger.households, alger.people, alger.in_need) == (68, 271, 43)
    assert alger.categories == {"elderly": 13, "disability": 3, "indigent": 8}
    assert alger.assisted_households == 17


def test_the_staff_sheet_shows_every_figure_with_coverage_and_aid_per_household() -> None:
    page = sheet_of("/DZ/16", FIGURES, as_of=AS_OF, suppressed=False, listed=["/DZ/16/1604"])
    assert page.level == "wilaya"
    assert page.totals.households == 68
    assert page.totals.aid_per_assisted_household_dzd == round(320_000 / 17)
    assert page.totals.coverage == round(17 / 43, 4)
    assert page.totals.open_signals == 8
    assert [line.area for line in page.children] == ["/DZ/16/1601", "/DZ/16/1602", "/DZ/16/1603", "/DZ/16/1604"]
    empty = page.children[-1]
    assert (empty.households, empty.assisted_households, empty.open_signals) == (0, None, None)


def test_figures_with_no_source_are_not_available_not_zero() -> None:
    oran = sheet_of("/DZ/31", FIGURES, as_of=AS_OF, suppressed=False).totals
    assert oran.households == 50
    assert (oran.assisted_households, oran.coverage, oran.categories, oran.open_signals) == (None, None, None, None)
    assert oran.hidden == frozenset()


def test_the_donor_sheet_hides_small_cells_and_their_complements() -> None:
    page = sheet_of("/DZ/16", FIGURES, as_of=AS_OF, suppressed=True)
    small = {line.area: line for line in page.children}["/DZ/16/1602"]
    assert (small.households, small.people, small.assisted_households, small.coverage) == (None, None, None, None)
    assert {"households", "people", "assisted_households"} <= small.hidden
    # the smallest other commune is hidden with it: the wilaya total cannot reveal 1602's count
    assert {line.area: line.households for line in page.children} == {
        "/DZ/16/1601": 40, "/DZ/16/1602": None, "/DZ/16/1603": None
    }  # fmt: skip
    assert page.totals.households == 68
    assert page.totals.categories == {"elderly": 13, "disability": None, "indigent": None}  # 3, its complement
    assert page.totals.score_bands == {"low": 10, "high": 30, "extreme": 13, "moderate": 15}  # none small


def test_a_commune_sheet_lists_its_cells_only() -> None:
    page = sheet_of("/DZ/16/1601", FIGURES, as_of=AS_OF, suppressed=True)
    assert page.level == "commune"
    assert page.children == ()
    assert page.totals.score_bands == {"low": 10, "high": 20, "extreme": 10}
    assert page.totals.categories == {"elderly": 12, "disability": None, "indigent": None}


def test_figures_kept_at_a_parent_count_in_its_totals_not_in_a_child() -> None:
    """The read models keep each area's own sums: a signal recorded at the wilaya itself is in its totals only."""
    totals = AreaFigures("/DZ/16", households=12, people=40, open_signals=7)
    children = [AreaFigures("/DZ/16/1601", households=12, people=40, open_signals=2), AreaFigures("/DZ/31", 99)]
    page = sheet(totals, children, as_of=AS_OF, suppressed=False)
    assert page.totals.open_signals == 7
    assert [line.area for line in page.children] == ["/DZ/16/1601"]  # not Oran: not a child of Alger
