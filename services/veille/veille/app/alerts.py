"""Indicator alerts: versioned rules published as data, evaluated per commune, alerts acknowledged and cleared."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common import policy
from common.context import CallerContext
from common.contracts import events as contract
from common.errors import Conflict
from common.refusals import invalid
from veille.app import notices
from veille.app.ports import AlertRules, Alerts, Indicators, Notifier, Rules
from veille.domain import alerts
from veille.domain.alerts import Alert, AlertCleared, AlertRaised, AlertRule


@dataclass(frozen=True, slots=True)
class Evaluated:
    rules: int
    raised: int
    cleared: int


def publish(store: AlertRules, indicators: Indicators, by: str, document: Mapping[str, Any]) -> AlertRule:
    """The rule's next version (the same rule again is answered as it stands); one that does not parse is 422."""
    body = {k: v for k, v in document.items() if k != "version"}
    current = store.latest(str(body.get("id", "")))
    rule = alerts.parse_rule({**body, "version": (current.version + 1) if current else 1}, indicators.metrics())
    if current is not None and current.model_dump(exclude={"version"}) == rule.model_dump(exclude={"version"}):
        return current
    return store.publish(rule, by)


def evaluate(
    rules: AlertRules, store: Alerts, indicators: Indicators, notifier: Notifier, config: Rules, now: datetime
) -> Evaluated:
    """Raise the alerts whose condition holds and clear those whose condition no longer does (timer or officer)."""
    current = rules.current()
    known = store.known([r.id for r in current])
    rows = indicators.rows(now, {a.commune for a in known if a.status == "open"})
    done = alerts.evaluate(current, rows, known, as_of=now.date(), now=now)
    store.save(done.raised, done.cleared, [_event(e) for e in done.events])
    if done.raised or done.cleared:
        notifier.send(notices.alerts(len(done.raised), len(done.cleared), config.link_base))
    return Evaluated(rules=len(current), raised=len(done.raised), cleared=len(done.cleared))


def page(store: Alerts, caller: CallerContext, status: str | None, limit: int) -> list[Alert]:
    if status not in (None, "open", "cleared"):
        raise invalid("alert_status_unknown", "an alert is open or cleared", status=status)
    if not 1 <= limit <= 500:
        raise invalid("limit_out_of_range", "limit runs from 1 to 500", limit=limit)
    return store.page(policy.scope(caller), status, limit)


def acknowledge(store: Alerts, caller: CallerContext, alert_id: str, now: datetime) -> Alert:
    """Someone of the commune's area has seen the open alert (again: the first acknowledgement stays)."""
    scope = policy.scope(caller)
    found = policy.visible_or_404(store.get(alert_id), lambda a: scope.contains(a.commune), "alert")
    after = alerts.acknowledge(found, by=caller.user_id, at=now)
    if after is found or store.replace(found, after):
        return after
    raise Conflict("the alert changed meanwhile; try again", {"reason": "busy"})


def alert_id(alert: Alert | AlertRaised | AlertCleared) -> str:
    return alerts.alert_id(alert.rule_id, alert.commune, alert.period)


def _event(event: AlertRaised | AlertCleared) -> contract.Event:
    if isinstance(event, AlertRaised):
        return contract.AlertRaised(alert_id=alert_id(event), rule_id=event.rule_id, rule_version=event.rule_version,
                                    commune=event.commune, period=event.period, value=event.value,
                                    threshold=event.threshold)  # fmt: skip
    return contract.AlertCleared(alert_id=alert_id(event), rule_id=event.rule_id, commune=event.commune,
                                 period=event.period, value=event.value)  # fmt: skip
