"""The public receipt check page: no login, bilingual, says only what the service's check says, rate-limited."""

from __future__ import annotations

import httpx

from common.errors import ServiceUnavailable
from gateway.api.routes import receipt_check
from tests.unit.gateway.conftest import FakeRpc

NUMBER = "DAS-16/2026/000123"
CODE = "7K2QD-M9XFA"
VALID = {"found": True, "state": "valid", "number": NUMBER, "issued_on": "2026-12-06", "issuer": "DAS-16",
         "amount": "15000.50", "amount_minor": 1500050, "currency": "DZD", "donor": None}  # fmt: skip


async def test_a_valid_receipt_shows_its_facts_in_both_languages_without_login(
    client: httpx.AsyncClient, rpc: FakeRpc
) -> None:
    rpc.answers["solidarity.verify_receipt"] = VALID
    page = await client.get(receipt_check.PAGE_PATH, params={"number": NUMBER, "code": CODE})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for shown in ("Reçu valide", "وصل صالح", NUMBER, "06/12/2026", "15\u00a0000,50 DA", "15\u00a0000,50 دج",
                  "wilaya 16", "لولاية 16"):  # fmt: skip
        assert shown in html
    assert "Donateur" not in html and "المتبرع" not in html  # the donor did not allow their name
    assert rpc.calls == [("solidarity", "verify_receipt", (NUMBER, CODE), None)]  # no caller: public


async def test_the_donor_is_named_only_when_the_check_names_them(client: httpx.AsyncClient, rpc: FakeRpc) -> None:
    rpc.answers["solidarity.verify_receipt"] = {**VALID, "donor": "Samir <b>Haddad</b>"}
    html = (await client.get(receipt_check.PAGE_PATH, params={"number": NUMBER, "code": CODE})).text
    assert "Samir &lt;b&gt;Haddad&lt;/b&gt;" in html and "<b>Haddad" not in html  # escaped


async def test_a_cancelled_receipt_says_so(client: httpx.AsyncClient, rpc: FakeRpc) -> None:
    rpc.answers["solidarity.verify_receipt"] = {**VALID, "state": "cancelled"}
    page = await client.get(receipt_check.PAGE_PATH, params={"number": NUMBER, "code": CODE})
    assert page.status_code == 200
    assert "ANNULÉ" in page.text and "وصل ملغى" in page.text and "Reçu valide" not in page.text


async def test_an_unknown_number_and_a_wrong_code_answer_the_same(client: httpx.AsyncClient, rpc: FakeRpc) -> None:
    rpc.answers["solidarity.verify_receipt"] = {"found": False}
    wrong = await client.get(receipt_check.PAGE_PATH, params={"number": NUMBER, "code": "AAAAA-AAAAA"})
    unknown = await client.get(receipt_check.PAGE_PATH, params={"number": "DAS-16/2026/999999", "code": CODE})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.text == unknown.text
    assert "Aucun reçu ne correspond" in wrong.text and NUMBER not in wrong.text
    as_json = await client.get(receipt_check.JSON_PATH, params={"number": NUMBER, "code": "AAAAA-AAAAA"})
    assert (as_json.status_code, as_json.json()) == (404, {"found": False})


async def test_without_a_number_the_page_is_the_form(client: httpx.AsyncClient, rpc: FakeRpc) -> None:
    page = await client.get(receipt_check.PAGE_PATH)
    assert page.status_code == 200 and '<form method="get"' in page.text
    assert rpc.calls == []


async def test_the_json_form_says_the_same(client: httpx.AsyncClient, rpc: FakeRpc) -> None:
    rpc.answers["solidarity.verify_receipt"] = VALID
    answer = await client.get(receipt_check.JSON_PATH, params={"number": NUMBER, "code": CODE})
    assert answer.status_code == 200 and answer.json() == VALID


async def test_checks_are_rate_limited_per_address(client: httpx.AsyncClient, rpc: FakeRpc) -> None:
    rpc.answers["solidarity.verify_receipt"] = {"found": False}
    budget = int(receipt_check.CHECKS_PER_ADDRESS.split("/")[0])
    statuses = [
        (await client.get(receipt_check.PAGE_PATH, params={"number": NUMBER, "code": str(i)})).status_code
        for i in range(budget + 1)
    ]
    assert statuses == [404] * budget + [429]
    assert len(rpc.calls) == budget  # the one over budget never reached the service


async def test_a_service_outage_is_503_not_a_verdict(client: httpx.AsyncClient, rpc: FakeRpc) -> None:
    rpc.answers["solidarity.verify_receipt"] = ServiceUnavailable("the solidarity service is unavailable")
    page = await client.get(receipt_check.PAGE_PATH, params={"number": NUMBER, "code": CODE})
    assert page.status_code == 503
