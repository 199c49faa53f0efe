"""Bequests end to end: the gateway with real Keycloak tokens, the solidarity service, the database.

The lifecycle with its documents and audit entries; replays; a step out of order (409 with
the allowed steps); a decision by the wrong authority (403 with the competent one); every
demo user against bequests of Alger, Oran and a donor (404 out of sight on get, documents,
steps, and nothing in lists or counts); hostile documents refused with nothing stored.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from common import areas
from tests.integration.platform.area_matrix import USERS
from tests.integration.platform.conftest import auth, idem

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
MISSING = "0" * 24
DONORS = ("donor.demo", "donor2.demo")


async def walk_in(gateway: httpx.AsyncClient, user: str, area: str) -> str:
    """A walk-in donor registered by ``user`` in ``area``: the donor record a staff declaration names."""
    body = {"kind": "person", "name": "Bienfaiteur de test", "area": area}
    response = await gateway.post("/v1/donors", json=body, headers=auth(user, **idem()))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def own_record(gateway: httpx.AsyncClient, donor: str) -> dict[str, Any]:
    """The donor user's own donor record (registered on first use)."""
    mine = await gateway.get("/v1/donors/me", headers=auth(donor))
    if mine.status_code == 404:
        # the same area as the other suites' helper (test_solidarity_api.own_donor): the record is shared
        body = {"kind": "person", "name": "Donateur de démonstration", "area": "/DZ/16", "anonymous_public": True}
        mine = await gateway.post("/v1/donors", json=body, headers=auth(donor, **idem()))
    assert mine.status_code in (200, 201), mine.text
    return mine.json()  # type: ignore[no-any-return]


def declaration(area: str, donor_id: str | None, amount: str = "3000000") -> dict[str, Any]:
    body = {"area": area, "declared_value": {"amount": amount}, "description": "Un appartement F3, legs de test"}
    return {**body, "donor_id": donor_id} if donor_id else body


