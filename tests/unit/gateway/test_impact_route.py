"""GET /v1/reports/impact/{period}: passes period, area and programme to reporting; its refusals keep their codes."""

import httpx

from common.errors import NotFound, ValidationFailed
from tests.unit.gateway.conftest import FakeRpc, Keys, bearer, claims


async def test_impact_passes_period_area_and_programme(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["reporting.programme_impact"] = {"period": "2026-Q2", "follow_up_visits": {"available": False}}
    response = await client.get(
        "/v1/reports/impact/2026-Q2",
        params={"area": "/DZ/16", "programme": "p-food"},
        headers=bearer(keys.sign(claims())),
    )
    assert response.status_code == 200, response.text
    assert response.json()["follow_up_visits"] == {"available": False}
    service, method, args, ctx = rpc.calls[0]
    assert (service, method, args) == ("reporting", "programme_impact", ("2026-Q2", "/DZ/16", "p-food"))
    assert ctx is not None


async def test_impact_refusals_keep_their_status_and_code(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    auth = bearer(keys.sign(claims()))
    rpc.answers["reporting.programme_impact"] = ValidationFailed("bad period", {"code": "unknown_period"})
    response = await client.get("/v1/reports/impact/2026-Q9", headers=auth)
    assert response.status_code == 422 and "unknown_period" in response.text
    rpc.answers["reporting.programme_impact"] = NotFound("report not found")
    assert (await client.get("/v1/reports/impact/2026-Q2", params={"area": "/DZ/31"}, headers=auth)).status_code == 404
    assert (await client.get("/v1/reports/impact/2026-Q2", params={"programme": ""}, headers=auth)).status_code == 422
