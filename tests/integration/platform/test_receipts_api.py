"""Receipts end to end through the running gateway, with real Keycloak tokens.

Gifts in Alger (16) and Oran (31) and the demo donor's own gift are receipted; then every demo
user against every receipt (read, PDF, the register), the writes (issue, cancel, re-issue,
annual) by role and area, and the public check (JSON; the HTML page is opened in a real browser
in test_receipt_verification_page.py). A receipt out of sight answers 404 exactly like a number
that was never issued.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth, idem
from tests.integration.platform.test_solidarity_api import DONORS, USERS, ok, open_campaign, own_donor

UNKNOWN = "/v1/receipts/DAS-16/2026/999999"
CHECK = "/v1/public/receipts/verify"


def path(number: str) -> str:
    return f"/v1/receipts/{number}"


def sees(user: str, owner: str, receipt: dict[str, Any]) -> bool:
    if user in DONORS:
        return user == owner
    area = USERS[user]
    return receipt["area"] == area or receipt["area"].startswith(area + "/")


async def same_as_unknown(gateway: httpx.AsyncClient, user: str, method: str, url: str, number: str,
                          **kw: Any) -> None:  # fmt: skip
    """``url`` (naming receipt ``number``) answers 404 exactly as for a number never issued."""
    seen = await gateway.request(method, url, headers=auth(user, **idem()), **kw)
    missing = await gateway.request(method, url.replace(path(number), UNKNOWN), headers=auth(user, **idem()), **kw)
    assert seen.status_code == missing.status_code == 404, (user, url, seen.text)
    strip = {"correlation_id"}
    assert {k: v for k, v in seen.json().items() if k not in strip} == {
        k: v for k, v in missing.json().items() if k not in strip
    }


async def walk_in_gift(gateway: httpx.AsyncClient, worker: str, commune: str, campaign: dict[str, Any],
                       shown: bool, amount: str = "2500") -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """A walk-in donor (named in public if ``shown``) and their cash gift, recorded by ``worker``."""
    body = {"kind": "person", "name": f"Karim Test {uuid.uuid4().hex[:6]}", "area": commune,
            "anonymous_public": not shown}  # fmt: skip
    donor = ok(await gateway.post("/v1/donors", json=body, headers=auth(worker, **idem())), 201)
    gift = {"donor_id": donor["id"], "campaign_id": campaign["id"], "cash": {"amount": amount, "channel": "counter"}}
    return donor, ok(await gateway.post("/v1/gifts", json=gift, headers=auth(worker, **idem())), 201)


async def anonymous_own_donor(gateway: httpx.AsyncClient, user: str, area: str) -> dict[str, Any]:
    """The donor user's own record, anonymous in public whatever an earlier test made of it (it is shared)."""
    donor = await own_donor(gateway, user, area)
    anonymous = {"consent_channels": ["email"], "anonymous_public": True}
    url = f"/v1/donors/{donor['id']}/consent"
    return ok(await gateway.put(url, json=anonymous, headers=auth(user, **idem())))


async def issue(gateway: httpx.AsyncClient, user: str, gift: dict[str, Any]) -> dict[str, Any]:
    return ok(await gateway.post(f"/v1/gifts/{gift['id']}/receipt", headers=auth(user, **idem())), 201)  # type: ignore[no-any-return]


@dataclass
class Receipts:
    donors: dict[str, dict[str, Any]]
    gifts: dict[str, dict[str, Any]]
    receipts: dict[str, dict[str, Any]]  # by owner: the worker who recorded it, or the donor user
    campaigns: dict[str, dict[str, Any]]


@pytest.fixture
async def world(gateway: httpx.AsyncClient) -> Receipts:
    c16 = await open_campaign(gateway, "director.16", "/DZ/16")
    c31 = await open_campaign(gateway, "director.31", "/DZ/31")
    donors, gifts, receipts = {}, {}, {}
    for worker, commune, campaign in (("worker.1601", "/DZ/16/1601", c16), ("worker.3101", "/DZ/31/3101", c31)):
        donors[worker], gifts[worker] = await walk_in_gift(gateway, worker, commune, campaign, shown=True)
        receipts[worker] = await issue(gateway, worker, gifts[worker])
    donors["donor.demo"] = await anonymous_own_donor(gateway, "donor.demo", "/DZ/16")
    cash = {"amount": "700", "channel": "card", "reference": f"TX-{uuid.uuid4().hex[:8]}"}
    body = {"campaign_id": c16["id"], "cash": cash}
    gifts["donor.demo"] = ok(await gateway.post("/v1/gifts", json=body, headers=auth("donor.demo", **idem())), 201)
    receipts["donor.demo"] = await issue(gateway, "agent.16", gifts["donor.demo"])
    return Receipts(donors, gifts, receipts, {"16": c16, "31": c31})