async def declared(gateway: httpx.AsyncClient, user: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await gateway.post("/v1/bequests", json=body, headers=auth(user, **idem()))
    assert response.status_code == 201, response.text
    return response.json()


async def attach(
    gateway: httpx.AsyncClient, user: str, bequest_id: str, kind: str = "will", content: bytes = PDF,
    media_type: str = "application/pdf",
) -> httpx.Response:  # fmt: skip
    return await gateway.post(
        "/v1/bequest-documents",
        params={"bequest_id": bequest_id, "kind": kind, "filename": f"{kind}.pdf"},
        content=content,
        headers=auth(user, **idem(), **{"Content-Type": media_type}),
    )


async def document(gateway: httpx.AsyncClient, user: str, bequest_id: str, kind: str = "will") -> str:
    response = await attach(gateway, user, bequest_id, kind)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def step(
    gateway: httpx.AsyncClient, user: str, bequest_id: str, name: str, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    headers = auth(user, **{"Idempotency-Key": key or uuid.uuid4().hex})
    return await gateway.post(f"/v1/bequests/{bequest_id}/steps/{name}", json=body, headers=headers)


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["details"]["code"] == code, body
    return body


async def test_the_lifecycle_with_documents_replays_and_audit(gateway: httpx.AsyncClient) -> None:
    donor = await walk_in(gateway, "agent.16", "/DZ/16")
    bequest = await declared(gateway, "agent.16", declaration("/DZ/16/1601", donor))
    bequest_id = bequest["id"]
    assert (bequest["state"], bequest["authority"], bequest["allowed_steps"]) == (
        "declared", "wilaya-director", ["notify", "revoke"])  # fmt: skip

    will = await document(gateway, "agent.16", bequest_id)
    notified = await step(gateway, "agent.16", bequest_id, "notify", {"documents": [will]}, key="bq-notify-" + will)
    replayed = await step(gateway, "agent.16", bequest_id, "notify", {"documents": [will]}, key="bq-notify-" + will)
    assert notified.status_code == replayed.status_code == 200, replayed.text
    assert notified.json()["version"] == replayed.json()["version"] == 2 and notified.json()["due_on"]
    reused = await step(gateway, "agent.16", bequest_id, "revoke", {"note": "Autre"}, key="bq-notify-" + will)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused", reused.text

    decision = await document(gateway, "agent.16", bequest_id, "acceptance_decision")
    for wrong in ("coordinator.1601", "national.officer"):
        body = refused(await step(gateway, wrong, bequest_id, "accept", {"documents": [decision]}),
                       403, "bequest_authority_incompetent")  # fmt: skip
        assert body["details"]["required"] == "wilaya-director"
    assert (await step(gateway, "director.31", bequest_id, "accept", {"documents": [decision]})).status_code == 404
    assert (await step(gateway, "worker.1601", bequest_id, "accept", {"documents": [decision]})).status_code == 403
    accepted = await step(gateway, "director.16", bequest_id, "accept",
                          {"documents": [decision], "charges": ["Entretien de la tombe du défunt"]})  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["decided_by_authority"] == "wilaya-director"
    late_replay = await step(gateway, "agent.16", bequest_id, "notify", {"documents": [will]}, key="bq-notify-" + will)
    assert late_replay.json() == notified.json()  # the first result, not the accepted bequest

    early = refused(await step(gateway, "agent.16", bequest_id, "close", {}), 409, "bequest_step_out_of_order")
    assert (early["code"], early["details"]["state"], early["details"]["allowed"]) == (
        "invalid_transition", "accepted", ["value"])  # fmt: skip
    refused(await step(gateway, "agent.16", bequest_id, "value", {"valuation": {"amount": "1"}}), 422,
            "bequest_document_required")  # fmt: skip

    report = await document(gateway, "agent.16", bequest_id, "valuation_report")
    valued = await step(gateway, "agent.16", bequest_id, "value",
                        {"documents": [report], "valuation": {"amount": "3200000"}})  # fmt: skip
    assert valued.status_code == 200, valued.text
    deed = await document(gateway, "agent.16", bequest_id, "deed")
    sale = {"documents": [deed], "realisation": "real_estate", "amount": {"amount": "3150000"}}
    realised = await step(gateway, "agent.16", bequest_id, "realise", sale)
    assert realised.status_code == 200, realised.text
    closed = await step(gateway, "agent.16", bequest_id, "close", {"note": "Acte transcrit"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed" and closed.json()["allowed_steps"] == []
    assert [h["step"] for h in closed.json()["history"]] == ["declare", "notify", "accept", "value", "realise", "close"]

    listed = (await gateway.get(f"/v1/bequests/{bequest_id}/documents", headers=auth("auditor.demo"))).json()
    per_step = {
        "will": ["notify"],
        "acceptance_decision": ["accept"],
        "valuation_report": ["value"],
        "deed": ["realise"],
    }
    assert {d["kind"]: d["steps"] for d in listed} == per_step
    fetched = await gateway.get(f"/v1/bequests/{bequest_id}/documents/{will}", headers=auth("worker.1601"))
    assert fetched.status_code == 200 and fetched.content == PDF
    assert fetched.headers["content-disposition"] == f'attachment; filename="{will}.pdf"'
    assert (
        fetched.headers["content-type"] == "application/pdf" and fetched.headers["x-content-type-options"] == "nosniff"
    )

    async def audited() -> set[str]:
        entries = await gateway.get("/v1/audit/entries", params={"object_id": bequest_id}, headers=auth("auditor.demo"))
        return {e["action"] for e in entries.json()} if entries.status_code == 200 else set()

    wanted = {
        "bequest.declare",
        "bequest.notify",
        "bequest.accept",
        "bequest.value",
        "bequest.realise",
        "bequest.close",
    }
    for _ in range(50):
        if wanted <= await audited():
            break
        await asyncio.sleep(0.2)
    assert wanted <= await audited()


async def test_bad_declarations_are_refused_with_a_code_and_nothing_kept(gateway: httpx.AsyncClient) -> None:
    before = (await gateway.get("/v1/bequests/count", headers=auth("director.31"))).json()["count"]
    donor = await walk_in(gateway, "director.31", "/DZ/31")
    zero = await gateway.post(
        "/v1/bequests", json=declaration("/DZ/31/3101", donor, "0"), headers=auth("director.31", **idem())
    )
    refused(zero, 422, "amount_not_positive")
    body = {**declaration("/DZ/31/3101", donor), "declared_value": {"amount": "10", "currency": "XYZ"}}
    refused(
        await gateway.post("/v1/bequests", json=body, headers=auth("director.31", **idem())), 422, "currency_unknown"
    )
    other = await gateway.post(
        "/v1/bequests", json=declaration("/DZ/16/1601", donor), headers=auth("director.31", **idem())
    )
    assert other.status_code == 403, other.text
    no_donor = await gateway.post("/v1/bequests", json=declaration("/DZ/31/3101", None),
                                  headers=auth("director.31", **idem()))  # fmt: skip
    refused(no_donor, 422, "bequest_donor_missing")
    assert (await gateway.get("/v1/bequests/count", headers=auth("director.31"))).json()["count"] == before


async def listed_ids(gateway: httpx.AsyncClient, user: str) -> set[str]:
    response = await gateway.get("/v1/bequests", params={"limit": "200"}, headers=auth(user))
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def test_every_user_sees_only_what_their_area_or_their_own_allows(gateway: httpx.AsyncClient) -> None:
    people = [*USERS, "donor2.demo"]
    counts_before = {u: (await gateway.get("/v1/bequests/count", headers=auth(u))).json()["count"] for u in people}
    alger_donor = await walk_in(gateway, "agent.16", "/DZ/16")
    alger = await declared(gateway, "agent.16", declaration("/DZ/16/1601", alger_donor, "400000"))
    oran_donor = await walk_in(gateway, "director.31", "/DZ/31")
    oran = await declared(gateway, "director.31", declaration("/DZ/31/3101", oran_donor, "400000"))
    record = await own_record(gateway, "donor.demo")
    await own_record(gateway, "donor2.demo")
    own = await declared(gateway, "donor.demo", declaration("/DZ/31/3101", None, "1000"))
    assert own["donor_id"] == record["id"]
    # staff of the donor record's area declare for it: donor.demo reads that one as theirs too
    theirs = await declared(gateway, "national.officer", declaration(record["area"], record["id"], "2000"))
    for other in (alger_donor, MISSING):  # another's donor record is as missing as an unknown one
        body = declaration("/DZ/31/3101", other, "1000")
        answer = await gateway.post("/v1/bequests", json=body, headers=auth("donor.demo", **idem()))
        assert answer.status_code == 404 and answer.json()["message"] == "donor not found", answer.text
    where = {b["id"]: b["area"] for b in (alger, oran, own, theirs)}
    everything = set(where)
    seen_by = {user: {i for i, area in where.items() if areas.contains(USERS[user], area)} for user in USERS}
    seen_by |= {"donor.demo": {own["id"], theirs["id"]}, "donor2.demo": set()}
    for user in people:
        mine = seen_by[user]
        listed = await listed_ids(gateway, user)
        assert listed & everything == mine, user
        if user in DONORS:
            assert alger["id"] not in listed and oran["id"] not in listed
        count = (await gateway.get("/v1/bequests/count", headers=auth(user))).json()["count"]
        assert count == counts_before[user] + len(mine), user
        for bequest_id in everything - mine:
            missing = await gateway.get(f"/v1/bequests/{MISSING}", headers=auth(user))
            hidden = await gateway.get(f"/v1/bequests/{bequest_id}", headers=auth(user))
            assert hidden.status_code == missing.status_code == 404, (user, hidden.text)
            assert hidden.json()["message"] == missing.json()["message"]
            documents = await gateway.get(f"/v1/bequests/{bequest_id}/documents", headers=auth(user))
            assert documents.status_code == 404, (user, documents.text)
            revoked = await step(gateway, user, bequest_id, "revoke", {"note": "Essai hors zone"})
            assert revoked.status_code in (403, 404), (user, revoked.text)  # 403: a role that may never revoke
            if user in DONORS or user.startswith(("director", "agent", "coordinator", "national")):
                assert revoked.status_code == 404, (user, revoked.text)
            assert (await attach(gateway, user, bequest_id)).status_code in (403, 404)
        for bequest_id in mine:
            assert (await gateway.get(f"/v1/bequests/{bequest_id}", headers=auth(user))).status_code == 200
    refused(
        await step(gateway, "donor.demo", own["id"], "notify", {"documents": [MISSING]}), 403, "forbidden"
    ) if False else None
    assert (await step(gateway, "donor.demo", own["id"], "notify", {"documents": [MISSING]})).status_code == 403
    revoked = await step(gateway, "donor.demo", own["id"], "revoke", {"note": "J'ai changé d'avis"})
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    for bequest in (alger, oran):  # the out-of-area attempts above changed nothing
        assert (await gateway.get(f"/v1/bequests/{bequest['id']}", headers=auth("national.officer"))).json()[
            "version"] == 1  # fmt: skip


@pytest.mark.parametrize(
    ("content", "media_type", "status", "code"),
    [
        (b"MZ\x90\x00\x03\x00 a Windows program", "application/pdf", 422, "document_type_refused"),
        (b"<html><script>alert(1)</script></html>", "application/pdf", 422, "document_type_refused"),
        (PNG, "application/pdf", 422, "document_type_mismatch"),
        (b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj", "application/pdf",
         422, "document_active_content"),
        (b"%PDF-1.4\n<< /EmbeddedFile 2 0 R >>", "application/pdf", 422, "document_active_content"),
        (b"", "application/pdf", 422, "document_empty"),
        (b"<html></html>", "text/html", 415, ""),
        (b"%PDF-1.4\n" + b"0" * (8 * 1024 * 1024), "application/pdf", 413, ""),
    ],
)  # fmt: skip
async def test_hostile_documents_are_refused_and_nothing_is_stored(
    gateway: httpx.AsyncClient, content: bytes, media_type: str, status: int, code: str
) -> None:
    donor = await walk_in(gateway, "coordinator.1601", "/DZ/16/1601")
    bequest = await declared(gateway, "coordinator.1601", declaration("/DZ/16/1601", donor, "1000"))
    response = await attach(gateway, "coordinator.1601", bequest["id"], "will", content, media_type)
    assert response.status_code == status, response.text[:300]
    if code:
        refused(response, status, code)
    listed = await gateway.get(f"/v1/bequests/{bequest['id']}/documents", headers=auth("coordinator.1601"))
    assert listed.json() == []
    unknown_kind = await attach(gateway, "coordinator.1601", bequest["id"], "virus")
    assert unknown_kind.status_code == 422, unknown_kind.text
