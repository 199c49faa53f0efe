"""Business figures for Prometheus: stocks to date from the national and wilaya tallies."""

from dataclasses import dataclass

from reporting.domain.carte_business import Measures, figures

M = Measures(*(f"m_{name}" for name in Measures.__dataclass_fields__))


@dataclass(frozen=True)
class Row:
    area: str
    measure: str
    count: int = 1
    amount: int = 0
    programme: str = ""
    category: str = ""


def test_stocks_are_summed_over_quarters_and_merges_subtracted() -> None:
    rows = [
        Row("/DZ", M.registered, 10), Row("/DZ", M.registered, 5), Row("/DZ", M.merged, 2),
        Row("/DZ", M.people, 40), Row("/DZ", M.people_merged, 7),
        Row("/DZ/16", M.registered, 9), Row("/DZ/16", M.merged, 1), Row("/DZ/31", M.registered, 4),
        Row("/DZ/16", M.granted, 3),  # a wilaya's other tallies are not national figures
    ]  # fmt: skip
    out = figures(rows, M)
    assert out.households == {"/DZ": 13, "/DZ/16": 8, "/DZ/31": 4}
    assert out.people == {"/DZ": 33}
    assert out.decisions == {}


def test_decisions_money_gifts_signals_and_sla_breaches() -> None:
    rows = [
        Row("/DZ", M.granted, 4), Row("/DZ", M.refused, 2), Row("/DZ", M.disbursed, 3, amount=45_000),
        Row("/DZ", M.urgent, 2), Row("/DZ", M.overdue, 1),
        Row("/DZ", M.donations, 3, amount=900_00, category="cash/DZD"),
        Row("/DZ", M.signals_reported, 6, category="housing"), Row("/DZ", M.signals_handled, 4, category="housing"),
        Row("/DZ", M.signals_reported, 1, category="health"), Row("/DZ", M.signals_late, 2, category="housing"),
    ]  # fmt: skip
    out = figures(rows, M)
    assert out.decisions == {"granted": 4, "refused": 2}
    assert (out.disbursed_dzd, out.urgent_granted, out.urgent_overdue, out.signals_late) == (45_000, 2, 1, 2)
    assert (out.gifts, out.gifts_amount_minor) == ({"cash/DZD": 3}, {"cash/DZD": 90_000})
    assert out.signals_open == {"housing": 2, "health": 1}
