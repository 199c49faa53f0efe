"""Duplicates through the gateway: held on registration, reviewed by someone else, merged, scanned."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from registry.dedup.names_dz import FAMILY_NAMES, GIVEN_NAMES
from tests.integration.platform.conftest import auth, idem

# A person of this run only (the registry keeps the households of earlier runs): names
# with two Latin spellings, a birth date and a phone drawn at random.
_rng = random.Random(uuid.uuid4().int)
GIVEN = _rng.choice([n for n in GIVEN_NAMES if n.sex == "F" and len(n.latin) > 1])
FAMILY = _rng.choice([n for n in FAMILY_NAMES if len(n.latin) > 1])
BORN = (date(1930, 1, 1) + timedelta(days=_rng.randrange(365 * 30))).isoformat()
PHONE = f"0661{_rng.randrange(1_000_000):06d}"


def person_household(area: str, given_lat: str, family_lat: str, given_ar: str, family_ar: str) -> dict[str, Any]:
    """One elderly person living alone, with the same phone and birth date whatever the script."""
    return {
        "area": area,
        "address": "Haouch Bouchaoui, lot 7",
        "members": [
            {
                "given_name_lat": given_lat,
                "family_name_lat": family_lat,
                "given_name_ar": given_ar,
                "family_name_ar": family_ar,
                "sex": "F",
                "birth_date": BORN,
                "relationship": "head",
                "phone": PHONE,
            }
        ],
    }


async def wait_for_job(gateway: httpx.AsyncClient, job_id: str, user: str) -> dict[str, Any]:
    for _ in range(300):
        response = await gateway.get(f"/v1/jobs/{job_id}", headers=auth(user))
        assert response.status_code == 200, response.text
        if (job := response.json())["status"] != "running":
            return job
        await asyncio.sleep(0.2)
    raise AssertionError("the job did not end in 60 s")


async def test_held_reviewed_by_another_and_merged(gateway: httpx.AsyncClient) -> None:
    area = "/DZ/16/1601"
    first = await gateway.post(
        "/v1/households",
        json=person_household(area, GIVEN.latin[0], FAMILY.latin[0], GIVEN.arabic, FAMILY.arabic),
        headers=auth("worker.1601", **idem()),
    )
    assert first.status_code == 201 and first.json()["status"] == "active", first.text
    second = await gateway.post(
        "/v1/households",
        json=person_household(area, GIVEN.latin[1], FAMILY.latin[1], GIVEN.arabic, FAMILY.arabic),
        headers=auth("worker.1601", **idem()),
    )
    assert second.status_code == 201, second.text
    held = second.json()
    assert held["status"] == "held_for_review" and held["possible_duplicates"] == [first.json()["id"]]

    listed = await gateway.get("/v1/duplicate-reviews", params={"limit": 200}, headers=auth("coordinator.1601"))
    assert listed.status_code == 200, listed.text
    (review,) = [r for r in listed.json() if r["held"] == held["id"]]
    elsewhere = await gateway.get("/v1/duplicate-reviews", params={"limit": 200}, headers=auth("worker.1602"))
    assert all(r["id"] != review["id"] for r in elsewhere.json())  # another commune never sees it

    path = f"/v1/duplicate-reviews/{review['id']}/decision"
    assert (await gateway.post(path, json={"decision": "same"}, headers=auth("worker.1601"))).status_code == 403
    unknown = await gateway.post(path, json={"decision": "same"}, headers=auth("director.31"))
    assert unknown.status_code == 404  # outside its wilaya: as if it did not exist
    bad = await gateway.post(path, json={"decision": "maybe"}, headers=auth("coordinator.1601"))
    assert bad.status_code == 422

    decided = await gateway.post(path, json={"decision": "same"}, headers=auth("coordinator.1601"))
    assert decided.status_code == 200, decided.text
    assert decided.json()["household"]["id"] == first.json()["id"]
    redirected = await gateway.get(f"/v1/households/{held['id']}", headers=auth("worker.1601"))
    assert redirected.json()["id"] == first.json()["id"] and redirected.json()["redirected_from"] == held["id"]
    again = await gateway.post(path, json={"decision": "different"}, headers=auth("coordinator.1601"))
    assert again.status_code == 409 and again.json()["code"] == "conflict"


async def test_scan_is_a_job_for_directors_of_the_area(gateway: httpx.AsyncClient) -> None:
    refused = await gateway.post("/v1/duplicate-reviews/scans", json={"area": "/DZ/16"}, headers=auth("director.31"))
    assert refused.status_code == 403
    worker = await gateway.post("/v1/duplicate-reviews/scans", json={"area": "/DZ/16"}, headers=auth("worker.1601"))
    assert worker.status_code == 403

    started = await gateway.post("/v1/duplicate-reviews/scans", json={"area": "/DZ/16"}, headers=auth("director.16"))
    if started.status_code == 409:  # a scan of the same area is running: wait for it, then scan
        await wait_for_job(gateway, started.json()["details"]["job_id"], "national.officer")
        started = await gateway.post(
            "/v1/duplicate-reviews/scans", json={"area": "/DZ/16"}, headers=auth("director.16")
        )
    assert started.status_code == 202, started.text
    job = await wait_for_job(gateway, started.json()["id"], "director.16")
    assert job["status"] == "succeeded" and job["result"]["wilayas_done"] == 1, job
    hidden = await gateway.get(f"/v1/jobs/{job['id']}", headers=auth("director.31"))
    assert hidden.status_code == 404
