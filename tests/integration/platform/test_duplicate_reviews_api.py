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
    assert held["possible_duplicates_outside_area"] == 0

    # The queue of a commune that ran many tests can hold more than a page: ask for this household's reviews.
    mine = {"limit": 200, "household_id": held["id"]}
    listed = await gateway.get("/v1/duplicate-reviews", params=mine, headers=auth("coordinator.1601"))
    assert listed.status_code == 200, listed.text
    (review,) = [r for r in listed.json() if r["held"].get("household_id") == held["id"]]
    assert review["existing"]["household_id"] == first.json()["id"]
    # another commune never sees it: not in its queue, and its household answers as if unknown
    elsewhere = await gateway.get("/v1/duplicate-reviews", params={"limit": 200}, headers=auth("worker.1602"))
    assert all(r["id"] != review["id"] for r in elsewhere.json())
    asked = await gateway.get("/v1/duplicate-reviews", params=mine, headers=auth("worker.1602"))
    assert asked.status_code == 404 and asked.json()["code"] == "not_found", asked.text

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


async def test_a_case_across_wilayas_is_decided_nationally_and_each_side_follows_its_own(
    gateway: httpx.AsyncClient,
) -> None:
    """The issue's case: Alger registers a widow, Oran registers her again with the same national id."""
    given = _rng.choice([n for n in GIVEN_NAMES if n.sex == "F" and n.latin[0] != GIVEN.latin[0]])
    family = _rng.choice([n for n in FAMILY_NAMES if n.latin[0] != FAMILY.latin[0]])
    widow = person_household("/DZ/16/1601", given.latin[0], family.latin[0], given.arabic, family.arabic)
    widow["members"][0] |= {
        "national_id": "2" + "".join(str(uuid.uuid4().int)[:17]),
        "birth_date": (date(1940, 1, 1) + timedelta(days=_rng.randrange(365 * 20))).isoformat(),
        "phone": f"0662{_rng.randrange(1_000_000):06d}",
    }
    alger = await gateway.post("/v1/households", json=widow, headers=auth("worker.1601", **idem()))
    assert alger.status_code == 201, alger.text
    alger_id = alger.json()["id"]
    again = {**widow, "area": "/DZ/31/3101", "address": "Cité Seddikia, bloc 4"}
    oran = await gateway.post("/v1/households", json=again, headers=auth("worker.3101", **idem()))
    assert oran.status_code == 201, oran.text
    oran_id = oran.json()["id"]
    assert oran.json()["status"] == "held_for_review"
    assert oran.json()["possible_duplicates"] == [] and oran.json()["possible_duplicates_outside_area"] == 1

    def no_alger_data(response: httpx.Response) -> None:
        for secret in (alger_id, "Haouch Bouchaoui", "/DZ/16"):
            assert secret not in response.text, (secret, response.text)

    def no_oran_data(response: httpx.Response) -> None:
        for secret in (oran_id, "Seddikia", "/DZ/31"):
            assert secret not in response.text, (secret, response.text)

    mine = await gateway.get("/v1/duplicate-reviews", params={"household_id": oran_id}, headers=auth("worker.3101"))
    assert mine.status_code == 200, mine.text
    (review,) = mine.json()
    assert review["held"]["household_id"] == oran_id and review["existing"] == {"outside_area": True}
    no_alger_data(mine)
    review_id = review["id"]
    assert alger_id not in review_id and oran_id not in review_id
    # the wilaya's queue (a queue that ran many tests holds more than a page: ask for this household's)
    queue = await gateway.get("/v1/duplicate-reviews", params={"household_id": oran_id}, headers=auth("director.31"))
    assert queue.status_code == 200 and review_id in {r["id"] for r in queue.json()}
    no_alger_data(queue)
    theirs = await gateway.get(f"/v1/duplicate-reviews/{review_id}", headers=auth("director.16"))
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["existing"]["household_id"] == alger_id and theirs.json()["held"] == {"outside_area": True}
    no_oran_data(theirs)
    elsewhere = await gateway.get(f"/v1/duplicate-reviews/{review_id}", headers=auth("worker.1602"))
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "not_found"
    nationally = await gateway.get(f"/v1/duplicate-reviews/{review_id}", headers=auth("auditor.demo"))
    assert {nationally.json()["held"]["household_id"], nationally.json()["existing"]["household_id"]} == {
        oran_id,
        alger_id,
    }
    prying = await gateway.get("/v1/duplicate-reviews", params={"household_id": alger_id}, headers=auth("worker.3101"))
    assert prying.status_code == 404 and prying.json()["code"] == "not_found"

    path = f"/v1/duplicate-reviews/{review_id}/decision"
    for director, no_other_data in (("director.31", no_alger_data), ("director.16", no_oran_data)):
        refused = await gateway.post(path, json={"decision": "same"}, headers=auth(director))
        assert refused.status_code == 403 and refused.json()["code"] == "cross_area_review", refused.text
        assert refused.json()["details"]["message_fr"] and refused.json()["details"]["message_ar"]
        no_other_data(refused)
    still = await gateway.get(f"/v1/duplicate-reviews/{review_id}", headers=auth("worker.3101"))
    assert still.json()["status"] == "pending"  # a refused decision changes nothing

    decided = await gateway.post(path, json={"decision": "same"}, headers=auth("national.officer"))
    assert decided.status_code == 200, decided.text
    assert decided.json()["household"]["id"] == alger_id
    assert decided.json()["review"]["held"]["household_id"] == oran_id

    for user in ("worker.3101", "director.31"):
        own = await gateway.get(f"/v1/households/{oran_id}", headers=auth(user))
        assert own.status_code == 200, own.text
        assert (own.json()["id"], own.json()["status"]) == (oran_id, "merged")
        no_alger_data(own)
        followed = await gateway.get("/v1/duplicate-reviews", params={"household_id": oran_id}, headers=auth(user))
        assert [(r["id"], r["status"]) for r in followed.json()] == [(review_id, "same")]
        assert followed.json()[0]["existing"] == {"outside_area": True}
        no_alger_data(followed)
    survivor = await gateway.get(
        "/v1/duplicate-reviews", params={"household_id": alger_id}, headers=auth("worker.1601")
    )
    assert [(r["id"], r["status"]) for r in survivor.json()] == [(review_id, "same")]
    no_oran_data(survivor)
    redirected = await gateway.get(f"/v1/households/{oran_id}", headers=auth("national.officer"))
    assert redirected.json()["id"] == alger_id and redirected.json()["redirected_from"] == oran_id


