"""The audit service chains entries from the broker; the verify command spots tampering."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from kombu import Connection, Exchange, Producer
from pymongo import MongoClient

from audit.adapters.records import seq_key
from audit.service import AuditService
from common.contracts.events import AUDIT_ENTRY, EventEnvelope
from tests.integration.services.conftest import AMQP_URI, MONGO_URI, PREFIX, eventually


def publish_entries(count: int) -> list[str]:
    ids = []
    with Connection(AMQP_URI) as conn:
        producer = Producer(conn.default_channel)
        for n in range(count):
            entry = {
                "actor": f"user-{n}",
                "roles": ["social-worker"],
                "area": "/DZ/16/1601",
                "action": "household.read",
                "object_type": "household",
                "object_id": f"h{n}",
                "outcome": "success",
                "status": 200,
                "at": "2026-11-23T10:00:00+00:00",
                "correlation_id": f"corr-{n}",
            }
            envelope = EventEnvelope.new(AUDIT_ENTRY, entry)
            ids.append(envelope.event_id)
            body = json.dumps(envelope.model_dump(mode="json"))
            for _ in range(2 if n == 0 else 1):  # the first one is delivered twice
                producer.publish(
                    body,
                    exchange=Exchange("gateway.events", type="topic", durable=True),
                    routing_key=AUDIT_ENTRY,
                    content_type="application/json",
                )
    return ids


def run_verify() -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MONGO_URI": MONGO_URI, "MONGO_DB_PREFIX": PREFIX}
    return subprocess.run(
        [sys.executable, "-m", "audit.verify"], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_entries_are_chained_once_and_tampering_is_reported(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(AuditService)
    publish_entries(20)
    records = MongoClient(MONGO_URI)[f"{PREFIX}audit"]["audit_records"]
    eventually(lambda: records.count_documents({}) >= 20)
    eventually(lambda: records.count_documents({}) == 20)  # the duplicate delivery was not appended
    intact = run_verify()
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "20 records verified" in intact.stdout

    records.update_one({"_id": seq_key(7)}, {"$set": {"outcome": "denied"}})
    tampered = run_verify()
    assert tampered.returncode == 1
    assert "TAMPERED at record 7" in tampered.stdout
