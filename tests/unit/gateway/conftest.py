"""Gateway unit tests: local RSA keys stand in for Keycloak, a fake stands in for RPC."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from common.context import CallerContext
from gateway.auth import TokenVerifier
from gateway.main import create_app
from gateway.settings import GatewaySettings

ISSUER = "http://idp.test/realms/solidarity"
AUDIENCE = "gateway"


class Keys:
    """An RSA key pair published as a JWKS, like a realm's."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid, **header})


def claims(
    area: str | list[str] = "/DZ/16/1601", roles: tuple[str, ...] = ("social-worker",), **extra: Any
) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": [AUDIENCE, "account"],
        "sub": str(uuid.uuid4()),
        "iat": now,
        "nbf": now - 1,
        "exp": now + 300,
        "realm_access": {"roles": [*roles, "offline_access"]},
        "area": area,
        **extra,
    }


class JwksServer:
    """Counts fetches, so tests can prove keys are cached."""

    def __init__(self, *keys: Keys) -> None:
        self.keys = list(keys)
        self.fetches = 0

    async def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        return {"keys": [k.jwk() for k in self.keys]}


class FakeRpc:
    """Records calls and answers from a table, or raises what it was told to."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, tuple[Any, ...], CallerContext | None]] = []
        self.answers: dict[str, Any] = {}
        self.connected = True
        self.timeouts: list[float | None] = []

    async def call(
        self,
        service: str,
        method: str,
        *args: Any,
        context: CallerContext | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        self.calls.append((service, method, args, context))
        self.timeouts.append(timeout)
        answer = self.answers.get(f"{service}.{method}")
        if isinstance(answer, Exception):
            raise answer
        return answer(*args) if callable(answer) else answer


class FakePublisher:
    """Keeps what the gateway publishes (audit entries)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def publish(self, event_type: str, data: dict[str, Any]) -> str:
        self.events.append((event_type, data))
        return f"e{len(self.events)}"


@pytest.fixture
def published() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def keys() -> Keys:
    return Keys("key-1")


@pytest.fixture
def jwks(keys: Keys) -> JwksServer:
    return JwksServer(keys)


@pytest.fixture
def rpc() -> FakeRpc:
    return FakeRpc()


@pytest.fixture
def make_client(jwks: JwksServer, rpc: FakeRpc, published: FakePublisher) -> Callable[..., Any]:
    def make(**settings: Any) -> Any:
        verifier = TokenVerifier(jwks, ISSUER, AUDIENCE, leeway_seconds=5, min_refetch_seconds=0)
        app = create_app(GatewaySettings(**settings), rpc=rpc, verifier=verifier, audit=published)
        return app

    return make


@pytest.fixture
async def client(make_client: Callable[..., Any]) -> AsyncIterator[httpx.AsyncClient]:
    app = make_client()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