async def test_a_case_across_communes_is_decided_by_the_wilaya(gateway: httpx.AsyncClient) -> None:
    """Commune 1601 and commune 1602 of Alger: cell staff see their commune's side only."""
    given = _rng.choice([n for n in GIVEN_NAMES if n.sex == "M"])
    family = _rng.choice(FAMILY_NAMES)
    man = person_household("/DZ/16/1601", given.latin[0], family.latin[0], given.arabic, family.arabic)
    man["members"][0] |= {
        "sex": "M",
        "national_id": "3" + "".join(str(uuid.uuid4().int)[:17]),
        "birth_date": (date(1945, 1, 1) + timedelta(days=_rng.randrange(365 * 20))).isoformat(),
        "phone": f"0663{_rng.randrange(1_000_000):06d}",
    }
    first = await gateway.post("/v1/households", json=man, headers=auth("worker.1601", **idem()))
    assert first.status_code == 201, first.text
    again = {**man, "area": "/DZ/16/1602", "address": "Rue des Frères Bouadou, 9"}
    second = await gateway.post("/v1/households", json=again, headers=auth("worker.1602", **idem()))
    assert second.status_code == 201 and second.json()["status"] == "held_for_review", second.text
    assert second.json()["possible_duplicates"] == [] and second.json()["possible_duplicates_outside_area"] == 1
    first_id, second_id = first.json()["id"], second.json()["id"]

    neighbour = await gateway.get(
        "/v1/duplicate-reviews", params={"household_id": second_id}, headers=auth("worker.1602")
    )
    (review,) = neighbour.json()
    assert review["existing"] == {"outside_area": True} and first_id not in neighbour.text
    cell = await gateway.get(f"/v1/duplicate-reviews/{review['id']}", headers=auth("coordinator.1601"))
    assert cell.json()["held"] == {"outside_area": True} and second_id not in cell.text

    path = f"/v1/duplicate-reviews/{review['id']}/decision"
    refused = await gateway.post(path, json={"decision": "different"}, headers=auth("coordinator.1601"))
    assert refused.status_code == 403 and refused.json()["code"] == "cross_area_review", refused.text
    assert second_id not in refused.text and "1602" not in refused.text
    elsewhere = await gateway.post(path, json={"decision": "different"}, headers=auth("director.31"))
    assert elsewhere.status_code == 404  # neither household is in Oran
    released = await gateway.post(path, json={"decision": "different"}, headers=auth("agent.16"))
    assert released.status_code == 200, released.text
    assert released.json()["household"]["id"] == second_id and released.json()["household"]["status"] == "active"
    assert released.json()["review"]["existing"]["household_id"] == first_id  # the wilaya reads both sides
