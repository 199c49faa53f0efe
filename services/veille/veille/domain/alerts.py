"""Indicator alerts: declarative, versioned rules evaluated over reporting's per-commune indicators.

A rule names a metric of the indicator rows (e.g. ``extreme_band_share``, ``signals_street_child``,
``months_since_registration``, ``budget_used_share``), how to fold the rows of its window into
one value (the latest, a sum, a mean, or the change from first to latest), a comparison and a
threshold, and optionally conditions on the commune's latest row (``{"deprived": true}``). Rules
arrive as data (a JSON document an officer edits); :func:`parse_rule` refuses one that does not
parse with a stable code.

:func:`evaluate` compares the conditions with the alerts already known: it raises an alert once
per (rule, commune, period), not again while one is open for that rule and commune, and clears an
open alert when its condition no longer holds. A commune whose rows lack the metric is left as it
is (unknown is neither raised nor cleared). An open alert may be acknowledged (:func:`acknowledge`).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from common.refusals import conflict, invalid

Aggregate = Literal["latest", "sum", "mean", "change"]
Comparison = Literal[">", ">=", "<", "<=", "=="]
COMPARE: Mapping[Comparison, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}
_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
_NAME = r"^[a-z][a-z0-9_]{0,63}$"


class AlertRule(BaseModel):
    """One declarative rule; ``version`` grows at every edit and is recorded on its alerts."""

    model_config = _FROZEN

    id: str = Field(pattern=_NAME)
    version: int = Field(ge=1)
    title_fr: str = Field(min_length=3, max_length=200)
    title_ar: str = Field(min_length=3, max_length=200)
    metric: str = Field(pattern=_NAME)
    aggregate: Aggregate = "latest"
    window_days: int = Field(ge=1, le=3660)
    comparison: Comparison
    threshold: float
    where: dict[str, bool | str | float] = Field(default_factory=dict)

    def fold(self, values: list[float]) -> float:
        """The rows' values (oldest first) as the one value the rule compares."""
        if self.aggregate == "sum":
            return sum(values)
        if self.aggregate == "mean":
            return fmean(values)
        if self.aggregate == "change":
            return values[-1] - values[0]
        return values[-1]

    def holds(self, value: float) -> bool:
        return COMPARE[self.comparison](value, self.threshold)


class IndicatorRow(BaseModel):
    """A commune's indicators for one period, as reporting's read model gives them."""

    model_config = ConfigDict(frozen=True)

    commune: str
    period: str  # e.g. "2027-01" or "2027-Q1": the alert's period
    period_end: date
    values: Mapping[str, bool | str | float]


