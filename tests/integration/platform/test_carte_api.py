"""The carte sociale through the gateway, over the running platform: role x area, 404 outside, suppression.

Households registered through the registry reach the carte through events (read models), the
map is a PNG, the sheet a PDF; a donor reads published figures only; an area outside the
caller's answers 404 in the sheet, the map and the PDF alike.
"""

from __future__ import annotations

import asyncio
import io
import re
import time
import uuid
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from scripts import generate
from tests.integration.platform.conftest import auth, household, idem

WILAYAS = 58
REPORTING_PORT = next(s.port for s in generate.load().services if s.name == "reporting")


async def sheet(gateway: httpx.AsyncClient, user: str, area: str | None = None) -> dict[str, Any]:
    params = {"area": area} if area else {}
    response = await gateway.get("/v1/reports/carte", params=params, headers=auth(user))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def line(found: dict[str, Any], area: str) -> dict[str, Any]:
    return next(child for child in found["children"] if child["area"] == area)


async def test_a_registration_reaches_the_carte_of_its_commune_and_wilaya(gateway: httpx.AsyncClient) -> None:
    async def households() -> tuple[int, int]:
        alger = await sheet(gateway, "director.16")
        communes = {child["area"]: child["households"] for child in alger["children"]}
        return alger["totals"]["households"], communes.get("/DZ/16/1602", 0)  # listed once something is recorded

    before = await households()
    new = household("/DZ/16/1602", family=f"Carte{uuid.uuid4().hex[:8]}")
    response = await gateway.post("/v1/households", json=new, headers=auth("worker.1602", **idem()))
    assert response.status_code == 201, response.text
    deadline = time.monotonic() + 20
    while (now := await households()) != (before[0] + 1, before[1] + 1):
        assert time.monotonic() < deadline, f"still {now}, wanted one more than {before}"
        await asyncio.sleep(0.3)
    commune = await sheet(gateway, "worker.1602")
    assert commune["area"] == "/DZ/16/1602" and commune["level"] == "commune"
    assert commune["totals"]["people"] >= 2


async def test_the_national_sheet_lists_every_wilaya_with_names(gateway: httpx.AsyncClient) -> None:
    found = await sheet(gateway, "national.officer")
    assert (found["area"], found["level"], found["suppressed"]) == ("/DZ", "national", False)
    assert len(found["children"]) == WILAYAS
    assert line(found, "/DZ/16")["names"] == {"fr": "Alger", "ar": "الجزائر"}
    assert found["totals"]["categories"] is None  # no event carries them yet: not available, not 0
    assert found["as_of"] is not None


@pytest.mark.parametrize(
    ("user", "outside"),
    [
        ("director.16", "/DZ/31"),
        ("director.31", "/DZ/16/1601"),
        ("agent.16", "/DZ"),
        ("worker.1601", "/DZ/16/1602"),
        ("coordinator.1601", "/DZ/16"),
        ("worker.3101", "/DZ/16"),
    ],
)
async def test_an_area_outside_the_callers_answers_404_everywhere(
    gateway: httpx.AsyncClient, user: str, outside: str
) -> None:
    for path in ("/v1/reports/carte", "/v1/reports/carte/map", "/v1/reports/carte/pdf"):
        response = await gateway.get(path, params={"area": outside}, headers=auth(user))
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("user", "own"),
    [
        ("national.officer", "/DZ"),
        ("director.16", "/DZ/16"),
        ("agent.16", "/DZ/16"),
        ("coordinator.1601", "/DZ/16/1601"),
        ("worker.3101", "/DZ/31/3101"),
        ("auditor.demo", "/DZ"),
    ],
)
async def test_staff_and_auditors_read_their_own_area_unsuppressed(
    gateway: httpx.AsyncClient, user: str, own: str
) -> None:
    found = await sheet(gateway, user)
    assert (found["area"], found["suppressed"]) == (own, False)
    assert found["totals"]["hidden"] == []


