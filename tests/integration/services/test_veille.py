"""Veille over the real database and broker: the service in a container, its events through the outbox
to the broker, and the escalation sweep over stored signals (its index read is test_query_plans')."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue
from nameko.containers import ServiceContainer
from pymongo import MongoClient
from pymongo.database import Database

from common.context import CallerContext
from common.contracts.signals import SignalIn
from common.errors import NotFound, ValidationFailed
from common.idempotency import keyed
from common.protocol import event_exchange
from common.scope import Scope
from tests.integration.services.conftest import AMQP_URI, MONGO_URI, PREFIX, eventually, new_commune
from veille.adapters.alerts import MongoAlertRules, MongoAlerts
from veille.adapters.emergencies import MongoEmergencies
from veille.adapters.grants import MongoGrants
from veille.adapters.indicators import SignalIndicators
from veille.adapters.signals import MongoSignals
from veille.app import alerts as alerting
from veille.app import escalation
from veille.app import signals as watch
from veille.app.ports import Notice
from veille.domain import pockets
from veille.domain import signals as lifecycle
from veille.service import VeilleService
from veille.settings import VeilleSettings


def caller(area: str, role: str = "cell-coordinator") -> CallerContext:
    return CallerContext(user_id=f"it-{role}", roles=(role,), area=area, correlation_id=uuid.uuid4().hex)


def signal(area: str, **changes: Any) -> dict[str, Any]:
    body = {
        "category": "street_child",
        "severity": 4,
        "area": area,
        "description": "Un enfant seul la nuit",
        "reporter": {"kind": "hotline", "name": "Samia"},
        "protected": {"child_protection": "environ 9 ans"},
    }
    return {**body, **changes}


@pytest.fixture
def database() -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI, tz_aware=True)
    yield client[f"{PREFIX}veille"]
    client.close()


@pytest.fixture
def events() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Every veille event the broker routes, read from a queue of this test's own."""
    with Connection(AMQP_URI) as conn:
        queue = Queue(f"it-veille-{uuid.uuid4().hex[:8]}", Exchange(event_exchange("veille"), type="topic"),
                      routing_key="#", auto_delete=True, exclusive=True)  # fmt: skip
        bound = queue(conn.default_channel)
        bound.declare()
        seen: list[dict[str, Any]] = []

        def drain() -> list[dict[str, Any]]:
            while (message := bound.get(no_ack=True)) is not None:
                seen.append(json.loads(message.body))
            return seen

        yield drain


class Notices:
    def __init__(self) -> None:
        self.sent: list[Notice] = []

    def send(self, notice: Notice) -> None:
        self.sent.append(notice)


def test_a_reported_and_triaged_signal_announces_itself_through_the_outbox(
    start_service: Callable[[type[Any]], ServiceContainer],
    rpc_as: Callable[[CallerContext], Any],
    events: Callable[[], list[dict[str, Any]]],
) -> None:
    start_service(VeilleService)
    commune = new_commune()
    rpc = rpc_as(caller(commune))
    reported = rpc.veille.report_signal(signal(commune), uuid.uuid4().hex)
    rpc.veille.triage_signal(reported["id"], {"severity": 5}, uuid.uuid4().hex)

    def mine() -> list[dict[str, Any]]:
        return [e for e in events() if e["data"].get("signal_id") == reported["id"]]

    published = eventually(lambda: len(mine()) >= 2 and mine())
    assert [e["event_type"] for e in published] == ["signal_reported", "signal_triaged"]
    assert "Samia" not in json.dumps(published) and "9 ans" not in json.dumps(published)
    other = rpc_as(caller(new_commune(), "social-worker"))
    assert reported["id"] not in {s["id"] for s in other.veille.list_signals()}


def test_the_sweep_escalates_overdue_signals_once_per_level_and_stands_down(database: Database[Any]) -> None:
    for adapter in (MongoSignals, MongoGrants, MongoEmergencies):
        adapter.ensure_indexes(database)
    rules = VeilleSettings().rules()
    store = MongoSignals(database)
    desk = watch.Desk(signals=store, grants=MongoGrants(database), emergencies=MongoEmergencies(database), rules=rules)
    commune = new_commune()
    coordinator = caller(commune)

    def report(body: SignalIn) -> str:
        return watch.report(desk, coordinator, body, keyed(coordinator.user_id, uuid.uuid4().hex, body)).filed.signal.id

    late = report(SignalIn.model_validate(signal(commune)))
    calm = report(SignalIn.model_validate(signal(commune, category="isolated_elderly", severity=2, protected={})))
    notices = Notices()
    at = datetime.now(UTC) + timedelta(hours=5)  # past the street child's 4 h triage deadline, not the others'

    assert escalation.sweep(store, rules, notices, at) >= 1
    assert level(store, late) == ("wilaya", commune.rsplit("/", 1)[0]) and level(store, calm)[0] == "cell"
    assert escalation.sweep(store, rules, notices, at) == 0  # once per level, however often it runs
    escalation.sweep(store, rules, notices, at + timedelta(hours=25))
    assert level(store, late) == ("ministry", "/DZ")
    stored = store.get(late)
    assert stored is not None and stored.escalate_at is None  # nothing above the ministry: off the timer's index
    assert {(n.audience, "Samia" in n.body_fr + n.body_ar) for n in notices.sent} >= {
        (commune.rsplit("/", 1)[0], False),
        ("/DZ", False),
    }
    back = watch.step(desk, coordinator, late, keyed(coordinator.user_id, uuid.uuid4().hex, "triage"),
                      lambda s, k: lifecycle.triage(s, key=k, by="it", at=datetime.now(UTC)))  # fmt: skip
    assert (back.filed.signal.level, back.filed.assigned_area) == ("cell", commune)  # handled: stood down
    assert back.filed.escalate_at is not None  # and climbs again if its visit is late