class Alert(BaseModel):
    """An alert of one rule for one commune and period; open until its condition no longer holds."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    rule_version: int
    commune: str
    period: str
    value: float
    threshold: float
    raised_at: AwareDatetime
    status: Literal["open", "cleared"] = "open"
    cleared_at: AwareDatetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: AwareDatetime | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule_id, self.commune, self.period)


class AlertRaised(BaseModel):
    model_config = ConfigDict(frozen=True)

    event: Literal["alert_raised"] = "alert_raised"
    rule_id: str
    rule_version: int
    commune: str
    period: str
    value: float
    threshold: float
    occurred_at: AwareDatetime


class AlertCleared(BaseModel):
    model_config = ConfigDict(frozen=True)

    event: Literal["alert_cleared"] = "alert_cleared"
    rule_id: str
    commune: str
    period: str
    value: float
    occurred_at: AwareDatetime


class Evaluation(BaseModel):
    """What one evaluation changes: alerts to insert, alerts to mark cleared, and their events."""

    model_config = ConfigDict(frozen=True)

    raised: tuple[Alert, ...]
    cleared: tuple[Alert, ...]
    events: tuple[AlertRaised | AlertCleared, ...]


def acknowledge(alert: Alert, *, by: str, at: datetime) -> Alert:
    """Someone has seen the open alert; acknowledging it again changes nothing (the first stays)."""
    if alert.status != "open":
        raise conflict("alert_not_open", "only an open alert is acknowledged", status=alert.status)
    if alert.acknowledged_by is not None:
        return alert
    return alert.model_copy(update={"acknowledged_by": by, "acknowledged_at": at})


def parse_rule(document: Mapping[str, Any], metrics: Collection[str] | None = None) -> AlertRule:
    """A rule from its JSON document; one that does not parse, or names an unknown metric, is refused."""
    try:
        rule = AlertRule.model_validate(document)
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "rule" for e in error.errors()})
        raise invalid("alert_rule_invalid", "the alert rule does not parse", fields=fields) from None
    if metrics is not None and rule.metric not in metrics:
        raise invalid("alert_rule_unknown_metric", "the alert rule names an unknown metric", metric=rule.metric)
    return rule


def evaluate(
    rules: Iterable[AlertRule], rows: Iterable[IndicatorRow], known: Iterable[Alert], *, as_of: date, now: datetime
) -> Evaluation:
    """Raise and clear alerts over ``rows`` at ``as_of``.

    ``known`` holds the open alerts of these rules and the ones cleared within the periods still
    in ``rows`` (so a period whose alert was cleared does not raise it again).
    """
    by_commune: dict[str, list[IndicatorRow]] = defaultdict(list)
    for row in rows:
        if row.period_end <= as_of:
            by_commune[row.commune].append(row)
    for commune_rows in by_commune.values():
        commune_rows.sort(key=lambda r: r.period_end)
    seen = {a.key for a in known}
    open_by: dict[tuple[str, str], Alert] = {(a.rule_id, a.commune): a for a in known if a.status == "open"}
    raised: list[Alert] = []
    cleared: list[Alert] = []
    events: list[AlertRaised | AlertCleared] = []
    for rule in rules:
        since = as_of - timedelta(days=rule.window_days)
        for commune, commune_rows in by_commune.items():
            window = [r for r in commune_rows if r.period_end > since]
            found = _condition(rule, window)
            if found is None:
                continue
            holds, value, period = found
            current = open_by.get((rule.id, commune))
            if holds and current is None and (rule.id, commune, period) not in seen:
                alert = Alert(rule_id=rule.id, rule_version=rule.version, commune=commune, period=period,
                              value=value, threshold=rule.threshold, raised_at=now)  # fmt: skip
                raised.append(alert)
                events.append(AlertRaised(**alert.model_dump(include=_RAISED), occurred_at=now))
            elif not holds and current is not None:
                cleared.append(current.model_copy(update={"status": "cleared", "cleared_at": now}))
                events.append(AlertCleared(rule_id=rule.id, commune=commune, period=current.period, value=value,
                                           occurred_at=now))  # fmt: skip
    return Evaluation(raised=tuple(raised), cleared=tuple(cleared), events=tuple(events))


_RAISED = {"rule_id", "rule_version", "commune", "period", "value", "threshold"}


def _condition(rule: AlertRule, window: list[IndicatorRow]) -> tuple[bool, float, str] | None:
    """Whether the rule holds for a commune's rows in its window, its value and period; None if unknown."""
    values = [v for r in window if (v := _number(r.values.get(rule.metric))) is not None]
    if not values:
        return None
    latest = window[-1]
    value = rule.fold(values)
    applies = all(latest.values.get(k) == v for k, v in rule.where.items())
    return (applies and rule.holds(value), value, latest.period)


def _number(value: object) -> float | None:
    """A metric's value as a number; flags and labels are not numbers."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def alert_id(rule_id: str, commune: str, period: str) -> str:
    """An alert's id, safe in a URL path: ``<rule>.<commune with dashes>.<period>`` (``r.DZ-16-1601.2027-01``)."""
    return f"{rule_id}.{commune.strip('/').replace('/', '-')}.{period}"
