"""Solidarity end to end through the running gateway, with real Keycloak tokens.

Campaigns in Alger (16) and Oran (31), walk-in donors and their gifts recorded by each
commune's worker, and the two demo donors' own gifts; then every demo user against every
object: a read, the lists and counts filtered by campaign, and the writes that answer with
a record. What a user may not see answers 404 exactly like an id that does not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth, idem

MISSING = "000000000000000000000000"
USERS = {
    "national.officer": "/DZ",
    "director.16": "/DZ/16",
    "director.31": "/DZ/31",
    "agent.16": "/DZ/16",
    "worker.1601": "/DZ/16/1601",
    "worker.3101": "/DZ/31/3101",
    "coordinator.1601": "/DZ/16/1601",
    "auditor.demo": "/DZ",
    "donor.demo": "/DZ",
    "donor2.demo": "/DZ",
}
DONORS = ("donor.demo", "donor2.demo")


def day(offset: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=1, days=offset)).date().isoformat()  # Algeria's day


def ok(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201)), (response.request.url, response.text)
    return response.json()


async def open_campaign(gateway: httpx.AsyncClient, director: str, area: str) -> dict[str, Any]:
    body = {
        "kind": "winter",
        "name_fr": f"Hiver {uuid.uuid4().hex[:6]}",
        "name_ar": "شتاء تضامني",
        "area": area,
        "starts_on": day(-1),
        "ends_on": day(60),
        "goals": {"amount": {"amount": "100000", "currency": "DZD"}, "items": {"blanket": 50}},
    }
    draft = ok(await gateway.post("/v1/campaigns", json=body, headers=auth(director, **idem())), 201)
    assert draft["state"] == "draft"
    path = f"/v1/campaigns/{draft['id']}/state"
    return ok(await gateway.post(path, json={"to": "open"}, headers=auth(director, **idem())))  # type: ignore[no-any-return]


async def own_donor(gateway: httpx.AsyncClient, user: str, area: str) -> dict[str, Any]:
    """The demo donor's own record (registered by the first run; later runs meet ``donor_exists``)."""
    body = {"kind": "person", "name": f"Donateur {user}", "area": area, "anonymous_public": True}
    registered = await gateway.post("/v1/donors", json=body, headers=auth(user, **idem()))
    if registered.status_code == 409:
        assert registered.json()["details"]["code"] == "donor_exists"
    else:
        ok(registered, 201)
    return ok(await gateway.get("/v1/donors/me", headers=auth(user)))  # type: ignore[no-any-return]


@dataclass
class World:
    campaigns: dict[str, dict[str, Any]]
    donors: dict[str, dict[str, Any]]
    gifts: dict[str, dict[str, Any]]


@pytest.fixture
async def world(gateway: httpx.AsyncClient) -> World:
    c16 = await open_campaign(gateway, "director.16", "/DZ/16")
    c31 = await open_campaign(gateway, "director.31", "/DZ/31")
    donors, gifts = {}, {}
    for worker, commune, campaign in (("worker.1601", "/DZ/16/1601", c16), ("worker.3101", "/DZ/31/3101", c31)):
        body = {"kind": "person", "name": f"Passant {uuid.uuid4().hex[:6]}", "area": commune}
        donor = ok(await gateway.post("/v1/donors", json=body, headers=auth(worker, **idem())), 201)
        gift = {
            "donor_id": donor["id"],
            "campaign_id": campaign["id"],
            "cash": {"amount": "1500", "channel": "counter"},
        }
        donors[worker] = donor
        gifts[worker] = ok(await gateway.post("/v1/gifts", json=gift, headers=auth(worker, **idem())), 201)
    for user, area, campaign, channel in (("donor.demo", "/DZ/16", c16, "card"), ("donor2.demo", "/DZ/31", c31, "ccp")):
        donors[user] = await own_donor(gateway, user, area)
        cash = {"amount": "500", "channel": channel, "reference": f"TX-{uuid.uuid4().hex[:8]}"}
        body = {"campaign_id": campaign["id"], "cash": cash}
        gifts[user] = ok(await gateway.post("/v1/gifts", json=body, headers=auth(user, **idem())), 201)
        assert gifts[user]["donor_id"] == donors[user]["id"] and gifts[user]["area"] == area
    return World({"16": c16, "31": c31}, donors, gifts)


