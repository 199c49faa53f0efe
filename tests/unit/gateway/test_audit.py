"""Every read of a personal record and every write leaves an audit entry."""

import httpx

from common.errors import NotFound
from gateway.settings import GatewaySettings
from tests.unit.gateway.conftest import FakePublisher, FakeRpc, Keys, bearer, claims
from tests.unit.gateway.test_routes import HOUSEHOLD


async def test_read_is_audited_with_who_what_and_outcome(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, published: FakePublisher
) -> None:
    rpc.answers["registry.get_household"] = {**HOUSEHOLD, "id": "h7", "status": "active", "created_at": "t"}
    token_claims = claims()
    response = await client.get("/v1/households/h7", headers=bearer(keys.sign(token_claims)))
    assert response.status_code == 200
    ((event_type, entry),) = published.events
    assert event_type == "audit_entry"
    assert entry["actor"] == token_claims["sub"] and entry["roles"] == ["social-worker"]
    assert entry["area"] == "/DZ/16/1601"
    assert (entry["action"], entry["object_type"], entry["object_id"]) == ("household.read", "household", "h7")
    assert (entry["outcome"], entry["status"]) == ("success", 200)
    assert entry["correlation_id"] == response.headers["x-correlation-id"]


async def test_failed_and_anonymous_attempts_are_audited(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, published: FakePublisher
) -> None:
    rpc.answers["registry.get_household"] = NotFound("household not found")
    await client.get("/v1/households/h8", headers=bearer(keys.sign(claims())))
    await client.get("/v1/households/h9")
    outcomes = [(e["outcome"], e["actor"], e["object_id"]) for _, e in published.events]
    assert outcomes[0][0] == "not_found"
    assert outcomes[1] == ("unauthenticated", "anonymous", "h9")


async def test_create_is_audited_with_the_new_id(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, published: FakePublisher
) -> None:
    rpc.answers["registry.register_household"] = lambda body, key: {
        **body,
        "id": "h-new",
        "status": "active",
        "created_at": "t",
    }
    response = await client.post(
        "/v1/households", json=HOUSEHOLD, headers={**bearer(keys.sign(claims())), "Idempotency-Key": "audit-key-01"}
    )
    assert response.status_code == 201
    ((_, entry),) = published.events
    assert (entry["action"], entry["object_id"]) == ("household.register", "h-new")


async def test_unaudited_routes_publish_nothing(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, published: FakePublisher
) -> None:
    rpc.answers["reporting.household_count"] = {"area": "/DZ/16/1601", "households": 1}
    await client.get("/v1/reports/households/count", headers=bearer(keys.sign(claims())))
    await client.get("/livez")
    assert published.events == []


async def test_only_auditors_search_the_trail(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["audit.search_entries"] = []
    auditor = bearer(keys.sign(claims(area="/DZ", roles=("auditor",))))
    response = await client.get("/v1/audit/entries?actor=&action=household.read&limit=5", headers=auditor)
    assert response.status_code == 200
    (_, _, (query,), _) = rpc.calls[-1]
    assert query == {"action": "household.read", "limit": 5}  # an empty form field filters on nothing
    assert rpc.timeouts[-1] == GatewaySettings().rpc_search_timeout_seconds > GatewaySettings().rpc_timeout_seconds
    bad = await client.get("/v1/audit/entries?limit=0", headers=auditor)
    assert bad.status_code == 422