async def test_receipts_carry_gapless_numbers_of_their_directorate_and_lock_the_gift(
    gateway: httpx.AsyncClient, world: Receipts
) -> None:
    year = (datetime.now(UTC) + timedelta(hours=1)).year
    r16, r31 = world.receipts["worker.1601"], world.receipts["worker.3101"]
    assert r16["number"].startswith(f"DAS-16/{year}/") and r31["number"].startswith(f"DAS-31/{year}/")
    assert (r16["amount"], r16["currency"], r16["state"]) == ("2500.00", "DZD", "valid")
    gift = ok(await gateway.get(f"/v1/gifts/{world.gifts['worker.1601']['id']}", headers=auth("worker.1601")))
    assert (gift["state"], gift["receipt_number"]) == ("receipted", r16["number"])
    again = await gateway.post(f"/v1/gifts/{gift['id']}/receipt", headers=auth("worker.1601", **idem()))
    assert again.status_code == 409 and again.json()["details"]["code"] == "gift_already_receipted"
    register = ok(await gateway.get("/v1/receipts", params={"issuer": "DAS-16", "year": year, "limit": 500},
                                    headers=auth("director.16")))  # fmt: skip
    numbers = [line["number"] for line in register["items"]]
    assert len(numbers) == len(set(numbers)) and numbers == sorted(numbers)  # one line per number, in order
    # no gap: tests/integration/services/test_solidarity_receipt_numbers.py and make bench-solidarity (raced)


async def test_every_role_and_area_sees_only_its_receipts(gateway: httpx.AsyncClient, world: Receipts) -> None:
    for user in USERS:
        listed = {line["number"] for line in ok(await gateway.get("/v1/receipts", params={"limit": 500},
                                                                  headers=auth(user)))["items"]}  # fmt: skip
        for owner, receipt in world.receipts.items():
            number = receipt["number"]
            if sees(user, owner, receipt):
                assert ok(await gateway.get(path(number), headers=auth(user)))["number"] == number
                pdf = await gateway.get(path(number) + "/pdf", headers=auth(user))
                assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
                assert pdf.content.startswith(b"%PDF")
            else:
                assert number not in listed, (user, number)
                await same_as_unknown(gateway, user, "GET", path(number), number)
                await same_as_unknown(gateway, user, "GET", path(number) + "/pdf", number)
        if user == "donor.demo":
            assert world.receipts["donor.demo"]["number"] in listed


async def test_writes_by_role_and_area(gateway: httpx.AsyncClient, world: Receipts) -> None:
    gift16 = world.gifts["worker.1601"]
    _, fresh = await walk_in_gift(gateway, "worker.1601", "/DZ/16/1601", world.campaigns["16"], shown=True)
    outside = await gateway.post(f"/v1/gifts/{fresh['id']}/receipt", headers=auth("worker.3101", **idem()))
    assert outside.status_code == 404
    by_donor = await gateway.post(f"/v1/gifts/{fresh['id']}/receipt", headers=auth("donor.demo", **idem()))
    assert by_donor.status_code == 403
    by_auditor = await gateway.post(f"/v1/gifts/{fresh['id']}/receipt", headers=auth("auditor.demo", **idem()))
    assert by_auditor.status_code == 403
    number = world.receipts["worker.1601"]["number"]
    reason = {"reason": "montant saisi par erreur"}
    await same_as_unknown(gateway, "director.31", "POST", path(number) + "/cancel", number, json=reason)
    by_worker = await gateway.post(path(number) + "/cancel", json=reason, headers=auth("worker.1601", **idem()))
    assert by_worker.status_code == 403
    assert gift16["id"]  # the gift stays receipted; its receipt is re-issued below


async def test_cancel_and_reissue_keep_the_number_void_with_its_reason(
    gateway: httpx.AsyncClient, world: Receipts
) -> None:
    old = world.receipts["worker.1601"]["number"]
    key = idem()
    reason = {"reason": "nom du donateur mal orthographié"}
    new = ok(await gateway.post(path(old) + "/reissue", json=reason, headers=auth("agent.16", **key)), 201)
    replay = ok(await gateway.post(path(old) + "/reissue", json=reason, headers=auth("agent.16", **key)), 201)
    assert replay["number"] == new["number"] != old and new["replaces"] == old
    void = ok(await gateway.get(path(old), headers=auth("director.16")))
    assert (void["state"], void["reason"]) == ("cancelled", "nom du donateur mal orthographié")
    twice = await gateway.post(path(old) + "/cancel", json=reason, headers=auth("agent.16", **idem()))
    assert twice.status_code == 409 and twice.json()["details"]["code"] == "receipt_already_cancelled"
    lines = ok(await gateway.get("/v1/receipts", params={"issuer": "DAS-16", "after": _before(old), "limit": 1},
                                 headers=auth("director.16")))["items"]  # fmt: skip
    assert lines[0]["number"] == old and lines[0]["state"] == "cancelled" and lines[0]["replaced_by"] == new["number"]
    cancelled = ok(await gateway.post(path(new["number"]) + "/cancel", json={"reason": "don annulé"},
                                      headers=auth("director.16", **idem())))  # fmt: skip
    assert cancelled["state"] == "cancelled"
    check = await gateway.get(CHECK, params={"number": new["number"], "code": new["verification_code"]})
    assert check.status_code == 200 and check.json()["state"] == "cancelled"


