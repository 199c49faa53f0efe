"""A service whose container dies comes back by itself: the process re-executes.

nameko kills a service's container when it cannot publish a reply (the broker went away
while a worker ran). The old process then stayed alive but served nothing. Here a
request is held in the registry (its database is stopped, so the worker waits for it)
while the broker stops: its reply cannot be published.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.integration.faults.answers import list_households, new_household, unique_key
from tests.integration.faults.conftest import Stack

pytestmark = pytest.mark.timeout(600)


def test_a_dead_container_is_restarted_by_its_own_process(stack: Stack) -> None:
    registry = stack.services["registry"]
    assert registry.popen is not None
    pid = registry.popen.pid
    log_start = len(registry.log.read_bytes())
    answers: list[int] = []

    def held_request() -> None:
        with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
            answers.append(list_households(client).status_code)

    stack.database.stop()
    request = threading.Thread(target=held_request)
    request.start()
    time.sleep(1)  # the registry's worker now waits for the database
    stack.broker.stop()
    request.join(60)
    assert answers == [503]
    stack.database.start()
    stack.broker.start()
    stack.wait_ready(timeout=120)

    log = registry.log.read_bytes()[log_start:].decode(errors="replace")
    assert "service container died" in log and "service restarting" in log, log[-3000:]
    assert registry.alive and registry.popen.pid == pid  # re-executed in place, same process
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as client:
        assert list_households(client).status_code == 200
        assert new_household(client, unique_key()).status_code == 201
