"""The veille (social watch) service: thin entrypoints over the use cases in ``veille.app``.

Each entrypoint authorizes the caller, reads its payload, calls one use case and answers a
view (``veille.views``). Reading order: this file, then ``app/``, ``domain/``, ``adapters/``.
"""

from __future__ import annotations

from typing import Any

from nameko.timer import Timer

from common import policy
from common.clock import now
from common.contracts.signals import (
    BreakGlassIn,
    CloseIn,
    EmergencyIn,
    PlanVisitIn,
    SignalFilter,
    SignalIn,
    TriageIn,
    VisitIn,
)
from common.idempotency import keyed
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.outbox_relay import OutboxRelay
from common.validation import parse
from veille import views
from veille.adapters.alerts import MongoAlertRules, MongoAlerts
from veille.adapters.emergencies import MongoEmergencies
from veille.adapters.grants import MongoGrants
from veille.adapters.indicators import SignalIndicators
from veille.adapters.signals import OUTBOX_COLLECTIONS, MongoSignals
from veille.app import alerts as alerting
from veille.app import emergencies, escalation
from veille.app import signals as watch
from veille.app.ports import AlertRules, Alerts, Emergencies, Grants, Indicators, Notifier, Rules, Signals
from veille.dependencies import NotifierProvider
from veille.domain import pockets
from veille.domain import signals as lifecycle
from veille.domain.signals import Closure
from veille.settings import RulesProvider, from_config


class SweepTimer(Timer):
    """The escalation timer, every ``VEILLE_SWEEP_INTERVAL_SECONDS``."""

    def setup(self) -> None:
        self.interval = from_config(self.container.config).sweep_interval_seconds


class AlertTimer(Timer):
    """The alert rules' evaluation, every ``VEILLE_ALERT_INTERVAL_SECONDS``."""

    def setup(self) -> None:
        self.interval = from_config(self.container.config).alert_interval_seconds


