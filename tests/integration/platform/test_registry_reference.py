"""Areas reference data and personal data protection, over the running platform."""

from __future__ import annotations

import httpx
from pymongo import MongoClient

from tests.integration.platform.conftest import auth, household, idem


async def test_the_58_wilayas_and_their_communes(gateway: httpx.AsyncClient) -> None:
    wilayas = (await gateway.get("/v1/areas", headers=auth("worker.1601"))).json()
    assert len(wilayas) == 58 and wilayas[15]["path"] == "/DZ/16" and wilayas[15]["name_ar"] == "الجزائر"
    communes = (await gateway.get("/v1/areas", params={"parent": "/DZ/16"}, headers=auth("donor.demo"))).json()
    assert {"/DZ/16/1601", "/DZ/16/1602"} <= {c["path"] for c in communes}
    bad = await gateway.get("/v1/areas", params={"parent": "Alger"}, headers=auth("worker.1601"))
    assert bad.status_code == 422


async def test_communes_csv_import_reports_bad_rows(gateway: httpx.AsyncClient) -> None:
    csv_text = "code;wilaya_code;name_fr;name_ar\n4701;47;Ghardaïa;غرداية\n4799;31;Nulle part;لا مكان\n"
    headers = {**auth("national.officer"), "Content-Type": "text/csv"}
    response = await gateway.post("/v1/areas/communes", content=csv_text.encode(), headers=headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["imported"] == 1 and [e["line"] for e in report["errors"]] == [3]
    denied = await gateway.post(
        "/v1/areas/communes", content=csv_text.encode(), headers={**auth("director.16"), "Content-Type": "text/csv"}
    )
    assert denied.status_code == 403


async def test_national_id_is_never_stored_or_returned_in_clear(gateway: httpx.AsyncClient) -> None:
    nin = "119990123456789012"
    body = household("/DZ/16/1601")
    body["members"][0] |= {"national_id": nin, "phone": "0661 23 45 67"}
    created = await gateway.post("/v1/households", json=body, headers=auth("worker.1601", **idem()))
    assert created.status_code == 201, created.text
    head = created.json()["members"][0]
    assert nin not in created.text and head["national_id_masked"].endswith("9012")
    assert head["phone"] == "+213661234567"
    stored = MongoClient("mongodb://127.0.0.1:27017/")["solidarity_registry"]["households"].find_one(
        {"household_ref": None, "members.national_id_masked": head["national_id_masked"]}
    )
    assert stored is not None and nin not in repr(stored)
    read = await gateway.get(f"/v1/households/{created.json()['id']}", headers=auth("worker.1601"))
    assert nin not in read.text and "national_id_enc" not in read.text
