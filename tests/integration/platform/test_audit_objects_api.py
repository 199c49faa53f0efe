"""Through the real gateway, Keycloak and audit service: entries name their object and the actor's username."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.integration.platform.conftest import auth, household, idem


async def entry_of(gateway: httpx.AsyncClient, correlation: str, **filters: str) -> dict[str, Any]:
    """The audit entry of the request sent with ``correlation``, as an auditor finds it."""
    for _ in range(100):
        found = await gateway.get("/v1/audit/entries", params=filters, headers=auth("auditor.demo"))
        assert found.status_code == 200, found.text
        mine = [e for e in found.json() if e["correlation_id"] == correlation]
        if mine:
            assert len(mine) == 1
            return mine[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"no audit entry for {filters}")


def traced(user: str, **extra: str) -> tuple[str, dict[str, str]]:
    correlation = f"audit-obj-{uuid.uuid4().hex}"
    return correlation, auth(user, **{"X-Correlation-ID": correlation}, **extra)


async def test_a_creation_records_the_created_id_and_username(gateway: httpx.AsyncClient) -> None:
    correlation, headers = traced("worker.1601", **idem())
    created = await gateway.post("/v1/households", json=household("/DZ/16/1601"), headers=headers)
    assert created.status_code == 201, created.text
    entry = await entry_of(gateway, correlation, object_id=created.json()["id"])
    assert (entry["action"], entry["username"], entry["outcome"]) == ("household.register", "worker.1601", "success")


async def test_a_budget_read_records_programme_period_and_area(gateway: httpx.AsyncClient) -> None:
    correlation, headers = traced("director.16")
    response = await gateway.get("/v1/programmes/afs/budgets/2031-01/DZ/16", headers=headers)
    assert response.status_code in (200, 404), response.text
    entry = await entry_of(gateway, correlation, object_id="afs/2031-01/DZ/16")
    assert (entry["action"], entry["object_type"], entry["username"]) == ("budget.read", "budget", "director.16")


async def test_a_cell_route_records_its_commune(gateway: httpx.AsyncClient) -> None:
    correlation, headers = traced("worker.1601")
    response = await gateway.get("/v1/cells/1601/overdue-visits", headers=headers)
    assert response.status_code in (200, 403), response.text
    entry = await entry_of(gateway, correlation, object_id="1601", action="casework.overdue")
    assert (entry["object_type"], entry["username"], entry["status"]) == ("cell", "worker.1601", response.status_code)


async def test_a_refused_review_decision_records_the_review(gateway: httpx.AsyncClient) -> None:
    review_id = uuid.uuid4().hex[:24]
    correlation, headers = traced("worker.1601")
    response = await gateway.post(
        f"/v1/duplicate-reviews/{review_id}/decision", json={"decision": "same"}, headers=headers
    )
    assert response.status_code in (403, 404), response.text
    entry = await entry_of(gateway, correlation, object_id=review_id)
    assert (entry["action"], entry["username"]) == ("review.decide", "worker.1601")
    assert entry["outcome"] in ("denied", "not_found")
