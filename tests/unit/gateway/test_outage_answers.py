"""Outages answer 503 ``service_unavailable`` with ``Retry-After`` and no internals."""

from __future__ import annotations

import aio_pika
import httpx
import pytest

from common.errors import ServiceUnavailable, UpstreamError, ValidationFailed, error_from_remote
from tests.unit.gateway.conftest import FakeRpc, Keys, bearer, claims

INTERNALS = ("ServerSelectionTimeoutError", "AutoReconnect", "ChannelInvalidStateError", "27017", "pymongo")


def assert_no_internals(response: httpx.Response) -> None:
    for name in INTERNALS:
        assert name not in response.text, name


@pytest.mark.parametrize(
    "failure",
    [
        ServiceUnavailable("registry did not answer within 5s", {"service": "registry"}),
        ServiceUnavailable("the database is unreachable: ServerSelectionTimeoutError 127.0.0.1:27017"),
        # raised by aio-pika outside the RPC client's own mapping
        aio_pika.exceptions.ChannelInvalidStateError("No active transport in channel"),
        aio_pika.exceptions.ConnectionClosed(320, "CONNECTION_FORCED"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_an_outage_is_503_with_retry_after(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, failure: Exception
) -> None:
    rpc.answers["registry.get_household"] = failure
    response = await client.get("/v1/households/h1", headers=bearer(keys.sign(claims())))
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "service_unavailable" and "details" not in body
    assert_no_internals(response)


async def test_a_service_bug_is_502_without_its_exception_name(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc
) -> None:
    remote = {"exc_path": "pymongo.errors.AutoReconnect", "exc_type": "AutoReconnect", "value": "27017: refused"}
    failure = error_from_remote(remote)
    assert isinstance(failure, UpstreamError)
    rpc.answers["registry.get_household"] = failure
    response = await client.get("/v1/households/h1", headers=bearer(keys.sign(claims())))
    assert response.status_code == 502 and response.json()["code"] == "upstream_error"
    assert "Retry-After" not in response.headers
    assert_no_internals(response)


async def test_other_answers_keep_their_details(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["registry.get_household"] = ValidationFailed("bad", {"errors": [{"field": "x"}]})
    response = await client.get("/v1/households/h1", headers=bearer(keys.sign(claims())))
    assert response.status_code == 422 and response.json()["details"]["errors"] == [{"field": "x"}]
    assert "Retry-After" not in response.headers


async def test_an_unexpected_runtime_error_stays_500(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc) -> None:
    rpc.answers["registry.get_household"] = RuntimeError("not a broker failure")
    response = await client.get("/v1/households/h1", headers=bearer(keys.sign(claims())))
    assert response.status_code == 500 and response.json()["code"] == "internal_error"
