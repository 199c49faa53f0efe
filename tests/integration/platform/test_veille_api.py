"""Veille through the real gateway, Keycloak, broker, database and audit service: areas, roles and
protected fields, the lifecycle and its refusals, break-the-glass audited, emergencies, alerts.

Every emergency declared here is ended when its test finishes (``ending``): a running one
changes the urgent-aid caps of its commune for the platform's later tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth, idem

COMMUNE = "/DZ/16/1601"
REPORTER = "Samia Benali"
CHILD = "environ 9 ans, contusions visibles"
VIOLENCE = "violences conjugales rapportées"
OUTSIDERS = ("worker.3101", "director.31")
INSIDERS = ("worker.1601", "coordinator.1601", "agent.16", "director.16", "national.officer", "auditor.demo")


def body(**changes: Any) -> dict[str, Any]:
    signal = {
        "category": "street_child",
        "severity": 4,
        "area": COMMUNE,
        "point": {"lat": 36.75, "lon": 3.05},
        "description": "Un enfant dort près de la gare routière",
        "persons": {"count": 1},
        "reporter": {"kind": "hotline", "name": REPORTER, "phone": "0550 00 00 00"},
        "protected": {"child_protection": CHILD, "gender_violence": VIOLENCE},
    }
    return {**signal, **changes}


async def report(gateway: httpx.AsyncClient, user: str = "coordinator.1601", **changes: Any) -> dict[str, Any]:
    answer = await gateway.post("/v1/signals", json=body(**changes), headers=auth(user, **idem()))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def code_of(answer: httpx.Response) -> str:
    return str(answer.json()["details"].get("code"))


async def count(gateway: httpx.AsyncClient, user: str) -> int:
    answer = await gateway.get("/v1/signals/count", params={"category": "street_child"}, headers=auth(user))
    assert answer.status_code == 200, answer.text
    return int(answer.json()["count"])


async def test_outside_its_area_a_signal_does_not_exist_in_any_answer(gateway: httpx.AsyncClient) -> None:
    counted = {user: await count(gateway, user) for user in OUTSIDERS}
    signal_id = (await report(gateway))["id"]
    assert {user: await count(gateway, user) for user in OUTSIDERS} == counted
    for user in OUTSIDERS:
        assert (await gateway.get(f"/v1/signals/{signal_id}", headers=auth(user))).status_code == 404
        listed = await gateway.get("/v1/signals", headers=auth(user))
        assert listed.status_code == 200 and signal_id not in {s["id"] for s in listed.json()}
        assert COMMUNE not in listed.text
        for step, payload in (("triage", {}), ("close", {"outcome": "unfounded"})):
            refused = await gateway.post(f"/v1/signals/{signal_id}/{step}", json=payload, headers=auth(user, **idem()))
            assert refused.status_code == 404, (user, step, refused.text)
        glass = {"justification": "Urgence vitale signalée par la protection civile"}
        assert (
            await gateway.post(f"/v1/signals/{signal_id}/break-glass", json=glass, headers=auth(user))
        ).status_code in (403, 404)
    for user in INSIDERS:
        seen = await gateway.get(f"/v1/signals/{signal_id}", headers=auth(user))
        assert seen.status_code == 200 and seen.json()["id"] == signal_id, user


@pytest.mark.parametrize(
    ("user", "withheld"),
    [
        ("worker.1601", ["reporter_identity"]),
        ("coordinator.1601", []),
        ("agent.16", ["reporter_identity", "child_protection", "gender_violence"]),
        ("director.16", ["gender_violence"]),
        ("national.officer", ["child_protection", "gender_violence"]),
        ("auditor.demo", ["reporter_identity", "child_protection", "gender_violence"]),
    ],
)
async def test_protected_fields_show_only_to_the_roles_that_need_them(
    gateway: httpx.AsyncClient, user: str, withheld: list[str]
) -> None:
    signal_id = (await report(gateway))["id"]
    seen = (await gateway.get(f"/v1/signals/{signal_id}", headers=auth(user))).json()
    assert seen["withheld"] == withheld
    assert (seen["reporter"]["name"] == REPORTER) is ("reporter_identity" not in withheld)
    assert (seen["protected"]["child_protection"] == CHILD) is ("child_protection" not in withheld)
    assert (seen["protected"]["gender_violence"] == VIOLENCE) is ("gender_violence" not in withheld)
    listed = {s["id"]: s for s in (await gateway.get("/v1/signals", params={"limit": 500}, headers=auth(user))).json()}
    if signal_id in listed:
        assert listed[signal_id]["withheld"] == withheld


async def test_a_protected_field_from_a_role_that_may_not_write_it_is_refused(gateway: httpx.AsyncClient) -> None:
    before = (await gateway.get("/v1/signals/count", headers=auth("director.16"))).json()["count"]
    refused = await gateway.post("/v1/signals", json=body(), headers=auth("agent.16", **idem()))
    assert refused.status_code == 403 and code_of(refused) == "protected_field_not_writable"
    assert refused.json()["details"]["fields"] == ["child_protection", "gender_violence"]
    assert (await gateway.get("/v1/signals/count", headers=auth("director.16"))).json()["count"] == before
    plain = await gateway.post("/v1/signals", json=body(protected={}), headers=auth("agent.16", **idem()))
    assert plain.status_code == 201, plain.text


async def test_bad_input_answers_stable_codes_and_stores_nothing(gateway: httpx.AsyncClient) -> None:
    outside = await gateway.post("/v1/signals", json=body(point={"lat": 48.85, "lon": 2.35}),
                                 headers=auth("coordinator.1601", **idem()))  # fmt: skip
    assert outside.status_code == 422 and code_of(outside) == "geo_point_outside_area"
    unknown = await gateway.post("/v1/signals", json=body(category="alien"), headers=auth("coordinator.1601", **idem()))
    assert unknown.status_code == 422
    signal_id = (await report(gateway))["id"]
    early = await gateway.post(f"/v1/signals/{signal_id}/visit", json={}, headers=auth("worker.1601", **idem()))
    assert early.status_code == 409 and early.json()["details"]["allowed"] == ["close", "triage"]
    no_key = await gateway.post(f"/v1/signals/{signal_id}/triage", json={}, headers=auth("worker.1601"))
    assert no_key.status_code == 422
    assert (await gateway.get(f"/v1/signals/{signal_id}", headers=auth("worker.1601"))).json()["status"] == "new"


async def test_the_lifecycle_from_report_to_outcome_once_per_key(gateway: httpx.AsyncClient) -> None:
    signal_id = (await report(gateway))["id"]
    worker = "worker.1601"
    key = idem()
    triaged = await gateway.post(f"/v1/signals/{signal_id}/triage", json={"severity": 5}, headers=auth(worker, **key))
    again = await gateway.post(f"/v1/signals/{signal_id}/triage", json={"severity": 5}, headers=auth(worker, **key))
    assert triaged.status_code == again.status_code == 200 and again.json()["severity"] == 5
    planned_for = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    planned = await gateway.post(f"/v1/signals/{signal_id}/visit-plan", json={"planned_for": planned_for},
                                 headers=auth(worker, **idem()))  # fmt: skip
    assert planned.json()["status"] == "visit_planned", planned.text
    visited = await gateway.post(f"/v1/signals/{signal_id}/visit", json={}, headers=auth(worker, **idem()))
    assert visited.json()["status"] == "visited"
    missing = await gateway.post(f"/v1/signals/{signal_id}/close", json={"outcome": "referral"},
                                 headers=auth(worker, **idem()))  # fmt: skip
    assert missing.status_code == 422 and code_of(missing) == "outcome_reference_required"
    closed = await gateway.post(f"/v1/signals/{signal_id}/close", json={"outcome": "referral", "referral_id": "ref-1"},
                                headers=auth(worker, **idem()))  # fmt: skip
    assert closed.status_code == 200 and closed.json()["closure"]["referral_id"] == "ref-1"
    after = await gateway.post(f"/v1/signals/{signal_id}/triage", json={}, headers=auth(worker, **idem()))
    assert after.status_code == 409 and after.json()["details"]["allowed"] == []


async def test_break_the_glass_is_time_limited_justified_and_audited(gateway: httpx.AsyncClient) -> None:
    signal_id = (await report(gateway))["id"]
    short = await gateway.post(f"/v1/signals/{signal_id}/break-glass", json={"justification": "vite"},
                               headers=auth("agent.16"))  # fmt: skip
    assert short.status_code == 422 and code_of(short) == "justification_too_short"
    correlation = f"veille-glass-{uuid.uuid4().hex}"
    reason = "Appel du procureur : enfant en danger immédiat"
    opened = await gateway.post(f"/v1/signals/{signal_id}/break-glass", json={"justification": reason},
                                headers=auth("agent.16", **{"X-Correlation-ID": correlation}))  # fmt: skip
    assert opened.status_code == 200, opened.text
    grant = opened.json()["grant"]
    lasts = datetime.fromisoformat(grant["expires_at"]) - datetime.fromisoformat(grant["granted_at"])
    assert timedelta(0) < lasts <= timedelta(hours=1)
    assert opened.json()["signal"]["protected"]["child_protection"] == CHILD
    read = (await gateway.get(f"/v1/signals/{signal_id}", headers=auth("agent.16"))).json()
    assert read["break_glass"] and read["reporter"]["name"] == REPORTER
    for _ in range(100):
        filters = {"action": "signal.break_glass", "object_id": signal_id}
        entries = (await gateway.get("/v1/audit/entries", params=filters, headers=auth("auditor.demo"))).json()
        if any(e["correlation_id"] == correlation for e in entries):
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("the break-the-glass read is not in the audit trail")
    kept = (await gateway.get("/v1/signals/break-glass", headers=auth("auditor.demo"))).json()
    assert any(g["signal_id"] == signal_id and g["justification"] == reason for g in kept)
    assert (await gateway.get("/v1/signals/break-glass", headers=auth("agent.16"))).status_code == 403


@pytest.fixture
async def ending(gateway: httpx.AsyncClient) -> AsyncIterator[Callable[[httpx.Response], str]]:
    """Keeps each declared emergency's id, and ends it when the test is over (one already over: 409, fine)."""
    declared: list[str] = []

    def keep(made: httpx.Response) -> str:
        assert made.status_code == 201, made.text
        declared.append(str(made.json()["id"]))
        return declared[-1]

    yield keep
    for emergency_id in declared:
        ended = await gateway.post(f"/v1/emergencies/{emergency_id}/end", headers=auth("national.officer", **idem()))
        assert ended.status_code in (200, 409), ended.text