async def test_a_donor_reads_published_figures_with_small_cells_hidden(gateway: httpx.AsyncClient) -> None:
    published = await sheet(gateway, "donor.demo")
    raw = await sheet(gateway, "national.officer")
    assert published["suppressed"] is True and published["min_cell"] >= 1
    for seen, truth in zip(published["children"], raw["children"], strict=True):
        count = truth["households"]
        if 0 < count < published["min_cell"]:
            assert seen["households"] is None and "households" in seen["hidden"]
        elif seen["households"] is not None:
            assert seen["households"] == count
    small = [c for c in raw["children"] if 0 < c["households"] < published["min_cell"]]
    hidden = [c for c in published["children"] if "households" in c["hidden"]]
    assert len(hidden) != 1  # never one hidden wilaya alone: the national total would reveal it
    assert len(hidden) >= len(small)


async def test_the_map_is_a_png_and_refuses_communes_and_unknown_indicators(gateway: httpx.AsyncClient) -> None:
    for indicator in ("households", "in_need_share", "coverage"):
        response = await gateway.get(
            "/v1/reports/carte/map", params={"indicator": indicator}, headers=auth("national.officer")
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")
    wilaya = await gateway.get("/v1/reports/carte/map", headers=auth("director.16"))
    assert wilaya.status_code == 200 and wilaya.content.startswith(b"\x89PNG")
    commune = await gateway.get("/v1/reports/carte/map", headers=auth("worker.1601"))
    assert commune.status_code == 422
    assert commune.json()["details"]["code"] == "no_boundaries"
    bogus = await gateway.get("/v1/reports/carte/map", params={"indicator": "wealth"}, headers=auth("director.16"))
    assert bogus.status_code == 422


async def test_the_pdf_sheet_is_bilingual_and_says_who_it_is_for(gateway: httpx.AsyncClient) -> None:
    staff = await gateway.get("/v1/reports/carte/pdf", params={"area": "/DZ/16"}, headers=auth("director.16"))
    assert staff.status_code == 200, staff.text
    assert staff.headers["content-type"] == "application/pdf"
    assert 'filename="carte-sociale-DZ-16.pdf"' in staff.headers["content-disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(staff.content)).pages)
    assert "Carte sociale — fiche d'indicateurs : Alger" in text
    assert "Document interne de la direction" in text
    donor = await gateway.get("/v1/reports/carte/pdf", params={"area": "/DZ/16"}, headers=auth("donor.demo"))
    assert donor.status_code == 200
    public = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(donor.content)).pages)
    assert "Chiffres publics" in public


async def test_a_malformed_area_is_refused(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/v1/reports/carte", params={"area": "Alger"}, headers=auth("national.officer"))
    assert response.status_code == 422


async def test_reporting_exports_the_business_figures_of_the_read_models(gateway: httpx.AsyncClient) -> None:
    """The gauges Prometheus scrapes from reporting equal the national sheet's figures (refreshed every 30 s)."""
    metrics_url = f"http://127.0.0.1:{REPORTING_PORT}/metrics"

    async def gauge_and_sheet() -> tuple[float | None, int]:
        text = (await gateway.get(metrics_url)).text
        found = re.search(r'^solidarity_business_households_registered\{area="/DZ"\} (\S+)$', text, re.MULTILINE)
        national = await sheet(gateway, "national.officer")
        return (float(found[1]) if found else None), national["totals"]["households"]

    deadline = time.monotonic() + 75
    while (got := await gauge_and_sheet())[0] != got[1]:
        assert time.monotonic() < deadline, f"gauge {got[0]}, sheet {got[1]}"
        await asyncio.sleep(2)
    text = (await gateway.get(metrics_url)).text
    for name in ("aid_decisions", "aid_disbursed_dzd", "signals_late", "urgent_regularisations_overdue",
                 "figures_timestamp_seconds"):  # fmt: skip
        assert f"solidarity_business_{name}" in text, name


async def test_no_token_no_carte(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/v1/reports/carte")).status_code == 401
