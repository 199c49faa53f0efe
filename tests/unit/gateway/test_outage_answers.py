"""Outages answer 503 ``service_unavailable`` with ``Retry-After`` and no internals."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import aio_pika
import httpx
import pytest

from common.errors import ServiceUnavailable, UpstreamError, ValidationFailed, error_from_remote
from gateway.settings import GatewaySettings
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
        ServiceUnavailable("no database", {"service": "registry", "error": "AutoReconnect", "host": "127.0.0.1"}),
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
    assert body["code"] == "service_unavailable"
    assert body.get("details", {}) in ({}, {"service": "registry"})
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


class ReadyzServer:
    """A local HTTP server answering every request with a fixed status, like a service's ops port."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/readyz"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def readyz(make_client: Callable[..., Any], **settings: Any) -> httpx.Response:
    app = make_client(**settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            return await client.get("/readyz")


async def test_readyz_waits_for_the_listed_services(make_client: Callable[..., Any]) -> None:
    async with ReadyzServer(200) as ready, ReadyzServer(503) as not_ready:
        response = await readyz(make_client, readiness_services=f"registry={ready}")
        assert response.status_code == 200, response.text
        down = f"http://127.0.0.1:{closed_port()}/readyz"
        response = await readyz(make_client, readiness_services=f"registry={ready},audit={not_ready},veille={down}")
    assert response.status_code == 503
    assert response.json()["problems"] == {"service:audit": "not ready", "service:veille": "unreachable"}


def test_readiness_services_setting_is_parsed() -> None:
    settings = GatewaySettings(readiness_services=" registry=http://r:8101/readyz, ,audit=http://a:8106/readyz,bad")
    assert settings.readiness_service_urls == {"registry": "http://r:8101/readyz", "audit": "http://a:8106/readyz"}
    assert GatewaySettings(readiness_services="").readiness_service_urls == {}