def emergency(**changes: Any) -> dict[str, Any]:
    return {"title_fr": "Inondations de test", "title_ar": "فيضانات تجريبية", "areas": [COMMUNE],
            "ends_at": (datetime.now(UTC) + timedelta(minutes=2)).isoformat(), "caps": {"cap_dzd": 40000},
            **changes}  # fmt: skip


async def titled(gateway: httpx.AsyncClient, title: str) -> list[dict[str, Any]]:
    listed = (await gateway.get("/v1/emergencies", headers=auth("national.officer"))).json()
    return [e for e in listed if e["title_fr"] == title]


async def test_an_emergency_declared_wrongly_is_refused_with_its_code_and_nothing_stored(
    gateway: httpx.AsyncClient,
) -> None:
    title = f"Refusée {uuid.uuid4().hex[:8]}"
    too_long = await gateway.post(
        "/v1/emergencies", json=emergency(title_fr=title, ends_at=(datetime.now(UTC) + timedelta(days=91)).isoformat()),
        headers=auth("director.16", **idem()),
    )  # fmt: skip
    assert too_long.status_code == 422 and code_of(too_long) == "emergency_too_long", too_long.text
    assert too_long.json()["details"]["max_days"] == 90
    over = await gateway.post(
        "/v1/emergencies", json=emergency(title_fr=title, ends_at="2020-01-01T00:00:00+00:00"),
        headers=auth("director.16", **idem()),
    )  # fmt: skip
    assert over.status_code == 422 and code_of(over) == "emergency_already_over", over.text
    wrongs: list[dict[str, Any]] = [{"areas": ["/DZ"]}, {"caps": {"cap_dzd": 0}}, {"ends_at": "demain"}, {"areas": []}]
    for wrong in wrongs:
        answer = await gateway.post(
            "/v1/emergencies", json=emergency(title_fr=title, **wrong), headers=auth("director.16", **idem())
        )
        assert answer.status_code == 422, (wrong, answer.text)
    no_key = await gateway.post("/v1/emergencies", json=emergency(title_fr=title), headers=auth("director.16"))
    assert no_key.status_code == 422
    for user in ("worker.1601", "coordinator.1601", "agent.16", "auditor.demo", "donor.demo"):
        answer = await gateway.post("/v1/emergencies", json=emergency(title_fr=title), headers=auth(user, **idem()))
        assert answer.status_code == 403, (user, answer.text)
    outside = await gateway.post(
        "/v1/emergencies", json=emergency(title_fr=title, areas=["/DZ/31"]), headers=auth("director.16", **idem())
    )
    assert outside.status_code == 403
    assert await titled(gateway, title) == []


