"""Bulk import end to end: a file posted to the running gateway, imported as a registry job."""

from __future__ import annotations

import asyncio
import csv
import io
import random
import time
import uuid
from typing import Any

import httpx

from tests.integration.platform.conftest import auth


def name() -> str:
    """A made-up name, so that no earlier test's household resembles these."""
    return "".join(random.choice("bdfghklmnrstz") + random.choice("aeiou") for _ in range(4)).capitalize()


def csv_file(*areas: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    household = ["household_ref", "area", "address"]
    head = ["head_given_name_lat", "head_family_name_lat", "head_sex", "head_birth_year"]
    child = ["m2_given_name_lat", "m2_family_name_lat", "m2_sex", "m2_relationship"]
    writer.writerow(household + head + child)
    for number, area in enumerate(areas, start=1):
        family = name()
        cells = [f"E2E-{number}", area, f"{number} rue Didouche Mourad"]
        writer.writerow([*cells, name(), family, "F", str(1950 + number), name(), family, "M", "child"])
    return out.getvalue().encode()


async def finished(gateway: httpx.AsyncClient, job_id: str, user: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = await gateway.get(f"/v1/jobs/{job_id}", headers=auth(user))
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] != "running":
            return job
        assert time.monotonic() < deadline, f"job still running: {job['progress']}"
        await asyncio.sleep(0.3)


async def test_agent_imports_a_csv_for_the_wilaya_and_rows_elsewhere_are_refused(gateway: httpx.AsyncClient) -> None:
    source = f"e2e-{uuid.uuid4().hex[:10]}"
    data = csv_file("/DZ/16/1601", "/DZ/16/1602", "/DZ/31/3101")
    response = await gateway.post(
        f"/v1/imports?source={source}",
        content=data,
        headers=auth("agent.16", **{"Content-Type": "text/csv"}),
    )
    assert response.status_code == 202, response.text
    started = response.json()
    assert (started["kind"], started["status"], started["area"]) == ("import", "running", "/DZ/16")
    assert started["params"]["source"] == source and started["params"]["size"] == len(data)

    job = await finished(gateway, started["id"], "agent.16")
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert (result["total_rows"], result["created"], result["invalid"], result["applied"]) == (3, 2, 1, True)
    assert [(e["row"], e["field"], e["code"]) for e in result["errors"]] == [(4, "area", "outside_area")]
    assert result["held_for_review"] == 0

    again = await gateway.post(
        f"/v1/imports?source={source}&format=csv&dry_run=true",
        content=data,
        headers=auth("agent.16", **{"Content-Type": "application/octet-stream"}),
    )
    assert again.status_code == 202, again.text
    checked = (await finished(gateway, again.json()["id"], "agent.16"))["result"]
    assert (checked["dry_run"], checked["unchanged"], checked["created"]) == (True, 2, 0)

    hidden = await gateway.get(f"/v1/jobs/{started['id']}", headers=auth("director.31"))
    assert hidden.status_code == 404


async def test_a_social_worker_may_not_import(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        f"/v1/imports?source=e2e-{uuid.uuid4().hex[:10]}",
        content=csv_file("/DZ/16/1601"),
        headers=auth("worker.1601", **{"Content-Type": "text/csv"}),
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


async def test_a_file_in_no_known_format_is_415(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        f"/v1/imports?source=e2e-{uuid.uuid4().hex[:10]}",
        content=b"%PDF-1.7",
        headers=auth("agent.16", **{"Content-Type": "application/pdf"}),
    )
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
