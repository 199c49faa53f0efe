"""Indicator alerts: rules parsed or refused, folded over their window, raised once per period, cleared."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.unit.veille.refusal import refused
from veille.domain.alerts import Alert, AlertRule, IndicatorRow, acknowledge, evaluate, parse_rule

NOW = datetime(2027, 4, 2, 6, 0, tzinfo=UTC)
Q1 = date(2027, 3, 31)
BAB = "/DZ/16/1601"
HYDRA = "/DZ/16/1602"


def rule(**changes: Any) -> AlertRule:
    document = {
        "id": "extreme_share_up", "version": 1, "title_fr": "Hausse de la pauvreté extrême",
        "title_ar": "ارتفاع الفقر المدقع", "metric": "extreme_band_share", "aggregate": "change", "window_days": 100,
        "comparison": ">=", "threshold": 5.0,
    }  # fmt: skip
    return parse_rule({**document, **changes})


def row(commune: str, period: str, end: date, **values: bool | str | float) -> IndicatorRow:
    return IndicatorRow(commune=commune, period=period, period_end=end, values=values)


def quarter(bab_q1: float, hydra_q1: float) -> list[IndicatorRow]:
    return [
        row(BAB, "2026-Q4", date(2026, 12, 31), extreme_band_share=10.0),
        row(BAB, "2027-Q1", Q1, extreme_band_share=bab_q1),
        row(HYDRA, "2026-Q4", date(2026, 12, 31), extreme_band_share=4.0),
        row(HYDRA, "2027-Q1", Q1, extreme_band_share=hydra_q1),
    ]


def test_a_rise_of_five_points_in_a_quarter_raises_an_alert_for_that_commune_and_period() -> None:
    done = evaluate([rule()], quarter(bab_q1=16.0, hydra_q1=6.0), [], as_of=Q1, now=NOW)
    [alert] = done.raised
    assert (alert.rule_id, alert.rule_version, alert.commune, alert.period, alert.value) == (
        "extreme_share_up", 1, BAB, "2027-Q1", 6.0)  # fmt: skip
    assert done.cleared == () and [e.model_dump(mode="json") for e in done.events] == [
        {"event": "alert_raised", "rule_id": "extreme_share_up", "rule_version": 1, "commune": BAB,
         "period": "2027-Q1", "value": 6.0, "threshold": 5.0, "occurred_at": "2027-04-02T06:00:00Z"}]  # fmt: skip


def test_an_open_alert_is_not_raised_again_and_a_cleared_period_not_reopened() -> None:
    rows = quarter(bab_q1=16.0, hydra_q1=6.0)
    [alert] = evaluate([rule()], rows, [], as_of=Q1, now=NOW).raised
    assert evaluate([rule()], rows, [alert], as_of=Q1, now=NOW).raised == ()
    cleared = alert.model_copy(update={"status": "cleared"})
    assert evaluate([rule()], rows, [cleared], as_of=Q1, now=NOW).raised == ()


def test_an_alert_clears_when_the_condition_no_longer_holds() -> None:
    [alert] = evaluate([rule()], quarter(bab_q1=16.0, hydra_q1=6.0), [], as_of=Q1, now=NOW).raised
    done = evaluate([rule()], quarter(bab_q1=11.0, hydra_q1=6.0), [alert], as_of=Q1, now=NOW)
    [cleared] = done.cleared
    assert (cleared.key, cleared.status, cleared.cleared_at) == (alert.key, "cleared", NOW)
    assert [e.event for e in done.events] == ["alert_cleared"] and done.raised == ()


def test_a_commune_without_the_metric_is_neither_raised_nor_cleared() -> None:
    open_alert = Alert(rule_id="extreme_share_up", rule_version=1, commune=HYDRA, period="2027-Q1", value=9,
                       threshold=5, raised_at=NOW)  # fmt: skip
    rows = [row(HYDRA, "2027-Q1", Q1, registrations=3.0)]
    done = evaluate([rule()], rows, [open_alert], as_of=Q1, now=NOW)
    assert (done.raised, done.cleared) == ((), ())


def test_signals_above_a_threshold_in_30_days_sum_the_rows_of_the_window() -> None:
    signals = rule(id="street_children", metric="signals_street_child", aggregate="sum", window_days=30,
                   comparison=">", threshold=10)  # fmt: skip
    rows = [row(BAB, f"2027-03-{d:02d}", date(2027, 3, d), signals_street_child=3.0) for d in (1, 10, 20, 30)]
    assert [a.value for a in evaluate([signals], rows, [], as_of=date(2027, 3, 30), now=NOW).raised] == [12.0]
    # 1 March is outside the 30 days before 31 March; 31 March adds 2: 3 + 3 + 3 + 2 = 11
    rows.append(row(BAB, "2027-03-31", date(2027, 3, 31), signals_street_child=2.0))
    assert [a.value for a in evaluate([signals], rows, [], as_of=date(2027, 3, 31), now=NOW).raised] == [11.0]


def test_rows_after_as_of_are_not_read() -> None:
    rows = [*quarter(bab_q1=11.0, hydra_q1=5.0), row(BAB, "2027-Q2", date(2027, 6, 30), extreme_band_share=40.0)]
    assert evaluate([rule()], rows, [], as_of=Q1, now=NOW).raised == ()


def test_where_limits_a_rule_to_communes_whose_latest_row_matches() -> None:
    silent = rule(id="no_registration", metric="months_since_registration", aggregate="latest", window_days=31,
                  comparison=">=", threshold=6, where={"deprived": True})  # fmt: skip
    rows = [row(BAB, "2027-03", Q1, months_since_registration=7, deprived=True),
            row(HYDRA, "2027-03", Q1, months_since_registration=9, deprived=False)]  # fmt: skip
    assert [a.commune for a in evaluate([silent], rows, [], as_of=Q1, now=NOW).raised] == [BAB]


def test_a_budget_share_over_ninety_percent_with_the_mean_and_flags_not_counted_as_numbers() -> None:
    budget = rule(id="budget_used", metric="budget_used_share", aggregate="mean", window_days=31, comparison=">",
                  threshold=0.9)  # fmt: skip
    rows = [row(BAB, "2027-03", Q1, budget_used_share=0.95), row(HYDRA, "2027-03", Q1, budget_used_share=True)]
    assert [a.commune for a in evaluate([budget], rows, [], as_of=Q1, now=NOW).raised] == [BAB]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"comparison": "≥"}, "comparison"), ({"threshold": "high"}, "threshold"), ({"version": 0}, "version"),
     ({"metric": "Extreme Share"}, "metric"), ({"window_days": 0}, "window_days"), ({"title_ar": ""}, "title_ar"),
     ({"aggregate": "max"}, "aggregate"), ({"colour": "red"}, "colour")],
)  # fmt: skip
def test_a_rule_that_does_not_parse_is_refused_with_a_stable_code(change: dict[str, Any], field: str) -> None:
    error = refused("alert_rule_invalid", rule, **change)
    assert error.details["fields"] == [field] and error.http_status == 422


def test_a_rule_on_an_unknown_metric_is_refused_when_the_metrics_are_known() -> None:
    document = rule().model_dump()
    assert parse_rule(document, metrics={"extreme_band_share"}) == rule()
    refused("alert_rule_unknown_metric", parse_rule, document, metrics={"budget_used_share"})


def test_an_open_alert_is_acknowledged_once_and_a_cleared_one_not_at_all() -> None:
    [alert] = evaluate([rule()], quarter(bab_q1=16.0, hydra_q1=6.0), [], as_of=Q1, now=NOW).raised
    seen = acknowledge(alert, by="u-wilaya", at=NOW)
    assert (seen.acknowledged_by, seen.acknowledged_at, seen.status) == ("u-wilaya", NOW, "open")
    assert acknowledge(seen, by="u-other", at=NOW) == seen
    [cleared] = evaluate([rule()], quarter(bab_q1=11.0, hydra_q1=6.0), [seen], as_of=Q1, now=NOW).cleared
    assert cleared.acknowledged_by == "u-wilaya"
    error = refused("alert_not_open", acknowledge, cleared, by="u", at=NOW)
    assert error.http_status == 409
