"""Programmes, rules versions, budgets and eligibility end to end: the gateway, real Keycloak tokens, the services."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.integration.platform.conftest import auth, household, idem
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER

AREA = "/DZ/16/1601"
CRITERIA = [{"kind": "assessed", "id": "assessed", "label_fr": "Enquête sociale réalisée", "label_ar": "تحقيق منجز"}]


def elder() -> dict[str, Any]:
    """An elderly widow, named afresh each time so that duplicate detection does not hold her for review."""
    data = household(AREA, family=f"Meziane-{uuid.uuid4().hex[:6]}")
    data["members"] = [
        {
            **data["members"][0],
            "sex": "F",
            "given_name_lat": "Zohra",
            "birth_year": 1947,
            "categories": [{"category": "elderly", "valid_from": "2015-01-01"}],
        }
    ]
    return data


async def assessed_elder(gateway: httpx.AsyncClient) -> str:
    created = await gateway.post("/v1/households", json=elder(), headers=auth("worker.1601", **idem()))
    assert created.status_code == 201, created.text
    household_id = str(created.json()["id"])
    answers = {**HOMELESS_ELDER, "assessed_at": HOMELESS_ELDER["assessed_at"].isoformat()}
    assessed = await gateway.put(
        f"/v1/households/{household_id}/assessment", json=answers, headers=auth("worker.1601", **idem())
    )
    assert assessed.status_code == 200, assessed.text
    return household_id


async def test_reference_catalogue_and_versions(gateway: httpx.AsyncClient) -> None:
    afs = await gateway.get("/v1/programmes/afs", headers=auth("worker.1601"))
    assert afs.status_code == 200, afs.text
    body = afs.json()
    assert (body["need"], body["period_kind"], body["rules_in_force"]) == ("income_support", "monthly", 1)
    assert body["formula"]["base_dzd"] == 3000
    listed = await gateway.get("/v1/programmes", headers=auth("worker.3101"))
    assert {"afs", "disability-allowance", "ramadan-basket", "leaving-care"} <= {p["code"] for p in listed.json()}
    missing = await gateway.get("/v1/programmes/no-such-programme", headers=auth("worker.1601"))
    assert missing.status_code == 404

    code = f"e2e-{uuid.uuid4().hex[:8]}"
    programme = {
        "code": code,
        "name_fr": "Aide d'essai",
        "name_ar": "إعانة تجريبية",
        "benefit_type": "cash",
        "area": "/DZ/16",
        "need": "urgent",
        "period_kind": "monthly",
        "formula": {"base_dzd": 2000},
    }
    created = await gateway.post("/v1/programmes", json=programme, headers=auth("national.officer"))
    assert created.status_code == 201, created.text
    assert created.json()["rules_in_force"] is None
    rules = {"version": 1, "activated_at": datetime.now(UTC).isoformat(), "criteria": CRITERIA}
    path = f"/v1/programmes/{code}/rules"
    assert (await gateway.post(path, json=rules, headers=auth("director.16"))).status_code == 403
    published = await gateway.post(path, json=rules, headers=auth("national.officer"))
    assert published.status_code == 201, published.text
    assert published.json()["rules_in_force"] == 1
    assert published.json()["rules_versions"][0]["published_by"]
    again = await gateway.post(path, json=rules, headers=auth("national.officer"))
    assert again.status_code == 201 and again.json()["rules_versions"] == published.json()["rules_versions"]
    edited = {**rules, "criteria": [{**CRITERIA[0], "label_fr": "Autre libellé"}]}
    conflict = await gateway.post(path, json=edited, headers=auth("national.officer"))
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "conflict"
    bad = await gateway.post(
        path, json={**rules, "version": 2, "criteria": [{"kind": "vibes"}]}, headers=auth("national.officer")
    )
    assert bad.status_code == 422
    hidden = await gateway.get(f"/v1/programmes/{code}", headers=auth("worker.3101"))
    assert hidden.status_code == 404


async def test_budgets_by_area_and_period(gateway: httpx.AsyncClient) -> None:
    path = "/v1/programmes/afs/budgets/2026-03/DZ/16"
    amount = 1_000_000 + uuid.uuid4().int % 1000
    response = await gateway.put(path, json={"allocated_dzd": amount}, headers=auth("director.16"))
    assert response.status_code == 200, response.text
    budget = response.json()
    assert budget["allocated_dzd"] == amount
    assert budget["remaining_dzd"] == amount - budget["committed_dzd"] - budget["spent_dzd"]
    read = await gateway.get(path, headers=auth("agent.16"))
    assert read.status_code == 200 and read.json()["allocated_dzd"] == amount

    assert (await gateway.put(path, json={"allocated_dzd": 1}, headers=auth("director.31"))).status_code == 403
    assert (await gateway.put(path, json={"allocated_dzd": 1}, headers=auth("worker.1601"))).status_code == 403
    assert (await gateway.get(path, headers=auth("worker.3101"))).status_code == 404
    assert (await gateway.get(path, headers=auth("worker.1601"))).status_code == 404  # the wilaya's envelope
    unset = await gateway.get("/v1/programmes/afs/budgets/2031-01/DZ/16", headers=auth("director.16"))
    assert unset.status_code == 404
    for wrong_path, body in [
        ("/v1/programmes/afs/budgets/2026/DZ/16", {"allocated_dzd": 5}),  # a monthly programme
        ("/v1/programmes/afs/budgets/2026-13/DZ/16", {"allocated_dzd": 5}),
        (path, {"allocated_dzd": -5}),
        (path, {"allocated_dzd": "5"}),
        ("/v1/programmes/afs/budgets/2026-03/XX/16", {"allocated_dzd": 5}),
    ]:
        refused = await gateway.put(wrong_path, json=body, headers=auth("director.16"))
        assert refused.status_code == 422, (wrong_path, body, refused.text)


async def test_eligibility_of_one_household_and_of_a_commune(gateway: httpx.AsyncClient) -> None:
    household_id = await assessed_elder(gateway)
    checked = await gateway.get(f"/v1/programmes/afs/eligibility/{household_id}", headers=auth("worker.1601"))
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert result["eligible"] is True, result
    assert result["amount_dzd"] == 3000
    assert all(c["passed"] and c["reason_fr"] and c["reason_ar"] for c in result["criteria"])
    refused = await gateway.get(
        f"/v1/programmes/disability-allowance/eligibility/{household_id}", headers=auth("worker.1601")
    )
    assert refused.json()["eligible"] is False
    elsewhere = await gateway.get(f"/v1/programmes/afs/eligibility/{household_id}", headers=auth("worker.3101"))
    assert elsewhere.status_code == 404

    runs = "/v1/programmes/afs/eligibility-runs"
    assert (await gateway.post(runs, json={"area": AREA}, headers=auth("worker.1601"))).status_code == 403
    assert (await gateway.post(runs, json={"area": "/DZ/31"}, headers=auth("agent.16"))).status_code == 403
    assert (await gateway.post(runs, json={"area": "Alger"}, headers=auth("agent.16"))).status_code == 422
    started = await gateway.post(runs, json={"area": AREA}, headers=auth("agent.16"))
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    deadline = time.monotonic() + 120
    while (run := (await gateway.get(f"/v1/eligibility-runs/{run_id}", headers=auth("agent.16"))).json())[
        "status"
    ] == "running":
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.5)
    assert run["status"] == "succeeded", run
    assert run["result"]["eligible"] >= 1
    assert run["result"]["households"] == run["result"]["eligible"] + run["result"]["not_eligible"]
    found: list[str] = []
    chunk: int | None = 0
    while chunk is not None:
        page = await gateway.get(
            f"/v1/eligibility-runs/{run_id}/households", params={"chunk": chunk}, headers=auth("agent.16")
        )
        assert page.status_code == 200, page.text
        found += page.json()["household_ids"]
        chunk = page.json()["next_chunk"]
    assert household_id in found
    assert len(found) == run["result"]["eligible"]
    assert (await gateway.get(f"/v1/eligibility-runs/{run_id}", headers=auth("worker.3101"))).status_code == 404