class VeilleService(PlatformService):
    """Field signals and their lifecycle, protected fields, SLA escalation, emergencies."""

    name = "veille"

    signals: Signals = MongoRepository(MongoSignals)
    grants: Grants = MongoRepository(MongoGrants)
    emergencies: Emergencies = MongoRepository(MongoEmergencies)
    rules: Rules = RulesProvider()
    notifier: Notifier = NotifierProvider()
    alert_rules: AlertRules = MongoRepository(MongoAlertRules)
    alerts: Alerts = MongoRepository(MongoAlerts)
    indicators: Indicators = MongoRepository(SignalIndicators)
    outbox = OutboxRelay(collections=(*OUTBOX_COLLECTIONS, "emergencies", "alerts"))

    @property
    def desk(self) -> watch.Desk:
        return watch.Desk(signals=self.signals, grants=self.grants, emergencies=self.emergencies, rules=self.rules)

    # signals (app.signals)

    @rpc
    def report_signal(self, signal: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Record a signal once per key; a protected field the caller's role may not write is refused (403)."""
        caller = policy.authorize(self.caller, "signal.report")
        body = parse(SignalIn, signal)
        key = keyed(caller.user_id, idempotency_key, "report_signal", body)
        return views.signal(watch.report(self.desk, caller, body, key))

    @rpc
    def list_signals(self, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Signals in the caller's area: emergencies first, then the most severe, then the newest."""
        caller = policy.authorize(self.caller, "signal.read")
        return [views.signal(s) for s in watch.page(self.desk, caller, parse(SignalFilter, filters or {}))]

    @rpc
    def count_signals(self, filters: dict[str, Any] | None = None) -> dict[str, int]:
        caller = policy.authorize(self.caller, "signal.read")
        return {"count": watch.count(self.desk, caller, parse(SignalFilter, filters or {}))}

    @rpc
    def get_signal(self, signal_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "signal.read")
        return views.signal(watch.get(self.desk, caller, signal_id))

    @rpc
    def triage_signal(self, signal_id: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "signal.handle")
        triage = parse(TriageIn, body)
        key = keyed(caller.user_id, idempotency_key, "triage_signal", signal_id, triage)
        return views.signal(watch.step(self.desk, caller, signal_id, key, lambda s, k: lifecycle.triage(
            s, key=k, by=caller.user_id, at=now(), severity=triage.severity)))  # fmt: skip

    @rpc
    def plan_signal_visit(self, signal_id: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "signal.handle")
        plan = parse(PlanVisitIn, body)
        key = keyed(caller.user_id, idempotency_key, "plan_signal_visit", signal_id, plan)
        return views.signal(watch.step(self.desk, caller, signal_id, key, lambda s, k: lifecycle.plan_visit(
            s, key=k, by=caller.user_id, at=now(), planned_for=plan.planned_for)))  # fmt: skip

    @rpc
    def record_signal_visit(self, signal_id: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "signal.handle")
        visit = parse(VisitIn, body or {})
        key = keyed(caller.user_id, idempotency_key, "record_signal_visit", signal_id, visit)
        return views.signal(watch.step(self.desk, caller, signal_id, key, lambda s, k: lifecycle.record_visit(
            s, key=k, by=caller.user_id, at=now())))  # fmt: skip

    @rpc
    def close_signal(self, signal_id: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The outcome, naming the case, referral, aid request or original signal it leads to."""
        caller = policy.authorize(self.caller, "signal.handle")
        closing = parse(CloseIn, body)
        key = keyed(caller.user_id, idempotency_key, "close_signal", signal_id, closing)
        closure = Closure.model_validate(closing.model_dump())
        return views.signal(watch.step(self.desk, caller, signal_id, key, lambda s, k: lifecycle.close(
            s, closure, key=k, by=caller.user_id, at=now())))  # fmt: skip

    @rpc
    def break_glass(self, signal_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Read every protected field of one signal for the configured time, with a justification (audited)."""
        caller = policy.authorize(self.caller, "signal.break_glass")
        request = parse(BreakGlassIn, body)
        seen, grant = watch.break_glass(self.desk, caller, signal_id, request.justification)
        return {"signal": views.signal(seen), "grant": views.grant(grant)}

    @rpc
    def list_break_glass(self, limit: int = 100) -> list[dict[str, Any]]:
        """For auditors: the latest emergency reads of signals in their area, with the justifications."""
        caller = policy.authorize(self.caller, "audit.read")
        return [views.grant(g, area) for g, area in watch.grants(self.desk, caller, limit)]

    # escalation (app.escalation)

    @SweepTimer.decorator(interval=60)
    def escalate_overdue(self) -> None:
        """Raise the overdue signals a level (cell -> wilaya -> ministry); two timers raise each once."""
        escalation.sweep(self.signals, self.rules, self.notifier, now())

    # emergencies (app.emergencies)

    @rpc
    def declare_emergency(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Declare a disaster over areas inside the caller's: their signals first, assistance's fast track opens."""
        caller = policy.authorize(self.caller, "emergency.declare")
        declared = parse(EmergencyIn, body)
        key = keyed(caller.user_id, idempotency_key, "declare_emergency", declared)
        found = emergencies.declare(self.emergencies, self.signals, self.notifier, self.rules, caller, declared, key)
        return views.emergency(found, now())

    @rpc
    def end_emergency(self, emergency_id: str, idempotency_key: str) -> dict[str, Any]:
        """End an emergency of the caller's area now: assistance closes its fast track (``emergency_ended``)."""
        caller = policy.authorize(self.caller, "emergency.declare")
        key = keyed(caller.user_id, idempotency_key, "end_emergency", emergency_id)
        return views.emergency(emergencies.end(self.emergencies, caller, emergency_id, key), now())

    @rpc
    def list_emergencies(self) -> list[dict[str, Any]]:
        caller = policy.authorize(self.caller, "emergency.read")
        at = now()
        return [views.emergency(e, at) for e in emergencies.listed(self.emergencies, caller)]

    # indicator alerts (app.alerts)

    @rpc
    def publish_alert_rule(self, rule: dict[str, Any]) -> dict[str, Any]:
        """Publish a rule's next version (the same rule again answers the one in force); 422 if it does not parse."""
        caller = policy.authorize(self.caller, "alert.manage")
        return alerting.publish(self.alert_rules, self.indicators, caller.user_id, rule).model_dump(mode="json")

    @rpc
    def list_alert_rules(self) -> list[dict[str, Any]]:
        policy.authorize(self.caller, "alert.read")
        return [r.model_dump(mode="json") for r in self.alert_rules.current()]

    @rpc
    def evaluate_alerts(self) -> dict[str, int]:
        """Evaluate every rule now (the timer does it every ``VEILLE_ALERT_INTERVAL_SECONDS``)."""
        policy.authorize(self.caller, "alert.manage")
        done = alerting.evaluate(self.alert_rules, self.alerts, self.indicators, self.notifier, self.rules, now())
        return {"rules": done.rules, "raised": done.raised, "cleared": done.cleared}

    @AlertTimer.decorator(interval=3600)
    def evaluate_alerts_on_time(self) -> None:
        alerting.evaluate(self.alert_rules, self.alerts, self.indicators, self.notifier, self.rules, now())

    @rpc
    def list_alerts(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Alerts of communes in the caller's area, the latest raised first."""
        caller = policy.authorize(self.caller, "alert.read")
        return [views.alert(a) for a in alerting.page(self.alerts, caller, status, limit)]

    @rpc
    def acknowledge_alert(self, alert_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "alert.acknowledge")
        return views.alert(alerting.acknowledge(self.alerts, caller, alert_id, now()))

    # poverty pockets (domain.pockets)

    @rpc
    def find_pockets(self) -> list[dict[str, Any]]:
        """Where the open signals with a geo-point gather in the caller's area, with each pocket's visit list."""
        caller = policy.authorize(self.caller, "signal.read")
        return [views.pocket(p) for p in pockets.find_pockets(self.signals.points(policy.scope(caller)), [])]