def sees_gift(user: str, owner: str, gift: dict[str, Any]) -> bool:
    if user in DONORS:
        return user == owner
    area = USERS[user]
    return gift["area"] == area or gift["area"].startswith(area + "/")


def sees_donor(user: str, owner: str, donor: dict[str, Any]) -> bool:
    return sees_gift(user, owner, donor)


def sees_campaign(user: str, campaign: dict[str, Any]) -> bool:
    area = USERS[user]
    return area == "/DZ" or campaign["area"].startswith(area) or area.startswith(campaign["area"])


async def same_as_missing(
    gateway: httpx.AsyncClient, user: str, method: str, path: str, real_id: str, **kw: Any
) -> None:
    """``path`` (naming ``real_id``, in the path or the query) answers 404 exactly as for an id that does not exist."""
    seen = await gateway.request(method, path, headers=auth(user, **idem()), **kw)
    params = {k: MISSING if v == real_id else v for k, v in (kw.pop("params", None) or {}).items()}
    missing_path = path.replace(real_id, MISSING)
    missing = await gateway.request(method, missing_path, headers=auth(user, **idem()), params=params, **kw)
    assert seen.status_code == missing.status_code == 404, (user, path, seen.text)
    strip = {"correlation_id"}
    assert {k: v for k, v in seen.json().items() if k not in strip} == {
        k: v for k, v in missing.json().items() if k not in strip
    }


async def test_every_role_and_area_sees_only_its_own_gifts_donors_and_campaigns(
    gateway: httpx.AsyncClient, world: World
) -> None:
    for user in USERS:
        for owner, gift in world.gifts.items():
            path = f"/v1/gifts/{gift['id']}"
            if sees_gift(user, owner, gift):
                assert ok(await gateway.get(path, headers=auth(user)))["id"] == gift["id"]
            else:
                await same_as_missing(gateway, user, "GET", path, gift["id"])
        for owner, donor in world.donors.items():
            path = f"/v1/donors/{donor['id']}"
            if sees_donor(user, owner, donor):
                assert ok(await gateway.get(path, headers=auth(user)))["id"] == donor["id"]
            else:
                await same_as_missing(gateway, user, "GET", path, donor["id"])
        for campaign in world.campaigns.values():
            path = f"/v1/campaigns/{campaign['id']}"
            listed = [c["id"] for c in ok(await gateway.get("/v1/campaigns", headers=auth(user)))]
            if sees_campaign(user, campaign):
                assert ok(await gateway.get(path, headers=auth(user)))["id"] == campaign["id"]
                assert campaign["id"] in listed
                page = ok(await gateway.get("/v1/gifts", params={"campaign_id": campaign["id"]}, headers=auth(user)))
                expected = {
                    g["id"] for owner, g in world.gifts.items()
                    if g["campaign_id"] == campaign["id"] and sees_gift(user, owner, g)
                }  # fmt: skip
                assert {g["id"] for g in page["items"]} == expected and page["total"] == len(expected), user
            else:
                assert campaign["id"] not in listed
                await same_as_missing(gateway, user, "GET", path, campaign["id"])
                await same_as_missing(gateway, user, "GET", f"{path}/progress", campaign["id"])
                gifts = {"campaign_id": campaign["id"]}
                await same_as_missing(gateway, user, "GET", "/v1/gifts", campaign["id"], params=gifts)
        mine = ok(await gateway.get("/v1/donors", headers=auth(user)))
        others = {d["id"] for owner, d in world.donors.items() if not sees_donor(user, owner, d)}
        assert not others & {d["id"] for d in mine["items"]}, user
        if user in DONORS:
            assert mine["total"] == 1 and mine["items"][0]["id"] == world.donors[user]["id"]