async def test_an_emergency_is_ended_once_by_who_may_declare_it_in_their_area(
    gateway: httpx.AsyncClient, ending: Callable[[httpx.Response], str]
) -> None:
    title = f"Levée {uuid.uuid4().hex[:8]}"
    made = await gateway.post("/v1/emergencies", json=emergency(title_fr=title), headers=auth("director.16", **idem()))
    emergency_id = ending(made)
    url = f"/v1/emergencies/{emergency_id}/end"
    missing = f"/v1/emergencies/{'0' * 24}/end"
    for user in ("worker.1601", "coordinator.1601", "agent.16", "auditor.demo", "donor.demo", "worker.3101"):
        assert (await gateway.post(url, headers=auth(user, **idem()))).status_code == 403, user
    outsider = await gateway.post(url, headers=auth("director.31", **idem()))
    unknown = await gateway.post(missing, headers=auth("director.31", **idem()))
    assert outsider.status_code == unknown.status_code == 404
    assert outsider.json()["message"] == unknown.json()["message"] and emergency_id not in outsider.text
    assert (await gateway.post(url, headers=auth("director.16"))).status_code == 422  # no Idempotency-Key
    assert (await gateway.post("/v1/emergencies/nope/end", headers=auth("director.16", **idem()))).status_code == 422
    (still,) = await titled(gateway, title)
    assert still["active"] and still["ended_at"] is None

    key = idem()
    ended = await gateway.post(url, headers=auth("director.16", **key))
    assert ended.status_code == 200, ended.text
    assert not ended.json()["active"] and ended.json()["ended_at"] == ended.json()["ends_at"]
    again = await gateway.post(url, headers=auth("director.16", **key))
    assert again.status_code == 200 and again.json() == ended.json()  # the same key answers the same
    twice = await gateway.post(url, headers=auth("national.officer", **idem()))
    assert twice.status_code == 409 and code_of(twice) == "emergency_already_ended"
    (listed,) = await titled(gateway, title)
    assert not listed["active"] and listed["ends_at"] == ended.json()["ends_at"]


