"""The ``alert_rules`` and ``alerts`` collections, their only writer.

A rule is stored once per version (``_id`` ``<rule id>:<version>``: two publishers of the
same next version race on it, one wins). An alert's ``_id`` is ``domain.alerts.alert_id``,
so a rule raises one alert per commune and period however often it is evaluated; its event
rides in the alert's ``_outbox``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from common.contracts.events import Event
from common.errors import Conflict
from common.nameko_ext import outbox
from common.scope import Scope
from common.scoping import within
from veille.domain.alerts import Alert, AlertRule, alert_id

RULES = "alert_rules"
ALERTS = "alerts"
CLEARED_KEPT = timedelta(days=400)  # cleared alerts still read by an evaluation (their period may be current)


class MongoAlertRules:
    def __init__(self, database: Database[Any]) -> None:
        self.rules = database[RULES]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database[RULES].create_index([("rule_id", ASCENDING), ("version", DESCENDING)])

    def current(self) -> list[AlertRule]:
        latest: dict[str, AlertRule] = {}
        for doc in self.rules.find({}).sort([("rule_id", ASCENDING), ("version", DESCENDING)]):
            latest.setdefault(doc["rule_id"], AlertRule.model_validate(doc["rule"]))
        return list(latest.values())

    def latest(self, rule_id: str) -> AlertRule | None:
        doc = self.rules.find_one({"rule_id": rule_id}, sort=[("version", DESCENDING)])
        return AlertRule.model_validate(doc["rule"]) if doc else None

    def publish(self, rule: AlertRule, by: str) -> AlertRule:
        document = {"_id": f"{rule.id}:{rule.version}", "rule_id": rule.id, "version": rule.version,
                    "rule": rule.model_dump(mode="json"), "published_by": by}  # fmt: skip
        document["published_at"] = datetime.now(UTC)
        try:
            self.rules.insert_one(document)
        except DuplicateKeyError:
            raise Conflict("another version of this rule was published meanwhile; try again",
                           {"code": "alert_rule_version_taken", "version": rule.version}) from None  # fmt: skip
        return rule


class MongoAlerts:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.alerts = database[ALERTS]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        alerts = database[ALERTS]
        alerts.create_index([("rule_id", ASCENDING), ("status", ASCENDING)])
        alerts.create_index([("area_ancestors", ASCENDING), ("status", ASCENDING), ("raised_at", DESCENDING)])
        alerts.create_index([(outbox.PENDING_KEY, ASCENDING)], sparse=True)

    def known(self, rule_ids: Sequence[str]) -> list[Alert]:
        since = datetime.now(UTC) - CLEARED_KEPT
        query = {"rule_id": {"$in": list(rule_ids)}, "$or": [{"status": "open"}, {"cleared_at": {"$gte": since}}]}
        return [_alert(d) for d in self.alerts.find(query)]

    def save(self, raised: Sequence[Alert], cleared: Sequence[Alert], events: Sequence[Event]) -> None:
        writes: list[UpdateOne] = []
        ids: list[str] = []
        for alert, event in zip([*raised, *cleared], events, strict=True):
            _id = _id_of(alert)
            entry = outbox.entry(event)
            if alert.status == "open":
                document = {**alert.model_dump(), "area_ancestors": areas.ancestors(alert.commune),
                            outbox.OUTBOX_FIELD: [entry]}  # fmt: skip
                writes.append(UpdateOne({"_id": _id}, {"$setOnInsert": document}, upsert=True))
            else:
                change = {"$set": {"status": "cleared", "cleared_at": alert.cleared_at},
                          "$push": {outbox.OUTBOX_FIELD: entry}}  # fmt: skip
                writes.append(UpdateOne({"_id": _id, "status": "open"}, change))
            ids.append(_id)
        for start in range(0, len(writes), 1000):
            self.alerts.bulk_write(writes[start : start + 1000], ordered=False)
        outbox.mark(self.database, ALERTS, ids)

    def page(self, scope: Scope, status: str | None, limit: int) -> list[Alert]:
        query = within(scope)
        if status:
            query["status"] = status
        return [_alert(d) for d in self.alerts.find(query).sort("raised_at", DESCENDING).limit(limit)]

    def get(self, alert_id: str) -> Alert | None:
        found = self.alerts.find_one({"_id": alert_id})
        return _alert(found) if found else None

    def replace(self, before: Alert, after: Alert) -> bool:
        guard = {"_id": _id_of(before), "status": "open", "acknowledged_by": None}
        change = {"$set": {"acknowledged_by": after.acknowledged_by, "acknowledged_at": after.acknowledged_at}}
        return self.alerts.update_one(guard, change).modified_count == 1


def _id_of(alert: Alert) -> str:
    return alert_id(alert.rule_id, alert.commune, alert.period)


def _alert(doc: dict[str, Any]) -> Alert:
    fields = {k: doc.get(k) for k in Alert.model_fields if k in doc}
    for name in ("raised_at", "cleared_at", "acknowledged_at"):
        value = fields.get(name)
        if isinstance(value, datetime) and value.tzinfo is None:
            fields[name] = value.replace(tzinfo=UTC)
    return Alert.model_validate(fields)
