"""Aid requests end to end through the running gateway, with real Keycloak tokens.

A programme of its own per run (national officer), a household in commune 1601, then
the request from reception to closure by the demo users of their roles, its decision
letter, payment and reconciliation, urgent aid, and the answers for the wrong user.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from pypdf import PdfReader

from tests.integration.platform.conftest import auth, idem
from tests.integration.strangers import stranger_household

AREA = "/DZ/16/1601"
YEAR = str(datetime.now(UTC).year)
MONTH = datetime.now(UTC).strftime("%Y-%m")


def unique_household() -> dict[str, Any]:
    """Nobody registered before resembles this person: no duplicate review, no related grant."""
    return stranger_household(AREA)


async def a_programme(gateway: httpx.AsyncClient) -> str:
    code = f"e2e-{uuid.uuid4().hex[:10]}"
    officer = auth("national.officer")
    created = await gateway.post(
        "/v1/programmes",
        json={
            "code": code,
            "name_fr": "Allocation de bout en bout",
            "name_ar": "منحة تجريبية",
            "benefit_type": "cash",
            "need": "income_support",
            "period_kind": "yearly",
            "formula": {"base_dzd": 15000},
        },
        headers=officer,
    )
    assert created.status_code == 201, created.text
    rule = {"id": "one_member", "kind": "members_between", "label_fr": "Un membre", "label_ar": "فرد", "min_members": 1}
    rules = await gateway.post(
        f"/v1/programmes/{code}/rules",
        json={"version": 1, "activated_at": datetime.now(UTC).isoformat(), "criteria": [rule]},
        headers=officer,
    )
    assert rules.status_code == 201, rules.text
    for programme in (code, "urgent-aid"):
        budget = await gateway.put(
            f"/v1/programmes/{programme}/budgets/{YEAR}/DZ", json={"allocated_dzd": 1_000_000_000}, headers=officer
        )
        assert budget.status_code == 200, budget.text
    return code


async def step(gateway: httpx.AsyncClient, request_id: str, name: str, user: str, body: Any = None) -> httpx.Response:
    return await gateway.post(f"/v1/aid-requests/{request_id}/{name}", json=body, headers=auth(user, **idem()))


async def test_aid_request_from_reception_to_closure(gateway: httpx.AsyncClient) -> None:
    code = await a_programme(gateway)
    registered = await gateway.post("/v1/households", json=unique_household(), headers=auth("worker.1601", **idem()))
    assert registered.status_code == 201, registered.text
    household = registered.json()["id"]

    body = {
        "household_id": household,
        "area": AREA,
        "programme": code,
        "channel": "walk_in",
        "reason": "Veuve sans revenu",
    }
    key = idem()
    created = await gateway.post("/v1/aid-requests", json=body, headers=auth("worker.1601", **key))
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    again = await gateway.post("/v1/aid-requests", json=body, headers=auth("worker.1601", **key))
    assert again.status_code == 201 and again.json()["id"] == request_id
    elsewhere = await gateway.post("/v1/aid-requests", json=body, headers=auth("worker.3101", **idem()))
    assert elsewhere.status_code == 403  # a write for an area outside yours
    for outsider in ("director.31", "worker.1602"):
        assert (await gateway.get(f"/v1/aid-requests/{request_id}", headers=auth(outsider))).status_code == 404

    assert (await step(gateway, request_id, "approval", "coordinator.1601", {"motive": "Trop tôt"})).status_code == 409
    diagnosed = await step(gateway, request_id, "diagnosis", "worker.1601", {"notes": "Visite à domicile faite"})
    assert diagnosed.status_code == 200, diagnosed.text
    checked = await step(gateway, request_id, "eligibility-check", "worker.1601")
    assert checked.status_code == 200 and checked.json()["eligibility"]["amount_dzd"] == 15000, checked.text
    proposal = {
        "decision": "grant",
        "motive": "Éligible",
        "period": YEAR,
        "payment_point": {"kind": "ccp", "ref": "0098765432 10"},
    }
    proposed = await step(gateway, request_id, "proposal", "worker.1601", proposal)
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["proposal"]["payment_point"]["ref"].endswith("3210")
    assert "0098765432" not in proposed.text

    refused = await step(gateway, request_id, "approval", "worker.1601", {"motive": "Par moi-même"})
    assert refused.status_code == 403
    approved = await step(gateway, request_id, "approval", "coordinator.1601", {"motive": "Dossier complet"})
    assert approved.status_code == 200, approved.text
    twice = await step(gateway, request_id, "approval", "director.16", {"motive": "Encore"})
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"
    assert "schedule_payment" in twice.json()["details"]["allowed"]

    for lang, fragment in (("fr", "Allocation de bout en bout"), ("ar", "تجريبية")):
        letter = await gateway.get(
            f"/v1/aid-requests/{request_id}/letter", params={"lang": lang}, headers=auth("worker.1601")
        )
        assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
        assert fragment in PdfReader(io.BytesIO(letter.content)).pages[0].extract_text()

    built = await gateway.post("/v1/payment-lists", json={"period": MONTH, "area": "/DZ/16"}, headers=auth("agent.16"))
    assert built.status_code == 200, built.text
    (listed,) = [lst for lst in built.json()["lists"] if any(p["request_id"] == request_id for p in lst["payments"])]
    (payment,) = [p for p in listed["payments"] if p["request_id"] == request_id]
    assert (
        await gateway.post(f"/v1/payment-lists/{listed['id']}/sending", headers=auth("agent.16"))
    ).status_code == 200
    paid_at = datetime.now(UTC).isoformat()
    csv = f"reference,status,paid_at\n{payment['reference']},paid,{paid_at}\nnot-a-reference,failed,\n"
    broken = csv + "x" * 200_000 + ",paid,\n"
    refused = await gateway.post(
        "/v1/payment-reconciliations",
        content=broken.encode(),
        headers=auth("agent.16", **idem(), **{"Content-Type": "text/csv"}),
    )
    assert refused.status_code == 422 and refused.json()["details"]["reason"] == "malformed_csv", refused.text
    reconciled = await gateway.post(
        "/v1/payment-reconciliations",
        content=csv.encode(),
        headers=auth("agent.16", **idem(), **{"Content-Type": "text/csv"}),
    )
    assert reconciled.status_code == 200, reconciled.text
    assert reconciled.json()["paid"] == 1 and reconciled.json()["unknown_references"] == ["not-a-reference"]

    visit = {
        "visited_on": datetime.now(UTC).date().isoformat(),
        "situation": "improved",
        "notes": "Situation meilleure",
    }
    assert (await step(gateway, request_id, "follow-up-visit", "worker.1601", visit)).status_code == 200
    closed = await step(gateway, request_id, "closure", "worker.1601", {"motive": "Suivi terminé"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    listed_closed = await gateway.get(
        "/v1/aid-requests", params={"state": "closed", "programme": code}, headers=auth("director.16")
    )
    assert [r["id"] for r in listed_closed.json()["items"]] == [request_id]


async def test_urgent_aid_by_the_cell_coordinator(gateway: httpx.AsyncClient) -> None:
    await a_programme(gateway)
    registered = await gateway.post("/v1/households", json=unique_household(), headers=auth("worker.1601", **idem()))
    assert registered.status_code == 201, registered.text
    grant = {
        "household_id": registered.json()["id"],
        "area": AREA,
        "amount_dzd": 25000,
        "reason": "Inondation du logement",
        "motive": "Famille sinistrée",
        "payment_point": {"kind": "post_office", "ref": "16001"},
    }
    assert (await gateway.post("/v1/urgent-aid", json=grant, headers=auth("worker.1601", **idem()))).status_code == 403
    capped = await gateway.post(
        "/v1/urgent-aid", json={**grant, "amount_dzd": 30001}, headers=auth("coordinator.1601", **idem())
    )
    assert capped.status_code == 403
    granted = await gateway.post("/v1/urgent-aid", json=grant, headers=auth("coordinator.1601", **idem()))
    assert granted.status_code == 201, granted.text
    urgent = granted.json()
    assert urgent["state"] == "approved" and urgent["urgent"] is True
    assert urgent["regularisation"]["status"] == "awaiting_diagnosis"

    request_id = urgent["id"]
    assert (await step(gateway, request_id, "diagnosis", "worker.1601", {"notes": "Constat fait"})).status_code == 200
    own = await step(
        gateway, request_id, "regularisation", "coordinator.1601", {"decision": "confirm", "motive": "Dossier vu"}
    )
    assert own.status_code == 403  # the granter does not regularise its own grant
    confirmed = await step(
        gateway, request_id, "regularisation", "director.16", {"decision": "confirm", "motive": "Aide justifiée"}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["regularisation"]["status"] == "confirmed"
