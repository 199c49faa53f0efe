"""Referrals and case work through the running gateway, with the realm's own tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth, idem

COMMUNE = "/DZ/16/1601"


def single_elder(area: str) -> dict[str, Any]:
    """An elderly man living alone, with names of his own (no duplicate review holds him)."""
    tag = uuid.uuid4().hex[:8]
    head = {"given_name_lat": f"Rabah{tag}", "family_name_lat": f"Essai{tag}", "sex": "M", "birth_year": 1941}
    spouse = {"given_name_lat": f"Zoubida{tag}", "family_name_lat": f"Essai{tag}", "sex": "F", "birth_year": 1944}
    return {
        "area": area,
        "address": "Rue Larbi Ben M'hidi",
        "members": [{**head, "relationship": "head"}, {**spouse, "relationship": "spouse"}],
    }


def home(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "type": "elderly_home",
        "name_fr": "Foyer d'essai pour personnes âgées",
        "name_ar": "دار تجريبية للأشخاص المسنين",
        "area": "/DZ/16",
        "capacity": 1,
        "admission_criteria": "65 ans ou plus, sans soutien familial",
        "contact": {"address": "Adresse d'essai, Alger", "phone": "021 23 45 67"},
    }


def day(offset: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=1, days=offset)).date().isoformat()  # Algeria's day


@pytest.fixture
async def household_id(gateway: httpx.AsyncClient) -> str:
    created = await gateway.post("/v1/households", json=single_elder(COMMUNE), headers=auth("worker.1601", **idem()))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_referral_lifecycle_through_the_gateway(gateway: httpx.AsyncClient, household_id: str) -> None:
    code = f"it-{uuid.uuid4().hex[:10]}"
    made = await gateway.post("/v1/institutions", json=home(code), headers=auth("director.16"))
    assert made.status_code == 201, made.text
    assert (await gateway.post("/v1/institutions", json=home(code), headers=auth("worker.1601"))).status_code == 403
    assert (await gateway.get(f"/v1/institutions/{code}", headers=auth("director.31"))).status_code == 404
    listed = await gateway.get("/v1/institutions", params={"type": "elderly_home"}, headers=auth("worker.1601"))
    assert listed.status_code == 200 and code in {i["code"] for i in listed.json()}
    assert "fpa-16-dely-ibrahim" in {i["code"] for i in listed.json()}  # the shipped reference list

    async def propose(member: int) -> dict[str, Any]:
        body = {"person_key": f"{household_id}:{member}", "institution": code, "reason": "Isolement, sans revenu"}
        response = await gateway.post("/v1/referrals", json=body, headers=auth("worker.1601", **idem()))
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def step(referral_id: str, name: str, user: str, body: dict[str, Any], key: str | None = None) -> Any:
        headers = auth(user, **{"Idempotency-Key": key or uuid.uuid4().hex})
        return await gateway.post(f"/v1/referrals/{referral_id}/{name}", json=body, headers=headers)

    first, second = await propose(0), await propose(1)
    assert (await step(first["id"], "accept", "worker.1601", {})).status_code == 403  # not the institution's side
    assert (await step(first["id"], "accept", "director.31", {})).status_code == 404  # another wilaya
    assert (await gateway.get(f"/v1/referrals/{first['id']}", headers=auth("director.31"))).status_code == 404
    for referral in (first, second):
        accepted = await step(referral["id"], "accept", "director.16", {"note": "Dossier complet"})
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted", accepted.text

    place_key = uuid.uuid4().hex
    placed = await step(first["id"], "place", "director.16", {"start_date": day(0)}, place_key)
    assert placed.status_code == 200 and placed.json()["state"] == "placed", placed.text
    replayed = await step(first["id"], "place", "director.16", {"start_date": day(0)}, place_key)
    assert replayed.status_code == 200 and replayed.json() == placed.json()
    full = await step(second["id"], "place", "director.16", {"start_date": day(0)})
    assert full.status_code == 409 and full.json()["code"] == "conflict", full.text
    assert full.json()["details"] == {"institution": code}
    late = await step(first["id"], "accept", "director.16", {})
    assert late.status_code == 409 and late.json()["code"] == "invalid_transition"
    assert late.json()["details"] == {"state": "placed", "allowed": ["end"]}
    no_key = await gateway.post(
        f"/v1/referrals/{second['id']}/place", json={"start_date": day(0)}, headers=auth("director.16")
    )
    assert no_key.status_code == 422

    occupancy = (await gateway.get(f"/v1/institutions/{code}", headers=auth("worker.1601"))).json()["occupancy"]
    assert (occupancy["capacity"], occupancy["occupied"], occupancy["available"]) == (1, 1, 0)
    placed_list = await gateway.get(
        "/v1/referrals", params={"institution": code, "state": "placed"}, headers=auth("director.16")
    )
    assert [r["id"] for r in placed_list.json()] == [first["id"]]

    ended = await step(first["id"], "end", "director.16", {"exit_date": day(0), "motive": "Retour en famille"})
    assert ended.status_code == 200 and ended.json()["state"] == "ended", ended.text
    now_placed = await step(second["id"], "place", "director.16", {"start_date": day(0)})
    assert now_placed.status_code == 200 and now_placed.json()["state"] == "placed", now_placed.text
    shown = await gateway.get(f"/v1/referrals/{first['id']}", headers=auth("worker.1601"))
    assert [h["step"] for h in shown.json()["history"]] == ["accept", "place", "end"]


async def test_case_work_through_the_gateway(gateway: httpx.AsyncClient, household_id: str) -> None:
    lead = f"it-as-{uuid.uuid4().hex[:8]}"
    member = {"user_id": lead, "discipline": "social_worker", "active_from": day(-10), "display_name": "Assistante"}
    added = await gateway.post("/v1/cells/1601/team", json=member, headers=auth("coordinator.1601"))
    assert added.status_code == 200 and added.json()["active"] is True, added.text
    assert (await gateway.post("/v1/cells/1602/team", json=member, headers=auth("coordinator.1601"))).status_code == 403
    assert (await gateway.post("/v1/cells/1601/team", json=member, headers=auth("worker.1601"))).status_code == 403
    assert (await gateway.get("/v1/cells/1601/team", headers=auth("director.31"))).status_code == 404
    team = await gateway.get("/v1/cells/1601/team", headers=auth("director.16"))
    assert lead in {m["user_id"] for m in team.json()}

    body = {"household_id": household_id, "lead": lead, "goals": ["Accès aux soins", "Dossier AFS"]}
    case_key = uuid.uuid4().hex
    opened = await gateway.post(
        "/v1/cases", json=body, headers=auth("coordinator.1601", **{"Idempotency-Key": case_key})
    )
    assert opened.status_code == 201 and opened.json()["status"] == "open", opened.text
    case = opened.json()
    again = await gateway.post(
        "/v1/cases", json=body, headers=auth("coordinator.1601", **{"Idempotency-Key": case_key})
    )
    assert again.status_code == 201 and again.json()["id"] == case["id"]
    twice = await gateway.post("/v1/cases", json=body, headers=auth("coordinator.1601", **idem()))
    assert twice.status_code == 409
    assert (await gateway.get(f"/v1/cases/{case['id']}", headers=auth("director.31"))).status_code == 404

    planned = await gateway.post(
        f"/v1/cases/{case['id']}/visits",
        json={"planned_for": day(-2), "purpose": "Visite à domicile"},
        headers=auth("worker.1601", **idem()),
    )
    assert planned.status_code == 201 and planned.json()["visitor"] == lead, planned.text
    visit = planned.json()
    overdue = await gateway.get("/v1/cells/1601/overdue-visits", headers=auth("coordinator.1601"))
    assert overdue.status_code == 200
    assert [v["days_overdue"] for v in overdue.json() if v["id"] == visit["id"]] == [2]

    record = {"visited_on": day(-1), "outcome": "Rencontre avec le couple ; demande de carte Chifa"}
    path = f"/v1/cases/{case['id']}/visits/{visit['id']}/record"
    recorded = await gateway.post(path, json=record, headers=auth("worker.1601", **idem()))
    assert recorded.status_code == 200 and recorded.json()["status"] == "recorded", recorded.text
    again_recorded = await gateway.post(path, json=record, headers=auth("worker.1601", **idem()))
    assert again_recorded.status_code == 409 and again_recorded.json()["code"] == "invalid_transition"
    overdue = await gateway.get("/v1/cells/1601/overdue-visits", headers=auth("coordinator.1601"))
    assert visit["id"] not in {v["id"] for v in overdue.json()}

    load = await gateway.get("/v1/cells/1601/caseload", headers=auth("director.16"))
    assert load.status_code == 200
    (mine,) = [w for w in load.json()["workers"] if w["user_id"] == lead]
    assert (mine["open_cases"], mine["leading"], mine["discipline"]) == (1, 1, "social_worker")
    closed = await gateway.post(
        f"/v1/cases/{case['id']}/close", json={"note": "Objectifs atteints"}, headers=auth("coordinator.1601", **idem())
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text
    assert (await gateway.get("/v1/cells/1601/caseload", headers=auth("worker.3101"))).status_code == 404