def level(store: MongoSignals, signal_id: str) -> tuple[str, str]:
    found = store.get(signal_id)
    assert found is not None
    return found.signal.level, found.assigned_area


RULE = {
    "id": "street_children_30d",
    "title_fr": "Enfants des rues signalés sur 30 jours",
    "title_ar": "أطفال الشوارع المبلغ عنهم خلال 30 يوما",
    "metric": "signals_street_child",
    "window_days": 30,
    "comparison": ">=",
    "threshold": 3,
}


def test_alert_rules_raise_once_are_acknowledged_and_clear_when_the_condition_no_longer_holds(
    database: Database[Any],
) -> None:
    for adapter in (MongoSignals, MongoGrants, MongoEmergencies, MongoAlerts, MongoAlertRules):
        adapter.ensure_indexes(database)
    rules = VeilleSettings().rules()
    desk = watch.Desk(signals=MongoSignals(database), grants=MongoGrants(database),
                      emergencies=MongoEmergencies(database), rules=rules)  # fmt: skip
    store, rule_store, indicators, notices = (
        MongoAlerts(database),
        MongoAlertRules(database),
        SignalIndicators(database),
        Notices(),
    )
    rule_id = f"r{uuid.uuid4().hex[:10]}"
    with pytest.raises(ValidationFailed) as bad:
        alerting.publish(rule_store, indicators, "it", {**RULE, "id": rule_id, "comparison": "about"})
    assert bad.value.details["code"] == "alert_rule_invalid" and rule_store.latest(rule_id) is None
    with pytest.raises(ValidationFailed) as unknown:
        alerting.publish(rule_store, indicators, "it", {**RULE, "id": rule_id, "metric": "signals_of_martians"})
    assert unknown.value.details["code"] == "alert_rule_unknown_metric"
    first = alerting.publish(rule_store, indicators, "it", {**RULE, "id": rule_id})
    assert first.version == 1 and alerting.publish(rule_store, indicators, "it", {**RULE, "id": rule_id}).version == 1
    commune = new_commune()
    coordinator = caller(commune)
    for _ in range(3):
        body = SignalIn.model_validate(signal(commune))
        watch.report(desk, coordinator, body, keyed(coordinator.user_id, uuid.uuid4().hex, body))
    now = datetime.now(UTC)

    def mine(status: str | None = None) -> list[Any]:
        return [a for a in store.page(Scope(commune), status, 50) if a.rule_id == rule_id]

    alerting.evaluate(rule_store, store, indicators, notices, rules, now)
    (raised,) = mine("open")
    assert (raised.commune, raised.value, raised.rule_version) == (commune, 3.0, 1)
    alerting.evaluate(rule_store, store, indicators, notices, rules, now)
    assert len(mine()) == 1  # deduplicated: one alert per rule, commune and period
    alert_key = alerting.alert_id(raised)
    seen = alerting.acknowledge(store, coordinator, alert_key, now)
    assert seen.acknowledged_by == coordinator.user_id
    with pytest.raises(NotFound):
        alerting.acknowledge(store, caller(new_commune()), alert_key, now)  # another commune: no such alert
    assert alerting.publish(rule_store, indicators, "it", {**RULE, "id": rule_id, "threshold": 10}).version == 2
    alerting.evaluate(rule_store, store, indicators, notices, rules, now)
    (cleared,) = mine("cleared")
    assert cleared.cleared_at is not None and mine("open") == []
    assert all(commune not in n.body_fr or "Samia" not in n.body_fr for n in notices.sent)


def test_pockets_gather_nearby_signals_with_their_visit_list(database: Database[Any]) -> None:
    for adapter in (MongoSignals, MongoGrants, MongoEmergencies):
        adapter.ensure_indexes(database)
    desk = watch.Desk(signals=MongoSignals(database), grants=MongoGrants(database),
                      emergencies=MongoEmergencies(database), rules=VeilleSettings().rules())  # fmt: skip
    commune = new_commune()
    coordinator = caller(commune)
    ids = []
    for i in range(6):
        body = SignalIn.model_validate(
            signal(commune, severity=1 + i % 5, point={"lat": 35.7 + i * 1e-4, "lon": -0.63})
        )
        ids.append(
            watch.report(desk, coordinator, body, keyed(coordinator.user_id, uuid.uuid4().hex, body)).filed.signal.id
        )
    found = pockets.find_pockets(desk.signals.points(Scope(commune)), [])
    (pocket,) = found
    assert pocket.signals == 6 and set(pocket.visit_list) == set(ids) and pocket.communes == (commune,)
    assert pocket.exclusion == ("few_registered", "few_assisted")  # no registered household near it (none given)
    assert desk.signals.points(Scope(new_commune())) == []
