"""Every demo user against households of several communes and wilayas, over the real stack."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth, household, idem

# commune -> the social worker who registers a household there
REGISTRARS = {"/DZ/16/1601": "worker.1601", "/DZ/16/1602": "worker.1602", "/DZ/31/3101": "worker.3101"}

# user -> communes whose households it may read (all others: 404, or 403 for its role)
VISIBLE: dict[str, set[str]] = {
    "national.officer": set(REGISTRARS),
    "director.16": {"/DZ/16/1601", "/DZ/16/1602"},
    "agent.16": {"/DZ/16/1601", "/DZ/16/1602"},
    "director.31": {"/DZ/31/3101"},
    "worker.1601": {"/DZ/16/1601"},
    "coordinator.1601": {"/DZ/16/1601"},
    "worker.1602": {"/DZ/16/1602"},
    "worker.3101": {"/DZ/31/3101"},
    "auditor.demo": set(REGISTRARS),
}
NO_HOUSEHOLD_ACCESS = {"donor.demo"}


@pytest.fixture(scope="module")
def households() -> dict[str, str]:
    """One household registered in each commune, by that commune's worker."""

    async def register() -> dict[str, str]:
        from tests.integration.platform.conftest import GATEWAY_URL

        async with httpx.AsyncClient(base_url=GATEWAY_URL, timeout=20) as client:
            ids = {}
            for area, user in REGISTRARS.items():
                response = await client.post("/v1/households", json=household(area), headers=auth(user, **idem()))
                assert response.status_code == 201, response.text
                ids[area] = response.json()["id"]
            return ids

    return asyncio.run(register())


READ_CASES = [(user, area) for user in [*VISIBLE, *NO_HOUSEHOLD_ACCESS] for area in REGISTRARS]


@pytest.mark.parametrize(("user", "area"), READ_CASES)
async def test_read_household(gateway: httpx.AsyncClient, households: dict[str, str], user: str, area: str) -> None:
    response = await gateway.get(f"/v1/households/{households[area]}", headers=auth(user))
    expected = 403 if user in NO_HOUSEHOLD_ACCESS else 200 if area in VISIBLE[user] else 404
    assert response.status_code == expected, (user, area, response.text)
    if expected == 404:
        assert response.json()["code"] == "not_found"  # same answer as a household that never existed


@pytest.mark.parametrize("user", [*VISIBLE, *NO_HOUSEHOLD_ACCESS])
async def test_register_household_in_1601(gateway: httpx.AsyncClient, user: str) -> None:
    response = await gateway.post("/v1/households", json=household("/DZ/16/1601"), headers=auth(user, **idem()))
    if user in NO_HOUSEHOLD_ACCESS or user == "auditor.demo":
        expected = 403  # donors have no access; auditors never write
    else:
        expected = 201 if "/DZ/16/1601" in VISIBLE[user] else 403
    assert response.status_code == expected, (user, response.text)


async def test_unknown_household_is_the_same_404(gateway: httpx.AsyncClient) -> None:
    for bad_id in ("000000000000000000000000", "not-an-id"):
        response = await gateway.get(f"/v1/households/{bad_id}", headers=auth("national.officer"))
        assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_same_idempotency_key_registers_once(gateway: httpx.AsyncClient) -> None:
    headers = auth("worker.1602", **idem())
    first, second = await asyncio.gather(
        gateway.post("/v1/households", json=household("/DZ/16/1602"), headers=headers),
        gateway.post("/v1/households", json=household("/DZ/16/1602"), headers=headers),
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]


async def test_bad_input_is_rejected_with_field_errors(gateway: httpx.AsyncClient) -> None:
    body: dict[str, Any] = household("/DZ/16/1601")
    body["members"][0]["sex"] = "X"
    body["status"] = "approved"
    response = await gateway.post("/v1/households", json=body, headers=auth("worker.1601", **idem()))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["details"]["errors"]}
    assert {"body.members.0.sex", "body.status"} <= fields


async def test_forged_and_missing_tokens_are_401(gateway: httpx.AsyncClient) -> None:
    token = auth("worker.1601")["Authorization"]
    head, payload, signature = token.removeprefix("Bearer ").split(".")
    tampered = f"Bearer {head}.{payload[:-4]}AAAA.{signature}"
    for headers in ({}, {"Authorization": "Bearer garbage"}, {"Authorization": tampered}):
        response = await gateway.get("/v1/reports/households/count", headers=headers)
        assert response.status_code == 401 and "Bearer" in response.headers["www-authenticate"]


@pytest.mark.parametrize("user", [*VISIBLE, *NO_HOUSEHOLD_ACCESS])
async def test_list_households(gateway: httpx.AsyncClient, households: dict[str, str], user: str) -> None:
    seen: set[str] = set()
    areas_seen: set[str] = set()
    cursor: str | None = None
    for _ in range(100):
        params = {"limit": 200, **({"after": cursor} if cursor else {})}
        response = await gateway.get("/v1/households", params=params, headers=auth(user))
        if user in NO_HOUSEHOLD_ACCESS:
            assert response.status_code == 403
            return
        assert response.status_code == 200, response.text
        page = response.json()
        seen |= {item["id"] for item in page["items"]}
        areas_seen |= {item["area"] for item in page["items"]}
        if not (cursor := page["next_cursor"]):
            break
    assert {households[a] for a in VISIBLE[user]} <= seen
    assert not ({households[a] for a in REGISTRARS} - {households[a] for a in VISIBLE[user]}) & seen
    assert all(any(a == v or a.startswith(v + "/") for v in VISIBLE[user]) for a in areas_seen)


@pytest.mark.parametrize("user", [*VISIBLE, *NO_HOUSEHOLD_ACCESS])
async def test_update_household_of_1601(gateway: httpx.AsyncClient, households: dict[str, str], user: str) -> None:
    address = f"Nouvelle adresse, mise à jour par {user}"
    response = await gateway.patch(
        f"/v1/households/{households['/DZ/16/1601']}", json={"address": address}, headers=auth(user)
    )
    if user in NO_HOUSEHOLD_ACCESS or user == "auditor.demo":
        expected = 403
    else:
        expected = 200 if "/DZ/16/1601" in VISIBLE[user] else 404
    assert response.status_code == expected, (user, response.text)
    if expected == 200:
        assert response.json()["address"] == address


async def test_update_cannot_move_a_household(gateway: httpx.AsyncClient, households: dict[str, str]) -> None:
    response = await gateway.patch(
        f"/v1/households/{households['/DZ/16/1601']}",
        json={"address": "x y z", "area": "/DZ/31/3101"},
        headers=auth("worker.1601"),
    )
    assert response.status_code == 422


async def test_reads_are_in_the_audit_trail(gateway: httpx.AsyncClient, households: dict[str, str]) -> None:
    target = households["/DZ/16/1602"]
    correlation = f"audit-e2e-{target}"
    read = await gateway.get(
        f"/v1/households/{target}", headers=auth("worker.1602", **{"X-Correlation-ID": correlation})
    )
    assert read.status_code == 200
    for _ in range(50):
        found = await gateway.get(
            "/v1/audit/entries", params={"object_id": target, "action": "household.read"}, headers=auth("auditor.demo")
        )
        assert found.status_code == 200, found.text
        mine = [e for e in found.json() if e["correlation_id"] == correlation]
        if mine:
            break
        await asyncio.sleep(0.2)
    assert mine and mine[0]["outcome"] == "success" and mine[0]["area"] == "/DZ/16/1602"
    assert len(mine[0]["hash"]) == 64
    denied = await gateway.get("/v1/audit/entries", headers=auth("national.officer"))
    assert denied.status_code == 403
