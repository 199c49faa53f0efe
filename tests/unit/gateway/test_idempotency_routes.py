"""Keyed routes: the client's key reaches the service as sent, a reused key answers 409 ``idempotency_key_reused``.

The key is scoped to its caller and fingerprinted in the services (``common.idempotency``);
the gateway's part is to require it on every write that takes one, pass it on, and map
the services' refusal. The table must name every route of the OpenAPI taking the header.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from common.errors import IdempotencyKeyReused, error_from_remote
from tests.unit.gateway.conftest import FakeRpc, Keys, bearer, claims
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER

KEY = "demo-seed-v1-1601-001"
OID = "66b0c2f1e4a1b2c3d4e5f601"
MOTIVE = {"motive": "Dossier vu"}
HOUSEHOLD = {
    "area": "/DZ/16/1601",
    "address": "Cité des 1200 logements",
    "members": [{"given_name_lat": "Yacine", "family_name_lat": "Belkacem", "sex": "M", "relationship": "head"}],
}

# (method, path template, rpc method, body); a str body is sent as CSV, bytes as a PDF document of a bequest.
ROUTES: list[tuple[str, str, str, Any]] = [
    ("POST", "/v1/households", "registry.register_household", HOUSEHOLD),
    (
        "PUT",
        "/v1/households/{household_id}/assessment",
        "registry.assess_household",
        {**HOMELESS_ELDER, "assessed_at": HOMELESS_ELDER["assessed_at"].isoformat()},
    ),
    (
        "POST",
        "/v1/signals",
        "veille.report_signal",
        {"kind": "isolated_elderly", "area": "/DZ/16/1601", "description": "Seul", "severity": 2},
    ),
    (
        "POST",
        "/v1/campaigns",
        "solidarity.create_campaign",
        {
            "kind": "winter",
            "name_fr": "Hiver",
            "name_ar": "شتاء",
            "area": "/DZ/16",
            "starts_on": "2026-12-01",
            "ends_on": "2027-02-28",
        },
    ),
    ("POST", "/v1/campaigns/{campaign_id}/state", "solidarity.move_campaign", {"to": "open"}),
    ("POST", "/v1/donors", "solidarity.register_donor", {"kind": "person", "name": "Samir Haddad", "area": "/DZ/16"}),
    ("PUT", "/v1/donors/{donor_id}/consent", "solidarity.set_donor_consent", {"consent_channels": ["sms"]}),
    (
        "POST",
        "/v1/gifts",
        "solidarity.record_gift",
        {"donor_id": OID, "cash": {"amount": "1500", "currency": "DZD", "channel": "counter"}},
    ),
    ("POST", "/v1/gifts/{gift_id}/cancellation", "solidarity.withdraw_gift", {"reason": "Saisie en double"}),
    ("POST", "/v1/gifts/{gift_id}/refund", "solidarity.withdraw_gift", {"reason": "Chèque rejeté"}),
    (
        "POST",
        "/v1/pledges",
        "solidarity.create_pledge",
        {"donor_id": OID, "total": {"amount": "1000"}, "monthly": 2, "first_due": "2026-12-01"},
    ),
    ("POST", "/v1/pledges/{pledge_id}/payments", "solidarity.pay_pledge", {"amount": "500", "channel": "counter"}),
    ("POST", "/v1/pledges/{pledge_id}/cancellation", "solidarity.cancel_pledge", {"reason": "Le donateur renonce"}),
    ("POST", "/v1/statements", "solidarity.import_statement", "date,amount,reference\n2026-12-01,500,PLG-1\n"),
    (
        "POST",
        "/v1/aid-requests",
        "assistance.create_aid_request",
        {"household_id": OID, "area": "/DZ/16/1601", "programme": "afs", "channel": "walk_in", "reason": "Sans revenu"},
    ),
    (
        "POST",
        "/v1/aid-requests/{aid_request_id}/diagnosis",
        "assistance.diagnose_aid_request",
        {"notes": "Visite faite"},
    ),
    ("POST", "/v1/aid-requests/{aid_request_id}/eligibility-check", "assistance.check_aid_eligibility", None),
    (
        "POST",
        "/v1/aid-requests/{aid_request_id}/proposal",
        "assistance.propose_aid_decision",
        {"decision": "refuse", "motive": "Revenu suffisant"},
    ),
    ("POST", "/v1/aid-requests/{aid_request_id}/approval", "assistance.approve_aid_request", MOTIVE),
    ("POST", "/v1/aid-requests/{aid_request_id}/rejection", "assistance.reject_aid_request", MOTIVE),
    ("POST", "/v1/aid-requests/{aid_request_id}/cancellation", "assistance.cancel_aid_request", MOTIVE),
    ("POST", "/v1/aid-requests/{aid_request_id}/withdrawal", "assistance.withdraw_aid_request", MOTIVE),
    (
        "POST",
        "/v1/aid-requests/{aid_request_id}/delivery",
        "assistance.record_aid_delivery",
        {"delivered_on": "2026-04-01"},
    ),
    (
        "POST",
        "/v1/aid-requests/{aid_request_id}/follow-up-visit",
        "assistance.record_follow_up_visit",
        {"visited_on": "2026-04-01", "situation": "stable", "notes": "RAS"},
    ),
    ("POST", "/v1/aid-requests/{aid_request_id}/closure", "assistance.close_aid_request", MOTIVE),
    (
        "POST",
        "/v1/aid-requests/{aid_request_id}/regularisation",
        "assistance.regularise_urgent_aid",
        {"decision": "confirm", "motive": "Justifiée"},
    ),
    (
        "POST",
        "/v1/urgent-aid",
        "assistance.grant_urgent_aid",
        {"household_id": OID, "area": "/DZ/16/1601", "amount_dzd": 20000, "reason": "Inondation", "motive": "Sinistre"},
    ),
    ("POST", "/v1/payment-reconciliations", "assistance.reconcile_payments", "reference,status,paid_at\nr-1,failed,\n"),
    (
        "POST",
        "/v1/referrals",
        "assistance.propose_referral",
        {"person_key": f"{OID}:0", "institution": "fpa-16-dely-ibrahim", "reason": "Isolement"},
    ),
    ("POST", "/v1/referrals/{referral_id}/accept", "assistance.advance_referral", {}),
    ("POST", "/v1/referrals/{referral_id}/refuse", "assistance.advance_referral", {"motive": "Complet"}),
    ("POST", "/v1/referrals/{referral_id}/place", "assistance.advance_referral", {"start_date": "2026-04-01"}),
    (
        "POST",
        "/v1/referrals/{referral_id}/end",
        "assistance.advance_referral",
        {"exit_date": "2026-04-02", "motive": "Retour en famille"},
    ),
    ("POST", "/v1/referrals/{referral_id}/withdraw", "assistance.advance_referral", {"motive": "Plus besoin"}),
    ("POST", "/v1/cases", "assistance.open_case", {"household_id": OID, "lead": "lead-1", "goals": ["Soins"]}),
    ("POST", "/v1/cases/{case_id}/close", "assistance.close_case", {"note": "Objectifs atteints"}),
    ("POST", "/v1/cases/{case_id}/visits", "assistance.plan_visit", {"planned_for": "2026-04-01", "purpose": "Visite"}),
    (
        "POST",
        "/v1/cases/{case_id}/visits/{visit_id}/record",
        "assistance.record_visit",
        {"visited_on": "2026-04-01", "outcome": "Rencontre"},
    ),
    ("POST", "/v1/signals/{signal_id}/triage", "veille.triage_signal", {"severity": 3}),
    ("POST", "/v1/signals/{signal_id}/visit-plan", "veille.plan_signal_visit", {"planned_for": "2026-04-01T09:00:00Z"}),
    ("POST", "/v1/signals/{signal_id}/visit", "veille.record_signal_visit", {}),
    ("POST", "/v1/signals/{signal_id}/close", "veille.close_signal", {"outcome": "resolved"}),
    (
        "POST",
        "/v1/emergencies",
        "veille.declare_emergency",
        {
            "title_fr": "Inondations",
            "title_ar": "فيضانات",
            "areas": ["/DZ/16"],
            "ends_at": "2030-01-01T00:00:00Z",
            "caps": {"cap_dzd": 30000},
        },
    ),
    ("POST", "/v1/emergencies/{emergency_id}/end", "veille.end_emergency", None),
    (
        "POST",
        "/v1/bequests",
        "solidarity.declare_bequest",
        {"donor_id": "d-1", "area": "/DZ/16", "declared_value": {"amount": "300000"}, "description": "Un F3"},
    ),
    *(
        ("POST", f"/v1/bequests/{{bequest_id}}/steps/{step}", "solidarity.take_bequest_step", body)
        for step, body in (
            ("notify", {"documents": [OID]}),
            ("accept", {"documents": [OID], "charges": ["Entretien de la tombe"]}),
            ("refuse", {"documents": [OID], "note": "Charges trop lourdes"}),
            ("value", {"documents": [OID], "valuation": {"amount": "320000"}}),
            ("realise", {"documents": [OID], "realisation": "cash", "amount": {"amount": "310000"}}),
            ("close", {}),
            ("revoke", {"note": "Changement d'avis"}),
        )
    ),
    ("POST", "/v1/bequest-documents", "solidarity.attach_bequest_document", b"%PDF-1.4\n%%EOF\n"),
    ("POST", "/v1/gifts/{gift_id}/receipt", "solidarity.issue_receipt", None),
    ("POST", "/v1/receipts/annual", "solidarity.annual_receipt", {"donor_id": OID, "year": 2026}),
    ("POST", "/v1/receipts/{issuer}/{year}/{sequence}/cancel", "solidarity.cancel_receipt", {"reason": "Montant faux"}),
    ("POST", "/v1/receipts/{issuer}/{year}/{sequence}/reissue", "solidarity.reissue_receipt", {"reason": "Nom erroné"}),
    ("POST", "/v1/reports/periods/{period}/close", "reporting.close_report", {}),
    ("PUT", "/v1/reports/periods/{period}/action-plan", "reporting.set_action_plan", {"text": "Visiter les foyers"}),
]


def concrete(path: str) -> str:
    for name in (
        "household_id",
        "aid_request_id",
        "referral_id",
        "case_id",
        "visit_id",
        "bequest_id",
        "signal_id",
        "campaign_id",
        "gift_id",
        "pledge_id",
        "donor_id",
        "emergency_id",
    ):
        path = path.replace("{" + name + "}", OID)
    return path.replace("{issuer}/{year}/{sequence}", "DAS-16/2026/000123").replace("{period}", "2026-Q2")


async def send(client: httpx.AsyncClient, keys: Keys, method: str, path: str, body: Any) -> httpx.Response:
    headers = {**bearer(keys.sign(claims(roles=("wilaya-director",), area="/DZ/16"))), "Idempotency-Key": KEY}
    if isinstance(body, bytes):
        query = f"?bequest_id={OID}&kind=will"
        return await client.request(
            method, concrete(path) + query, content=body, headers={**headers, "Content-Type": "application/pdf"}
        )
    if isinstance(body, str):
        content = body.encode()
        return await client.request(
            method, concrete(path), content=content, headers={**headers, "Content-Type": "text/csv"}
        )
    return await client.request(method, concrete(path), json=body, headers=headers)


async def test_the_table_names_every_keyed_route(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    keyed = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert keyed == {(method, path) for method, path, _, _ in ROUTES}
    undocumented = {(m, p) for m, p in keyed if "409" not in spec["paths"][p][m.lower()]["responses"]}
    assert not undocumented, "a keyed route answers 409 idempotency_key_reused: document it"


@pytest.mark.parametrize(("method", "path", "rpc_method", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
async def test_a_reused_key_is_409_idempotency_key_reused(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, method: str, path: str, rpc_method: str, body: Any
) -> None:
    rpc.answers[rpc_method] = IdempotencyKeyReused("this idempotency key was already used for another request")
    response = await send(client, keys, method, path, body)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "idempotency_key_reused"
    service, called, args, context = rpc.calls[0]
    assert f"{service}.{called}" == rpc_method
    assert args[-1] == KEY  # the client's key as sent: the service scopes it to the caller in ``context``
    assert context is not None and context.user_id


def test_the_refusal_crosses_the_rpc_boundary_with_its_code() -> None:
    remote = {
        "exc_path": "common.errors.IdempotencyKeyReused",
        "exc_type": "IdempotencyKeyReused",
        "exc_args": ["this idempotency key was already used for another request", {"reason": "idempotency_key_reused"}],
    }
    error = error_from_remote(remote)
    assert isinstance(error, IdempotencyKeyReused)
    assert (error.code, error.http_status) == ("idempotency_key_reused", 409)