def _before(number: str) -> str:
    issuer, year, sequence = number.split("/")
    return f"{issuer}/{year}/{int(sequence) - 1:06d}"


async def test_a_receipt_for_a_cancelled_gift_is_refused_and_takes_no_number(
    gateway: httpx.AsyncClient, world: Receipts
) -> None:
    _, gift = await walk_in_gift(gateway, "worker.1601", "/DZ/16/1601", world.campaigns["16"], shown=True)
    ok(await gateway.post(f"/v1/gifts/{gift['id']}/cancellation", json={"reason": "saisi deux fois"},
                          headers=auth("agent.16", **idem())))  # fmt: skip
    refused = await gateway.post(f"/v1/gifts/{gift['id']}/receipt", headers=auth("agent.16", **idem()))
    assert refused.status_code == 409 and refused.json()["details"]["code"] == "gift_not_standing"


async def test_one_valid_annual_receipt_per_donor_and_year(gateway: httpx.AsyncClient, world: Receipts) -> None:
    donor, _ = await walk_in_gift(gateway, "worker.1601", "/DZ/16/1601", world.campaigns["16"], shown=True)
    year = (datetime.now(UTC) + timedelta(hours=1)).year
    body = {"donor_id": donor["id"], "year": year}
    annual = ok(await gateway.post("/v1/receipts/annual", json=body, headers=auth("agent.16", **idem())), 201)
    assert (annual["kind"], annual["year"], annual["amount"]) == ("annual", year, "2500.00")
    twice = await gateway.post("/v1/receipts/annual", json=body, headers=auth("agent.16", **idem()))
    assert twice.status_code == 409 and twice.json()["details"]["code"] == "annual_receipt_exists"
    elsewhere = await gateway.post("/v1/receipts/annual", json=body, headers=auth("director.31", **idem()))
    assert elsewhere.status_code == 404


async def test_the_public_check_says_little_and_names_only_who_allowed_it(
    gateway: httpx.AsyncClient, world: Receipts
) -> None:
    named, anonymous = world.receipts["worker.3101"], world.receipts["donor.demo"]
    shown = ok(await gateway.get(CHECK, params={"number": named["number"], "code": named["verification_code"]}))
    assert shown == {"found": True, "state": "valid", "number": named["number"], "issued_on": named["issued_on"],
                     "issuer": "DAS-31", "amount": "2500.00", "amount_minor": 250000, "currency": "DZD",
                     "donor": world.donors["worker.3101"]["name"]}  # fmt: skip
    hidden = ok(
        await gateway.get(CHECK, params={"number": anonymous["number"], "code": anonymous["verification_code"]})
    )
    assert hidden["found"] and hidden["donor"] is None
    wrong = await gateway.get(CHECK, params={"number": named["number"], "code": anonymous["verification_code"]})
    unknown = await gateway.get(CHECK, params={"number": "DAS-31/2026/999999", "code": named["verification_code"]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json() == {"found": False}


async def test_a_refunded_gift_voids_its_current_receipt_after_a_reissue(
    gateway: httpx.AsyncClient, world: Receipts
) -> None:
    _, gift = await walk_in_gift(gateway, "worker.1601", "/DZ/16/1601", world.campaigns["16"], shown=True)
    first = await issue(gateway, "agent.16", gift)
    second = ok(await gateway.post(path(first["number"]) + "/reissue", json={"reason": "nom mal orthographié"},
                                   headers=auth("agent.16", **idem())), 201)  # fmt: skip
    named = ok(await gateway.get(f"/v1/gifts/{gift['id']}", headers=auth("worker.1601")))
    assert named["receipt_number"] == second["number"]  # the gift names its current receipt
    refund = await gateway.post(f"/v1/gifts/{gift['id']}/refund", json={"reason": "chèque rejeté"},
                                headers=auth("director.31", **idem()))  # fmt: skip
    assert refund.status_code == 404
    ok(await gateway.post(f"/v1/gifts/{gift['id']}/refund", json={"reason": "chèque rejeté"},
                          headers=auth("agent.16", **idem())))  # fmt: skip
    void = ok(await gateway.get(path(second["number"]), headers=auth("director.16")))
    assert (void["state"], void["reason"]) == ("cancelled", "don remboursé : chèque rejeté")
    check = await gateway.get(CHECK, params={"number": second["number"], "code": second["verification_code"]})
    assert check.status_code == 200 and check.json()["state"] == "cancelled"
