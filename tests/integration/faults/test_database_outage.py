"""The database stops for ~20 s: 503 meanwhile, nothing half-written, no audit entry lost."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from pymongo import MongoClient

from tests.integration.audit_trail import count_audit_entries
from tests.integration.faults.answers import (
    check_outage_answer,
    list_households,
    new_household,
    unique_key,
)
from tests.integration.faults.conftest import DB_PREFIX, SERVICES, Stack
from tests.integration.faults.stack import wait_until

# Starting the private stack (a broker, a database, three processes) takes most of it.
pytestmark = pytest.mark.timeout(600)

OUTAGE_SECONDS = 20


def households_with_key(stack: Stack, key: str) -> int:
    client: MongoClient[dict[str, object]] = MongoClient(stack.database.uri, serverSelectionTimeoutMS=5000)
    try:
        return client[f"{DB_PREFIX}registry"]["households"].count_documents({"idempotency_key": {"$regex": f"{key}$"}})
    finally:
        client.close()


def test_a_database_outage_answers_503_and_loses_nothing(stack: Stack) -> None:
    audited: list[str] = []  # correlation ids of audited requests (writes), during the outage too
    keys: list[str] = []
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        before = new_household(client, unique_key())
        assert before.status_code == 201, before.text

        stack.database.stop()
        stopped_at = time.monotonic()
        wait_until(lambda: all(stack.readyz(name) != 200 for name in SERVICES), 15, "the services not ready")
        assert stack.gateway_readyz() == 503
        while time.monotonic() - stopped_at < OUTAGE_SECONDS:
            key, correlation_id = unique_key(), f"faults-{uuid.uuid4().hex}"
            response = new_household(client, key, correlation_id)
            check_outage_answer(response)
            keys.append(key)
            audited.append(correlation_id)
            check_outage_answer(list_households(client))
        stack.database.start()
        stack.wait_ready()

        for key in keys:  # nothing was half-written: each retry creates its household once
            assert households_with_key(stack, key) == 0, key
            retried = new_household(client, key)
            assert retried.status_code == 201, retried.text
            again = new_household(client, key)
            assert again.status_code in (200, 201) and again.json()["id"] == retried.json()["id"]
            assert households_with_key(stack, key) == 1, key
        assert list_households(client).status_code == 200

    assert len(audited) >= 3
    wait_until(
        lambda: count_audit_entries(stack.database.uri, DB_PREFIX, audited) == len(audited),
        120,
        f"the {len(audited)} audit entries written during the outage",
        every=2,
    )