async def test_writes_outside_the_area_are_404_and_donors_cannot_cancel(
    gateway: httpx.AsyncClient, world: World
) -> None:
    gift16, c16 = world.gifts["worker.1601"], world.campaigns["16"]
    cancel, close = f"/v1/gifts/{gift16['id']}/cancellation", f"/v1/campaigns/{c16['id']}/state"
    await same_as_missing(gateway, "director.31", "POST", cancel, gift16["id"], json={"reason": "x"})
    await same_as_missing(gateway, "director.31", "POST", close, c16["id"], json={"to": "closed"})
    body = {"donor_id": world.donors["worker.1601"]["id"], "cash": {"amount": "10", "channel": "counter"}}
    refused = await gateway.post("/v1/gifts", json=body, headers=auth("worker.3101", **idem()))
    assert refused.status_code == 404, refused.text  # a donor of another commune does not exist for this worker
    stolen = {
        "donor_id": world.donors["donor.demo"]["id"],
        "cash": {"amount": "10", "channel": "card", "reference": "X-1"},
    }
    assert (await gateway.post("/v1/gifts", json=stolen, headers=auth("donor2.demo", **idem()))).status_code == 404
    cancel = await gateway.post(
        f"/v1/gifts/{world.gifts['donor.demo']['id']}/cancellation",
        json={"reason": "x"},
        headers=auth("donor.demo", **idem()),
    )
    assert cancel.status_code == 403
    own = world.donors["donor.demo"]["id"]
    consent = {"consent_channels": ["email"], "anonymous_public": True}
    mine = ok(await gateway.put(f"/v1/donors/{own}/consent", json=consent, headers=auth("donor.demo", **idem())))
    assert mine["consent_channels"] == ["email"] and mine["anonymous_public"] is True
    await same_as_missing(gateway, "donor2.demo", "PUT", f"/v1/donors/{own}/consent", own, json=consent)


async def test_progress_counts_standing_gifts_and_bad_gifts_store_nothing(
    gateway: httpx.AsyncClient, world: World
) -> None:
    c16 = world.campaigns["16"]
    progress_path = f"/v1/campaigns/{c16['id']}/progress"
    progress = ok(await gateway.get(progress_path, headers=auth("donor.demo")))
    assert progress["raised"] == {"DZD": 200000} and progress["gifts"] == 2
    assert {g["goal"]: g["percent"] for g in progress["goals"]} == {"amount": 2, "blanket": 0}

    donor = world.donors["worker.1601"]["id"]
    worker = "worker.1601"
    for cash, status, code in (
        ({"amount": "0", "channel": "counter"}, 422, "amount_not_positive"),
        ({"amount": "-3", "channel": "counter"}, 422, "amount_not_positive"),
        ({"amount": "5", "currency": "EUR", "channel": "counter"}, 422, "currency_not_accepted"),
    ):
        body = {"donor_id": donor, "campaign_id": c16["id"], "cash": cash}
        refused = await gateway.post("/v1/gifts", json=body, headers=auth(worker, **idem()))
        assert refused.status_code == status and refused.json()["details"]["code"] == code, refused.text
    unknown = {"donor_id": donor, "campaign_id": MISSING, "cash": {"amount": "5", "channel": "counter"}}
    assert (await gateway.post("/v1/gifts", json=unknown, headers=auth(worker, **idem()))).status_code == 404

    items = {
        "donor_id": donor, "campaign_id": c16["id"],
        "items": [{"item": "blanket", "quantity": 10, "unit_value": "2500", "condition": "good"}],
    }  # fmt: skip
    key = idem()
    first = ok(await gateway.post("/v1/gifts", json=items, headers=auth(worker, **key)), 201)
    assert ok(await gateway.post("/v1/gifts", json=items, headers=auth(worker, **key)), 201)["id"] == first["id"]
    progress = ok(await gateway.get(progress_path, headers=auth("director.16")))
    assert progress["gifts"] == 3 and {g["goal"]: g["percent"] for g in progress["goals"]}["blanket"] == 20

    cancelled = await gateway.post(
        f"/v1/gifts/{first['id']}/cancellation", json={"reason": "Saisie en double"}, headers=auth("agent.16", **idem())
    )
    assert ok(cancelled)["state"] == "cancelled"
    ok(
        await gateway.post(
            f"/v1/campaigns/{c16['id']}/state", json={"to": "closed"}, headers=auth("director.16", **idem())
        )
    )
    closed = {"donor_id": donor, "campaign_id": c16["id"], "cash": {"amount": "5", "channel": "counter"}}
    refused = await gateway.post("/v1/gifts", json=closed, headers=auth(worker, **idem()))
    assert refused.status_code == 409 and refused.json()["details"]["code"] == "campaign_not_open"
    progress = ok(await gateway.get(progress_path, headers=auth("auditor.demo")))
    assert progress["gifts"] == 2 and progress["raised"] == {"DZD": 200000}


