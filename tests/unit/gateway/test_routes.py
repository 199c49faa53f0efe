"""Routes: bodies validated strictly, errors in one shape, RPC failures mapped."""

from typing import Any

import httpx
import pytest

from common.errors import NotFound, ServiceUnavailable, ValidationFailed
from tests.unit.gateway.conftest import FakeRpc, Keys, bearer, claims

HOUSEHOLD: dict[str, Any] = {
    "area": "/DZ/16/1601",
    "address": "Cité 500 logements, Bab Ezzouar",
    "members": [
        {"given_name_ar": "أمينة", "family_name_ar": "بوزيد", "sex": "F", "birth_year": 1980, "relationship": "head"}
    ],
}


def headers(keys: Keys, key: str | None = "idem-key-0001") -> dict[str, str]:
    h = bearer(keys.sign(claims()))
    if key:
        h["Idempotency-Key"] = key
    return h


async def test_register_passes_body_key_and_caller(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["registry.register_household"] = lambda body, key: {
        **body,
        "id": "h1",
        "status": "active",
        "created_at": "2026-11-23T00:00:00+00:00",
        "created_by": "secret",
    }
    response = await client.post("/v1/households", json=HOUSEHOLD, headers=headers(keys))
    assert response.status_code == 201, response.text
    assert response.json()["members"][0]["given_name_ar"] == "أمينة"
    assert "created_by" not in response.json()
    service, method, args, ctx = rpc.calls[0]
    assert (service, method, args[1]) == ("registry", "register_household", "idem-key-0001")
    assert ctx is not None and ctx.user_id


async def test_unknown_fields_are_rejected(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    for extra in ({"status": "approved"}, {"area_ancestors": ["/DZ"]}, {"approver": "me"}):
        response = await client.post("/v1/households", json={**HOUSEHOLD, **extra}, headers=headers(keys))
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "validation_failed" and body["details"]["errors"][0]["code"] == "extra_forbidden"
    assert rpc.calls == []


async def test_idempotency_key_is_required(client: httpx.AsyncClient, keys: Keys) -> None:
    response = await client.post("/v1/households", json=HOUSEHOLD, headers=headers(keys, key=None))
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"


async def test_malformed_json_is_400_bad_request(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    """As the README says: an unreadable body is 400, an invalid one 422; neither reaches a service."""
    response = await client.post(
        "/v1/households", content=b"{not json", headers={**headers(keys), "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    valid_json_wrong_shape = await client.post("/v1/households", json={"area": 5}, headers=headers(keys))
    assert valid_json_wrong_shape.status_code == 422
    assert rpc.calls == []


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("household not found"), 404, "not_found"),
        (ValidationFailed("bad", {"errors": [{"field": "x"}]}), 422, "validation_failed"),
        (ServiceUnavailable("registry did not answer within 5s"), 503, "service_unavailable"),
    ],
)
async def test_service_errors_map_to_http(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, error: Exception, status: int, code: str
) -> None:
    rpc.answers["registry.get_household"] = error
    response = await client.get("/v1/households/h1", headers=headers(keys))
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["correlation_id"] == response.headers["x-correlation-id"]


async def test_unexpected_failure_is_500_without_detail(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["registry.get_household"] = RuntimeError("db password is hunter2")
    response = await client.get("/v1/households/h1", headers=headers(keys))
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error" and "hunter2" not in response.text


async def test_correlation_id_is_taken_from_the_caller(client: httpx.AsyncClient) -> None:
    response = await client.get("/livez", headers={"X-Correlation-ID": "front-end-1234"})
    assert response.headers["x-correlation-id"] == "front-end-1234"
    response = await client.get("/livez", headers={"X-Correlation-ID": "bad id with spaces"})
    assert response.headers["x-correlation-id"] != "bad id with spaces"


async def test_readyz_reports_a_lost_broker(client: httpx.AsyncClient, rpc: FakeRpc) -> None:
    assert (await client.get("/readyz")).status_code == 200
    rpc.connected = False
    response = await client.get("/readyz")
    assert response.status_code == 503 and "broker" in response.json()["problems"]


async def test_metrics_count_routes_by_template(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["registry.get_household"] = NotFound("household not found")
    await client.get("/v1/households/abc123", headers=headers(keys))
    text = (await client.get("/metrics")).text
    assert 'route="/v1/households/{household_id}"' in text and "abc123" not in text


def test_openapi_declares_bearer_security(make_client: Any) -> None:
    spec = make_client().openapi()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "Idempotency-Key" in str(spec["paths"]["/v1/households"]["post"]["parameters"])


async def test_oversized_body_is_413(make_client: Any, keys: Keys, rpc: FakeRpc) -> None:
    app = make_client(max_body_bytes=2048)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            big = {**HOUSEHOLD, "address": "x" * 5000}
            response = await client.post("/v1/households", json=big, headers=headers(keys))
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert rpc.calls == []


async def test_rate_limit_is_per_user(make_client: Any, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["reporting.household_count"] = {"area": "/DZ/16/1601", "households": 0}
    app = make_client(rate_limit_per_user="3/minute")
    alice, bob = keys.sign(claims()), keys.sign(claims())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            statuses = [
                (await client.get("/v1/reports/households/count", headers=bearer(alice))).status_code for _ in range(4)
            ]
            limited = await client.get("/v1/reports/households/count", headers=bearer(alice))
            other = await client.get("/v1/reports/households/count", headers=bearer(bob))
    assert statuses == [200, 200, 200, 429]
    assert limited.json()["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
    assert other.status_code == 200


async def test_streamed_oversized_body_is_413(make_client: Any, keys: Keys, rpc: FakeRpc) -> None:
    app = make_client(max_body_bytes=2048)

    async def chunks() -> Any:
        for _ in range(10):
            yield b" " * 1000

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            response = await client.post(
                "/v1/households", content=chunks(), headers={**headers(keys), "Content-Type": "application/json"}
            )
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert rpc.calls == []
