"""Cross-service behaviour of the running platform: events, catalogues, faults, ops."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx

from scripts.generate import load
from tests.integration.platform.conftest import auth, household, idem

ROOT = Path(__file__).parents[3]
PLATFORM = load()  # gateway/service.toml, services/*/service.toml
SERVICE_PORTS = {service.name: service.port for service in PLATFORM.services}


async def eventually_equal(read: object, want: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while (got := await read()) != want:  # type: ignore[operator]
        assert time.monotonic() < deadline, f"still {got!r}, wanted {want!r}"
        await asyncio.sleep(0.2)


async def test_registration_reaches_reporting_through_events(gateway: httpx.AsyncClient) -> None:
    async def count() -> int:
        response = await gateway.get("/v1/reports/households/count", headers=auth("director.31"))
        assert response.status_code == 200
        return int(response.json()["households"])

    before = await count()
    response = await gateway.post(
        "/v1/households", json=household("/DZ/31/3101"), headers=auth("worker.3101", **idem())
    )
    assert response.status_code == 201
    await eventually_equal(count, before + 1)


async def test_programme_published_nationally_is_seen_by_a_commune(gateway: httpx.AsyncClient) -> None:
    programme = {
        "code": "school-year-aid",
        "name_fr": "Allocation de scolarité",
        "name_ar": "منحة التمدرس",
        "benefit_type": "cash",
        "area": "/DZ",
    }
    created = await gateway.post("/v1/programmes", json=programme, headers=auth("national.officer"))
    assert created.status_code == 201, created.text
    again = await gateway.post("/v1/programmes", json=programme, headers=auth("national.officer"))
    assert again.json()["id"] == created.json()["id"]
    conflicting = await gateway.post(
        "/v1/programmes", json={**programme, "benefit_type": "in_kind"}, headers=auth("national.officer")
    )
    assert conflicting.status_code == 409
    listed = await gateway.get("/v1/programmes", headers=auth("worker.3101"))
    assert "school-year-aid" in [p["code"] for p in listed.json()]
    denied = await gateway.post("/v1/programmes", json=programme, headers=auth("director.16"))
    assert denied.status_code == 403


async def test_wilaya_campaign_and_signals_respect_areas(gateway: httpx.AsyncClient) -> None:
    campaign = {
        "kind": "winter",
        "name_fr": "Hiver solidaire",
        "name_ar": "شتاء تضامني",
        "area": "/DZ/16",
        "starts_on": "2026-12-01",
        "ends_on": "2027-02-28",
    }
    created = await gateway.post("/v1/campaigns", json=campaign, headers=auth("director.16", **idem()))
    assert created.status_code == 201, created.text
    ids_31 = [c["id"] for c in (await gateway.get("/v1/campaigns", headers=auth("worker.3101"))).json()]
    assert created.json()["id"] not in ids_31
    ids_donor = [c["id"] for c in (await gateway.get("/v1/campaigns", headers=auth("donor.demo"))).json()]
    assert created.json()["id"] in ids_donor

    signal_body = {
        "kind": "isolated_elderly",
        "area": "/DZ/16/1602",
        "description": "Personne âgée seule",
        "severity": 3,
    }
    reported = await gateway.post("/v1/signals", json=signal_body, headers=auth("worker.1602", **idem()))
    assert reported.status_code == 201, reported.text
    seen_1601 = [s["id"] for s in (await gateway.get("/v1/signals", headers=auth("worker.1601"))).json()]
    seen_16 = [s["id"] for s in (await gateway.get("/v1/signals", headers=auth("director.16"))).json()]
    assert reported.json()["id"] not in seen_1601 and reported.json()["id"] in seen_16


async def test_a_frozen_service_gives_503_with_correlation_id(gateway: httpx.AsyncClient) -> None:
    pid = int((ROOT / ".run" / "veille.pid").read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = await gateway.get("/v1/signals", headers=auth("worker.1601", **{"X-Correlation-ID": "e2e-frozen-1"}))
        elapsed = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGCONT)
    assert response.status_code == 503
    assert response.json() == {
        "code": "service_unavailable",
        "message": response.json()["message"],
        "correlation_id": "e2e-frozen-1",
        "details": {"service": "veille"},
    }
    assert elapsed < 10
    recovered = await gateway.get("/v1/signals", headers=auth("worker.1601"))
    assert recovered.status_code == 200


async def test_every_component_is_ready_and_exposes_metrics() -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for port in [PLATFORM.gateway.port, *SERVICE_PORTS.values()]:
            assert (await client.get(f"http://127.0.0.1:{port}/livez")).status_code == 200
            assert (await client.get(f"http://127.0.0.1:{port}/readyz")).json()["status"] == "ready"
        registry_metrics = (await client.get(f"http://127.0.0.1:{SERVICE_PORTS['registry']}/metrics")).text
        assert (
            'solidarity_entrypoint_calls_total{entrypoint="ping",service="registry"}' in registry_metrics
            or "solidarity_entrypoint_duration_seconds_bucket" in registry_metrics
        )
        gateway_metrics = (await client.get(f"http://127.0.0.1:{PLATFORM.gateway.port}/metrics")).text
        assert "gateway_request_duration_seconds_bucket" in gateway_metrics


async def test_prometheus_scrapes_every_service_and_the_gateway() -> None:
    want = {*SERVICE_PORTS, PLATFORM.gateway.name}
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            targets = (await client.get("http://127.0.0.1:9090/api/v1/targets")).json()["data"]["activeTargets"]
            up = {t["labels"]["job"] for t in targets if t["health"] == "up"}
            if want <= up:
                return
            assert time.monotonic() < deadline, f"not up: {want - up}"
            await asyncio.sleep(1)