async def test_pledges_by_role_and_area_and_a_statement_that_pays_one_once(
    gateway: httpx.AsyncClient, world: World
) -> None:
    donor16, donor31 = world.donors["worker.1601"], world.donors["worker.3101"]
    body = {"donor_id": donor16["id"], "total": {"amount": "900"}, "monthly": 3, "first_due": day(10)}
    pledge = ok(await gateway.post("/v1/pledges", json=body, headers=auth("worker.1601", **idem())), 201)
    assert pledge["area"] == "/DZ/16/1601" and pledge["fulfilment"] == "pending"
    mine = {"total": {"amount": "100"}, "instalments": [{"due_on": day(5), "amount": "100"}]}
    own = ok(await gateway.post("/v1/pledges", json=mine, headers=auth("donor.demo", **idem())), 201)
    assert own["donor_id"] == world.donors["donor.demo"]["id"]
    seen_by = {
        pledge["id"]: {
            "national.officer",
            "director.16",
            "agent.16",
            "worker.1601",
            "coordinator.1601",
            "auditor.demo",
        },
        own["id"]: {"national.officer", "director.16", "agent.16", "auditor.demo", "donor.demo"},
    }
    for user in USERS:
        for pledge_id, seers in seen_by.items():
            path = f"/v1/pledges/{pledge_id}"
            if user in seers:
                assert ok(await gateway.get(path, headers=auth(user)))["id"] == pledge_id
            else:
                await same_as_missing(gateway, user, "GET", path, pledge_id)
    await same_as_missing(
        gateway, "worker.3101", "POST", f"/v1/pledges/{pledge['id']}/payments", pledge["id"], json={"amount": "1"}
    )
    donor2 = ok(await gateway.get("/v1/pledges", headers=auth("donor2.demo")))
    assert own["id"] not in {p["id"] for p in donor2["items"]}

    bad = {"donor_id": donor31["id"], "total": {"amount": "300"}, "instalments": [{"due_on": day(3), "amount": "200"}]}
    refused = await gateway.post("/v1/pledges", json=bad, headers=auth("worker.3101", **idem()))
    assert refused.status_code == 422 and refused.json()["details"]["code"] == "instalments_sum_mismatch"

    today = day(0)
    csv = f"date;amount;reference;label\n{today};300,00;{pledge['reference']};Virement\n{today};7;INCONNU-9;x\n"
    headers = {"Content-Type": "text/csv"}
    first = ok(await gateway.post("/v1/statements", content=csv, headers=auth("director.16", **idem(), **headers)), 201)
    assert [m["pledge_id"] for m in first["matched_pledges"]] == [pledge["id"]]
    assert [u["reason"] for u in first["unmatched"]] == ["no_known_reference"]
    again = ok(await gateway.post("/v1/statements", content=csv, headers=auth("director.16", **idem(), **headers)), 201)
    assert not again["matched_pledges"] and sorted(again["already_imported"]) == [2]
    paid = ok(await gateway.get(f"/v1/pledges/{pledge['id']}", headers=auth("agent.16")))
    assert paid["paid"]["amount_minor"] == 30000 and paid["fulfilment"] == "partial"

    for content, media_type in ((b"%PDF-1.7\x00\x00", "text/csv"), (b'{"a": 1}', "application/json")):
        refused = await gateway.post(
            "/v1/statements", content=content, headers=auth("director.16", **idem(), **{"Content-Type": media_type})
        )
        assert refused.status_code == 422 and refused.json()["details"]["code"] == "statement_not_csv", refused.text
    for user in ("worker.1601", "auditor.demo", "donor.demo"):
        denied = await gateway.post("/v1/statements", content=csv, headers=auth(user, **idem(), **headers))
        assert denied.status_code == 403


async def test_donors_never_see_beneficiaries(gateway: httpx.AsyncClient) -> None:
    for path in ("/v1/households", "/v1/aid-requests", "/v1/cases"):
        for user in DONORS:
            assert (await gateway.get(path, headers=auth(user))).status_code == 403, (user, path)
