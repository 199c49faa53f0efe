"""Reports over the running platform: fed by real events, scoped by role and area, suppressed when published."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth, household, idem

ALGERIA = timezone(timedelta(hours=1))
MIN_CELL = 5


def this_quarter() -> str:
    now = datetime.now(UTC).astimezone(ALGERIA)
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


def last_quarter() -> str:
    now = datetime.now(UTC).astimezone(ALGERIA)
    quarter = (now.month - 1) // 3 + 1
    return f"{now.year - 1}-Q4" if quarter == 1 else f"{now.year}-Q{quarter - 1}"


def registered(report: dict[str, Any]) -> int:
    figures = report["content"]["sections"]["households"]["figures"]
    return sum(f["count"] for f in figures if f["measure"] == "households_registered")


async def report_of(gateway: httpx.AsyncClient, user: str, period: str, **params: Any) -> httpx.Response:
    return await gateway.get(f"/v1/reports/periods/{period}", params=params, headers=auth(user))


async def test_registrations_reach_the_cells_quarterly_report_and_its_wilaya(gateway: httpx.AsyncClient) -> None:
    async def counts() -> tuple[int, int]:
        cell = await report_of(gateway, "coordinator.1601", this_quarter())
        wilaya = await report_of(gateway, "director.16", this_quarter())
        assert cell.status_code == wilaya.status_code == 200
        return registered(cell.json()), registered(wilaya.json())

    before = await counts()
    response = await gateway.post(
        "/v1/households", json=household("/DZ/16/1601"), headers=auth("worker.1601", **idem())
    )
    assert response.status_code == 201
    deadline = time.monotonic() + 15
    # at least one more: other suites' registrations in 1601 may still be reaching reporting meanwhile
    while not ((now := await counts())[0] > before[0] and now[1] > before[1]):
        assert time.monotonic() < deadline, f"still {now}, wanted more than {before}"
        await asyncio.sleep(0.2)
    body = (await report_of(gateway, "coordinator.1601", this_quarter())).json()
    assert body["status"] == "provisional" and body["as_of"] is not None
    assert body["content"]["sections"]["visits"] == {"available": False, "figures": None}
    wilaya = (await report_of(gateway, "director.16", this_quarter())).json()
    assert "/DZ/16/1601" in {row["area"] for row in wilaya["consolidation"]}


async def test_a_registration_is_counted_under_its_members_vulnerable_categories(gateway: httpx.AsyncClient) -> None:
    async def elderly() -> int:
        response = await report_of(gateway, "coordinator.1601", this_quarter())
        figures = response.json()["content"]["sections"]["households"]["figures"]
        return sum(
            f["count"]
            for f in figures
            if f["measure"] == "households_registered_by_category" and f["category"] == "elderly"
        )

    before = await elderly()
    sent = household("/DZ/16/1601", given="Ahmed", family="Zerrouki")
    sent["members"][0] |= {
        "birth_date": "1950-02-01",
        "birth_year": 1950,
        "categories": [{"category": "elderly", "valid_from": "2020-01-01"}],
    }
    response = await gateway.post("/v1/households", json=sent, headers=auth("worker.1601", **idem()))
    assert response.status_code == 201, response.text
    deadline = time.monotonic() + 15
    while (now := await elderly()) != before + 1:
        assert time.monotonic() < deadline, f"still {now}, wanted {before + 1}"
        await asyncio.sleep(0.2)


@pytest.mark.parametrize(
    ("user", "area", "status"),
    [
        ("national.officer", "/DZ/16/1601", 200),
        ("director.16", "/DZ/16/1601", 200),
        ("director.31", "/DZ/16/1601", 404),
        ("director.31", "/DZ/16", 404),
        ("coordinator.1601", "/DZ/16/1602", 404),
        ("coordinator.1601", "/DZ/16", 404),
        ("worker.1601", "/DZ/16/1601", 200),
        ("auditor.demo", "/DZ/16", 200),
        ("donor.demo", "/DZ/16", 403),
    ],
)
async def test_who_reads_which_report(gateway: httpx.AsyncClient, user: str, area: str, status: int) -> None:
    response = await report_of(gateway, user, this_quarter(), area=area)
    assert response.status_code == status, response.text
    exported = await gateway.get(
        f"/v1/reports/periods/{this_quarter()}/export", params={"area": area}, headers=auth(user)
    )
    assert exported.status_code == (200 if user == "donor.demo" else status), exported.text


async def test_bad_periods_and_finals_answer_stable_codes(gateway: httpx.AsyncClient) -> None:
    for period in ("2026-Q5", "Q1", "2999-Q1"):
        response = await report_of(gateway, "director.31", period)
        assert response.status_code == 422 and response.json()["details"]["code"] == "unknown_period", response.text
    never = await report_of(gateway, "director.31", "2025-Q1", final="true")
    assert never.status_code == 409 and never.json()["details"]["code"] == "period_not_closed"
    running = await gateway.post(
        f"/v1/reports/periods/{this_quarter()}/close", json={}, headers=auth("coordinator.1601", **idem())
    )
    assert running.status_code == 409 and running.json()["details"]["code"] == "period_not_over"
    worker = await gateway.post(
        f"/v1/reports/periods/{last_quarter()}/close", json={}, headers=auth("worker.1601", **idem())
    )
    assert worker.status_code == 403
    other = await gateway.post(
        f"/v1/reports/periods/{last_quarter()}/close", json={"area": "/DZ/16"}, headers=auth("director.31", **idem())
    )
    assert other.status_code == 404
    rebuild = await gateway.post("/v1/reports/rebuild", headers=auth("director.16"))
    assert rebuild.status_code == 403


async def test_a_closed_quarter_is_frozen_with_its_hash_and_read_as_final(gateway: httpx.AsyncClient) -> None:
    quarter = last_quarter()
    plan = await gateway.put(
        f"/v1/reports/periods/{quarter}/action-plan",
        json={"text": '=HYPERLINK("http://evil.example","plan")'},
        headers=auth("coordinator.1601", **idem()),
    )
    assert plan.status_code == 200, plan.text
    closed = await gateway.post(
        f"/v1/reports/periods/{quarter}/close", json={}, headers=auth("coordinator.1601", **idem())
    )
    # the first run closes it; later runs find nothing to correct (the same plan, the same figures)
    assert closed.status_code == 201 or closed.json()["details"]["code"] == "nothing_to_correct", closed.text
    final = await report_of(gateway, "coordinator.1601", quarter, final="true")
    assert final.status_code == 200
    body = final.json()
    assert body["status"] == "final" and len(body["version"]["content_hash"]) == 64
    assert body["content"]["action_plan"]["text"].startswith("=HYPERLINK")
    versions = await gateway.get(
        f"/v1/reports/periods/{quarter}/versions", headers=auth("director.16"), params={"area": "/DZ/16/1601"}
    )
    assert versions.status_code == 200 and versions.json()[-1]["version"] == body["version"]["version"]
    exported = await gateway.get(f"/v1/reports/periods/{quarter}/export", headers=auth("coordinator.1601"))
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[-1]["action_plan"].startswith("'=HYPERLINK")  # neutralised for spreadsheets


async def test_donors_see_only_suppressed_figures(gateway: httpx.AsyncClient) -> None:
    for area in ("/DZ", "/DZ/16"):
        response = await gateway.get(
            f"/v1/reports/periods/{this_quarter()}/public", params={"area": area}, headers=auth("donor.demo")
        )
        assert response.status_code == 200, response.text
        published = response.json()
        assert published["suppressed"] is True
        for measure, total in published["total"].items():
            shown = [row[measure] for row in published["rows"]]
            assert not any(value is not None and 0 < value < MIN_CELL for value in [*shown, total])
            if total is not None:  # one hidden cell alone would be the total minus the others
                assert sum(value is None for value in shown) != 1, (measure, shown, total)
    exported = await gateway.get(
        f"/v1/reports/periods/{this_quarter()}/export",
        params={"area": "/DZ/16", "format": "xlsx"},
        headers=auth("donor.demo"),
    )
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].endswith('-public.xlsx"')
