"""Scoring end to end: the gateway, real Keycloak tokens, the registry and its recompute job."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth, household, idem
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER

AREA = "/DZ/16/1601"


def answers(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(HOMELESS_ELDER)
    data["assessed_at"] = data["assessed_at"].isoformat()
    for key, value in changes.items():
        dimension, name = key.split("__")
        data[dimension][name] = value
    return data


@pytest.fixture
async def household_id(gateway: httpx.AsyncClient) -> str:
    response = await gateway.post("/v1/households", json=household(AREA), headers=auth("worker.1601", **idem()))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def started_recompute(gateway: httpx.AsyncClient) -> httpx.Response:
    """Start a recompute as the national officer, waiting out one already running (409)."""
    deadline = time.monotonic() + 60
    while True:
        response = await gateway.post("/v1/scoring/recomputations", headers=auth("national.officer"))
        if response.status_code != 409 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.5)


async def test_assess_then_read_the_explained_score(gateway: httpx.AsyncClient, household_id: str) -> None:
    headers = auth("worker.1601", **idem())
    response = await gateway.put(f"/v1/households/{household_id}/assessment", json=answers(), headers=headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["household_id"] == household_id
    assert (result["score"]["model_version"], result["score"]["band"]) == ("v1", "extreme")
    assert sum(d["contribution"] for d in result["explanation"]) == pytest.approx(result["score"]["score"])

    repeated = await gateway.put(f"/v1/households/{household_id}/assessment", json=answers(), headers=headers)
    assert repeated.status_code == 200 and repeated.json() == result  # same key: acts once, same answer
    reused = await gateway.put(
        f"/v1/households/{household_id}/assessment", json=answers(housing__condition="degraded"), headers=headers
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"  # other answers

    read = await gateway.get(f"/v1/households/{household_id}", headers=auth("worker.1601"))
    assert read.json()["score"] == result["score"]
    explained = await gateway.get(f"/v1/households/{household_id}/score", headers=auth("director.16"))
    assert explained.status_code == 200, explained.text
    body = explained.json()
    assert body["dimensions"] == result["explanation"] and body["matches_stored"] is True
    assert body["score"] == result["score"]["score"] and body["model_version"] == "v1"


async def test_other_commune_gets_404_and_bad_answers_get_422(gateway: httpx.AsyncClient, household_id: str) -> None:
    path = f"/v1/households/{household_id}"
    assessed = await gateway.put(f"{path}/assessment", json=answers(), headers=auth("worker.1601", **idem()))
    assert assessed.status_code == 200, assessed.text
    for response in (
        await gateway.get(f"{path}/score", headers=auth("worker.1602")),
        await gateway.put(f"{path}/assessment", json=answers(), headers=auth("worker.1602", **idem())),
        await gateway.get("/v1/households/000000000000000000000000/score", headers=auth("worker.1601")),
    ):
        assert response.status_code == 404 and response.json()["code"] == "not_found", response.text

    bad = await gateway.put(
        f"{path}/assessment", json=answers(family__household_size=0), headers=auth("worker.1601", **idem())
    )
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed", bad.text
    unkeyed = await gateway.put(f"{path}/assessment", json=answers(), headers=auth("worker.1601"))
    assert unkeyed.status_code == 422, unkeyed.text
    auditor = await gateway.put(f"{path}/assessment", json=answers(), headers=auth("auditor.demo", **idem()))
    assert auditor.status_code == 403, auditor.text


async def test_unassessed_household_has_no_score(gateway: httpx.AsyncClient, household_id: str) -> None:
    response = await gateway.get(f"/v1/households/{household_id}/score", headers=auth("worker.1601"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_models_are_listed(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/v1/scoring/models", headers=auth("auditor.demo"))
    assert response.status_code == 200, response.text
    models = {m["version"]: m for m in response.json()}
    assert models["v1"]["active"] and models["v2"]["draft"] and not models["v2"]["active"]
    assert models["v1"]["bands"][0] == {"name": "low", "from": 0, "to": 25}
    donor = await gateway.get("/v1/scoring/models", headers=auth("donor.demo"))
    assert donor.status_code == 403


@pytest.mark.parametrize("user", ["director.16", "worker.1601", "auditor.demo"])
async def test_only_the_national_officer_recomputes(gateway: httpx.AsyncClient, user: str) -> None:
    response = await gateway.post("/v1/scoring/recomputations", headers=auth(user))
    assert response.status_code == 403 and response.json()["code"] == "forbidden", response.text


async def test_recompute_job_runs_to_success(gateway: httpx.AsyncClient, household_id: str) -> None:
    assessed = await gateway.put(
        f"/v1/households/{household_id}/assessment", json=answers(), headers=auth("worker.1601", **idem())
    )
    assert assessed.status_code == 200, assessed.text
    response = await started_recompute(gateway)
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["area"], job["status"]) == ("score_recompute", "/DZ", "running")
    assert job["params"] == {"model_version": "v1"}

    deadline = time.monotonic() + 120
    while job["status"] == "running" and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        polled = await gateway.get(f"/v1/jobs/{job['id']}", headers=auth("national.officer"))
        assert polled.status_code == 200, polled.text
        job = polled.json()
    assert job["status"] == "succeeded", job
    assert job["result"]["model_version"] == "v1" and job["result"]["seen"] >= 1
    assert job["progress"]["done"] >= 1 and job["progress"]["total"] >= job["progress"]["done"]
    hidden = await gateway.get(f"/v1/jobs/{job['id']}", headers=auth("director.16"))
    assert hidden.status_code == 404  # a national job is outside a wilaya's area
