"""Emergency mode end to end: a director declares a disaster (veille), assistance opens the urgent-aid fast track.

Through the real gateway, Keycloak, broker and database: the ``emergency_declared`` event
leaves veille's outbox and reaches assistance, after which the cell coordinator of the
declared commune grants urgent aid above the usual 30,000 DZD cap, within the
emergency's; in Oran, outside the emergency, the same amount is refused as before.
The director then ends it (``emergency_ended``) and the usual cap holds again at once.
The emergency lasts two minutes at most, and is ended in a finalizer if the test stops
early: the shared platform's other tests expect the usual cap in this commune.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth, idem
from tests.integration.strangers import stranger_household

COMMUNE = "/DZ/16/1601"
ORAN = "/DZ/31/3101"
YEAR = str(datetime.now(UTC).year)
DELIVERY_SECONDS = 30.0


async def registered(gateway: httpx.AsyncClient, area: str, worker: str) -> str:
    made = await gateway.post("/v1/households", json=stranger_household(area), headers=auth(worker, **idem()))
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def grant(household_id: str, area: str, amount_dzd: int) -> dict[str, Any]:
    return {
        "household_id": household_id,
        "area": area,
        "amount_dzd": amount_dzd,
        "reason": "Logement inondé",
        "motive": "Sinistre déclaré",
        "payment_point": {"kind": "post_office", "ref": "16001"},
    }


async def granted_once_delivered(gateway: httpx.AsyncClient, body: dict[str, Any], user: str) -> httpx.Response:
    """Grant under one key, again while the declaration is on its way (a refusal writes nothing)."""
    headers = auth(user, **idem())
    deadline = asyncio.get_running_loop().time() + DELIVERY_SECONDS
    while True:
        answer = await gateway.post("/v1/urgent-aid", json=body, headers=headers)
        if answer.status_code != 403 or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.5)


@pytest.fixture
async def declared_ids(gateway: httpx.AsyncClient) -> AsyncIterator[list[str]]:
    """The emergencies a test declares, ended when it is over (already ended: 409, fine)."""
    kept: list[str] = []
    yield kept
    for emergency_id in kept:
        ended = await gateway.post(f"/v1/emergencies/{emergency_id}/end", headers=auth("national.officer", **idem()))
        assert ended.status_code in (200, 409), ended.text


async def refused_once_delivered(gateway: httpx.AsyncClient, body: dict[str, Any], user: str) -> httpx.Response:
    """A grant the emergency's allowance refuses (409, nothing written) until its end arrives, then the cap's 403."""
    deadline = asyncio.get_running_loop().time() + DELIVERY_SECONDS
    while True:
        answer = await gateway.post("/v1/urgent-aid", json=body, headers=auth(user, **idem()))
        if answer.status_code != 409 or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.5)


async def test_a_declared_emergency_opens_the_fast_track_in_its_area_only(
    gateway: httpx.AsyncClient, declared_ids: list[str]
) -> None:
    budget = await gateway.put(
        f"/v1/programmes/urgent-aid/budgets/{YEAR}/DZ", json={"allocated_dzd": 1_000_000_000},
        headers=auth("national.officer"),
    )  # fmt: skip
    assert budget.status_code == 200, budget.text
    inside = await registered(gateway, COMMUNE, "worker.1601")
    outside = await registered(gateway, ORAN, "worker.3101")
    cap = 100_000 + int(time.time()) % 800_000  # above any cap an earlier run's emergency may still open here
    amount = cap
    declared = {
        "title_fr": "Inondations (test de la voie rapide)", "title_ar": "فيضانات (اختبار المسار السريع)",
        "areas": [COMMUNE], "ends_at": (datetime.now(UTC) + timedelta(minutes=2)).isoformat(),
        "caps": {"cap_dzd": cap, "grants_per_household": 1},
    }  # fmt: skip
    made = await gateway.post("/v1/emergencies", json=declared, headers=auth("director.16", **idem()))
    assert made.status_code == 201, made.text
    declared_ids.append(made.json()["id"])

    fast = await granted_once_delivered(gateway, grant(inside, COMMUNE, amount), "coordinator.1601")
    assert fast.status_code == 201, fast.text
    assert fast.json()["emergency"] == {"id": made.json()["id"], "campaign_id": None}
    assert fast.json()["decision"]["amount_dzd"] == amount

    above = await gateway.post(
        "/v1/urgent-aid",
        json=grant(inside, COMMUNE, cap + 1),
        headers=auth("coordinator.1601", **idem()),
    )
    assert above.status_code == 403  # the emergency's cap holds
    again = await gateway.post(
        "/v1/urgent-aid", json={**grant(inside, COMMUNE, 1_000), "reason": "Seconde aide"},
        headers=auth("coordinator.1601", **idem()),
    )  # fmt: skip
    assert again.status_code == 409 and again.json()["details"]["reason"] == "double_aid"  # one grant allowed

    oran = await gateway.post(
        "/v1/urgent-aid", json=grant(outside, ORAN, amount), headers=auth("director.31", **idem())
    )
    assert oran.status_code == 403, oran.text
    assert "emergency" not in oran.text
    out_of_area = await gateway.post(
        "/v1/urgent-aid", json=grant(outside, ORAN, amount), headers=auth("coordinator.1601", **idem())
    )
    assert out_of_area.status_code == 403

    ended = await gateway.post(f"/v1/emergencies/{made.json()['id']}/end", headers=auth("director.16", **idem()))
    assert ended.status_code == 200 and not ended.json()["active"], ended.text
    closed = await refused_once_delivered(gateway, grant(inside, COMMUNE, amount), "coordinator.1601")
    assert closed.status_code == 403, closed.text  # the usual cap (or a lower one still running here)
    late = await registered(gateway, COMMUNE, "worker.1601")
    after = await gateway.post(
        "/v1/urgent-aid", json=grant(late, COMMUNE, amount), headers=auth("coordinator.1601", **idem())
    )
    assert after.status_code == 403, after.text
