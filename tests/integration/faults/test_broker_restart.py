"""The broker restarts during traffic: the platform answers 503 meanwhile and recovers by
itself, and the audit entries of the requests it answered meanwhile are all stored."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.integration.audit_trail import count_audit_entries
from tests.integration.faults.answers import (
    Traffic,
    check_outage_answer,
    list_households,
    new_household,
    unique_key,
)
from tests.integration.faults.conftest import DB_PREFIX, SERVICES, Stack
from tests.integration.faults.stack import wait_until

# Starting the private stack (a broker, a database, three processes) takes most of it.
pytestmark = pytest.mark.timeout(600)


def test_the_platform_recovers_by_itself_from_a_broker_restart(stack: Stack) -> None:
    pids = {name: process.popen.pid for name, process in stack.services.items() if process.popen}
    seen_not_ready: set[str] = set()
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client, Traffic(stack.gateway_url) as traffic:
        assert list_households(client).status_code == 200
        time.sleep(1)
        stack.broker.stop()
        down_since = time.monotonic()
        while time.monotonic() - down_since < 4:  # the outage, as the probes see it
            if stack.gateway_readyz() != 200:
                seen_not_ready.add("gateway")
            seen_not_ready.update(name for name in SERVICES if stack.readyz(name) != 200)
            time.sleep(0.5)
        stack.broker.start()
        wait_until(lambda: stack.gateway_readyz() == 200, 120, "the gateway and the services ready again")
        recovered_at = time.monotonic()
        time.sleep(2)  # some traffic after the recovery too

    statuses = traffic.statuses()
    assert 0 not in statuses and 500 not in statuses, statuses
    assert set(statuses) <= {200, 503}, statuses
    outage = [response for _, response in traffic.answers if response is not None and response.status_code == 503]
    assert outage, f"no request met the outage: {statuses}"
    for response in outage:
        check_outage_answer(response)
    assert any(r is not None and r.status_code == 200 and t > recovered_at for t, r in traffic.answers)
    assert seen_not_ready == {"gateway", *SERVICES}, seen_not_ready

    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        assert list_households(client).status_code == 200
        created = new_household(client, unique_key())
        assert created.status_code == 201, created.text
    for name, process in stack.services.items():  # the same processes: they recovered on their own
        assert process.alive and process.popen is not None and process.popen.pid == pids[name], name

    # No audit entry is lost to the outage: the gateway spooled those it could not publish
    # (every 503 of the outage among them) and republished them once the broker was back.
    audited = traffic.answered
    wait_until(
        lambda: count_audit_entries(stack.database.uri, DB_PREFIX, audited) == len(audited),
        60,
        f"the {len(audited)} audit entries of the traffic's requests stored",
    )
    wait_until(lambda: spooled_entries(stack) == 0, 30, "the gateway's audit spool empty")


def spooled_entries(stack: Stack) -> float:
    metrics = httpx.get(f"{stack.gateway_url}/metrics", timeout=10).text
    found = re.search(r"^gateway_audit_spooled_entries (\S+)$", metrics, re.MULTILINE)
    assert found, "the gateway exports gateway_audit_spooled_entries"
    return float(found.group(1))
