"""Audit entries the broker dead-lettered are replayed into the trail, exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from kombu import Connection, Producer
from pymongo import MongoClient

from audit.service import AuditService
from common.topology import DEAD_LETTER_QUEUE
from tests.integration.services.conftest import AMQP_URI, MONGO_URI, PREFIX, dead_letters, eventually, queue_depth
from tests.integration.services.test_audit_chain import publish_entries

AUDIT_QUEUE = "evt-gateway-audit_entry--audit.on_audit_entry"


def dead_letter_everything_in(queue: str) -> int:
    """Reject each waiting message without requeue, so the broker dead-letters it (as a failed handler would)."""
    rejected = 0
    with Connection(AMQP_URI) as conn:
        channel = conn.default_channel
        while (message := channel.basic_get(queue, no_ack=False)) is not None:
            channel.basic_reject(message.delivery_tag, requeue=False)
            rejected += 1
    return rejected


def run_replay() -> str:
    env = {**os.environ, "AMQP_URI": AMQP_URI}
    done = subprocess.run(
        [sys.executable, "-m", "audit.replay"], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def test_dead_lettered_entries_are_replayed_exactly_once(start_service: Callable[[type[Any]], Any]) -> None:
    event_ids = publish_entries(3)  # the first one is published twice (one event id, two copies)
    eventually(lambda: queue_depth(AUDIT_QUEUE) == 4)
    with Connection(AMQP_URI) as conn:  # a dead letter of someone else's, which the replay must leave alone
        Producer(conn.default_channel).publish(b'{"other": 1}', routing_key=DEAD_LETTER_QUEUE, exchange="")
    assert dead_letter_everything_in(AUDIT_QUEUE) == 4
    eventually(lambda: queue_depth(DEAD_LETTER_QUEUE) == 5)

    assert "moved 4 audit entries" in run_replay()
    assert queue_depth(DEAD_LETTER_QUEUE) == 1
    start_service(AuditService)
    database = MongoClient(MONGO_URI)[f"{PREFIX}audit"]
    records = database["audit_records"]
    ours = {"event_id": {"$in": event_ids}}
    eventually(lambda: records.count_documents(ours) == 3 and queue_depth(AUDIT_QUEUE) == 0)

    again = run_replay()  # nothing of the audit's is left; the other dead letter stays
    assert "moved 0 audit entries" in again and "left 1 other" in again
    assert sorted(r["event_id"] for r in records.find(ours)) == sorted(event_ids)
    assert dead_letters() == [b'{"other": 1}']