async def test_an_emergency_puts_its_area_first_and_only_directors_declare(
    gateway: httpx.AsyncClient, ending: Callable[[httpx.Response], str]
) -> None:
    declared = {"title_fr": "Inondations de test", "title_ar": "فيضانات تجريبية", "areas": [COMMUNE],
                "ends_at": (datetime.now(UTC) + timedelta(minutes=2)).isoformat(),  # brief: assistance applies it
                "caps": {"cap_dzd": 40000}}  # fmt: skip
    assert (
        await gateway.post("/v1/emergencies", json=declared, headers=auth("worker.1601", **idem()))
    ).status_code == 403
    other = await gateway.post(
        "/v1/emergencies", json={**declared, "areas": ["/DZ/31"]}, headers=auth("director.16", **idem())
    )
    assert other.status_code == 403
    made = await gateway.post("/v1/emergencies", json=declared, headers=auth("director.16", **idem()))
    ending(made)
    signal_id = (await report(gateway, severity=1))["id"]
    first = (await gateway.get("/v1/signals", headers=auth("director.16"))).json()[0]
    assert (
        first["priority"] == 1
        and (await gateway.get(f"/v1/signals/{signal_id}", headers=auth("director.16"))).json()["priority"] == 1
    )
    assert made.json()["id"] in {
        e["id"] for e in (await gateway.get("/v1/emergencies", headers=auth("worker.1601"))).json()
    }
    assert made.json()["id"] not in {
        e["id"] for e in (await gateway.get("/v1/emergencies", headers=auth("worker.3101"))).json()
    }


async def test_alert_rules_that_do_not_parse_are_refused_and_only_the_ministry_publishes(
    gateway: httpx.AsyncClient,
) -> None:
    rule = {"id": f"it_{uuid.uuid4().hex[:8]}", "title_fr": "Signalements sur 30 jours",
            "title_ar": "إشعارات خلال 30 يوما", "metric": "signals_total", "window_days": 30, "comparison": ">=",
            "threshold": 100000}  # fmt: skip
    bad = await gateway.post("/v1/alert-rules", json={**rule, "comparison": "~"}, headers=auth("national.officer"))
    assert bad.status_code == 422 and code_of(bad) == "alert_rule_invalid"
    assert (await gateway.post("/v1/alert-rules", json=rule, headers=auth("director.16"))).status_code == 403
    published = await gateway.post("/v1/alert-rules", json=rule, headers=auth("national.officer"))
    assert published.status_code == 200 and published.json()["version"] == 1
    assert (await gateway.post("/v1/alert-rules/evaluations", headers=auth("national.officer"))).status_code == 200
    assert (await gateway.get("/v1/alerts", headers=auth("worker.3101"))).status_code == 200
