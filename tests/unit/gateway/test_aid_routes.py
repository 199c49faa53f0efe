"""Aid routes: each step to its RPC with the key, the letter as PDF, the operator's CSV as text."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from common.errors import InvalidTransition
from tests.unit.gateway.conftest import FakeRpc, Keys, bearer, claims

REQUEST_ID = "66b0c2f1e4a1b2c3d4e5f601"
STORED: dict[str, Any] = {
    "id": REQUEST_ID,
    "household_id": "66b0c2f1e4a1b2c3d4e5f602",
    "area": "/DZ/16/1601",
    "programme": "afs",
    "need": "income_support",
    "benefit_type": "cash",
    "state": "approved",
    "urgent": False,
    "channel": "walk_in",
    "reason": "Perte d'emploi",
    "received_by": "agent",
    "received_at": "2026-03-01T10:00:00+00:00",
    "allowed_steps": ["schedule_payment", "deliver", "cancel", "withdraw"],
    "history": [],
    "updated_at": "2026-03-01T10:00:00+00:00",
    "idempotency_key": "internal",
}


def headers(keys: Keys, key: str | None = "idem-key-0001", **extra: str) -> dict[str, str]:
    h = {**bearer(keys.sign(claims(roles=("cell-coordinator",)))), **extra}
    if key:
        h["Idempotency-Key"] = key
    return h


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        ("diagnosis", "diagnose_aid_request", {"notes": "Visite faite"}),
        ("eligibility-check", "check_aid_eligibility", None),
        ("proposal", "propose_aid_decision", {"decision": "refuse", "motive": "Revenu suffisant"}),
        ("approval", "approve_aid_request", {"motive": "Dossier vu"}),
        (
            "follow-up-visit",
            "record_follow_up_visit",
            {"visited_on": "2026-04-01", "situation": "stable", "notes": "RAS"},
        ),
        ("regularisation", "regularise_urgent_aid", {"decision": "confirm", "motive": "Justifiée"}),
    ],
)
async def test_each_step_goes_to_its_rpc_with_the_key(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, path: str, method: str, body: dict[str, Any] | None
) -> None:
    rpc.answers[f"assistance.{method}"] = STORED
    response = await client.post(f"/v1/aid-requests/{REQUEST_ID}/{path}", json=body, headers=headers(keys))
    assert response.status_code == 200, response.text
    assert "idempotency_key" not in response.json()
    service, called, args, _ = rpc.calls[0]
    assert (service, called, args[0], args[-1]) == ("assistance", method, REQUEST_ID, "idem-key-0001")
    if body is not None:
        assert {k: v for k, v in args[1].items() if v is not None} == body


async def test_a_step_needs_an_idempotency_key(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    response = await client.post(
        f"/v1/aid-requests/{REQUEST_ID}/approval", json={"motive": "vu"}, headers=headers(keys, None)
    )
    assert response.status_code == 422 and rpc.calls == []


async def test_an_invalid_transition_is_409_with_the_allowed_steps(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc
) -> None:
    rpc.answers["assistance.approve_aid_request"] = InvalidTransition(
        "no", {"state": "received", "allowed": ["diagnose", "cancel", "withdraw"]}
    )
    response = await client.post(
        f"/v1/aid-requests/{REQUEST_ID}/approval", json={"motive": "Dossier vu"}, headers=headers(keys)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["details"]["allowed"] == ["diagnose", "cancel", "withdraw"]


async def test_the_letter_is_a_pdf(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["assistance.decision_letter"] = lambda request_id, lang: {
        "filename": f"decision-{request_id}-{lang}.pdf",
        "content_type": "application/pdf",
        "pdf_base64": base64.b64encode(b"%PDF-1.7 fake").decode(),
    }
    response = await client.get(f"/v1/aid-requests/{REQUEST_ID}/letter", params={"lang": "ar"}, headers=headers(keys))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content == b"%PDF-1.7 fake" and f"-{'ar'}.pdf" in response.headers["content-disposition"]
    wrong = await client.get(f"/v1/aid-requests/{REQUEST_ID}/letter", params={"lang": "en"}, headers=headers(keys))
    assert wrong.status_code == 422


async def test_reconciliation_takes_csv_text(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    report = {"id": "k", "rows": 1, "paid": 1, "failed": 0, "unchanged": 0, "unknown_references": [], "problems": []}
    rpc.answers["assistance.reconcile_payments"] = report
    csv = "reference,status,paid_at\nr-1,paid,2026-03-05\n"
    response = await client.post(
        "/v1/payment-reconciliations", content=csv.encode(), headers=headers(keys, **{"Content-Type": "text/csv"})
    )
    assert response.status_code == 200, response.text
    assert rpc.calls[0][2] == (csv, "idem-key-0001")
    as_json = await client.post("/v1/payment-reconciliations", json={"csv": csv}, headers=headers(keys))
    assert as_json.status_code == 415


async def test_list_passes_only_given_filters(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["assistance.list_aid_requests"] = {"items": [STORED], "next_cursor": None}
    response = await client.get("/v1/aid-requests", params={"state": "approved"}, headers=headers(keys, None))
    assert response.status_code == 200, response.text
    assert rpc.calls[0][2] == ({"state": "approved", "limit": 50},)
    bad = await client.get("/v1/aid-requests", params={"state": "lost"}, headers=headers(keys, None))
    assert bad.status_code == 422
