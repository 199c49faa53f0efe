"""Token checks: forged, expired, misdirected and tampered tokens all get 401."""

import base64
import hmac
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.unit.gateway.conftest import AUDIENCE, ISSUER, FakeRpc, JwksServer, Keys, bearer, claims

COUNT = "/v1/reports/households/count"


@pytest.fixture(autouse=True)
def answer(rpc: FakeRpc) -> None:
    rpc.answers["reporting.household_count"] = {"area": "/DZ/16/1601", "households": 3}


async def test_valid_token_reaches_the_service_with_the_caller(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc
) -> None:
    response = await client.get(COUNT, headers=bearer(keys.sign(claims())))
    assert response.status_code == 200, response.text
    (_, _, _, ctx) = rpc.calls[0]
    assert ctx is not None and ctx.area == "/DZ/16/1601" and ctx.roles == ("social-worker",)
    assert ctx.correlation_id == response.headers["x-correlation-id"]


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _hs256_with_public_key(keys: Keys, payload: str) -> str:
    """The classic confusion attack: HMAC-sign with the RSA public key as secret."""
    public_pem = keys.private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': keys.kid})}.{payload}"
    signature = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input.encode(), "sha256").digest())
    return f"{signing_input}.{signature.rstrip(b'=').decode()}"


def forged_tokens(keys: Keys) -> dict[str, str]:
    now = int(time.time())
    head, payload, sig = keys.sign(claims()).split(".")
    return {
        "garbage": "not-a-token",
        "expired": keys.sign(claims(exp=now - 600, iat=now - 900)),
        "not_yet_valid": keys.sign(claims(nbf=now + 600)),
        "wrong_audience": keys.sign(claims(aud="account")),
        "other_realm": keys.sign(claims(iss="http://idp.test/realms/other")),
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': keys.kid})}.{payload}.",
        "hs256_with_public_key": _hs256_with_public_key(keys, payload),
        "tampered_payload": f"{head}.{_b64({**claims(area='/DZ'), 'sub': 'x'})}.{sig}",
        "other_key_same_kid": Keys(keys.kid).sign(claims()),
        "unknown_kid": Keys("key-999").sign(claims()),
        "no_sub": keys.sign({k: v for k, v in claims().items() if k != "sub"}),
    }


@pytest.mark.parametrize(
    "case",
    [
        "garbage",
        "expired",
        "not_yet_valid",
        "wrong_audience",
        "other_realm",
        "alg_none",
        "hs256_with_public_key",
        "tampered_payload",
        "other_key_same_kid",
        "unknown_kid",
        "no_sub",
    ],
)
async def test_bad_tokens_are_401(client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, case: str) -> None:
    response = await client.get(COUNT, headers=bearer(forged_tokens(keys)[case]))
    assert response.status_code == 401, (case, response.text)
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["code"] == "unauthenticated" and body["correlation_id"]
    assert rpc.calls == []


async def test_missing_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get(COUNT)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("area", "roles"),
    [
        (["/DZ/16", "/DZ/31"], ("social-worker",)),
        ([], ("social-worker",)),
        ("/XX", ("social-worker",)),
        ("/DZ/16", ("offline_access",)),
    ],
)
async def test_token_without_single_area_or_role_is_403(
    client: httpx.AsyncClient, keys: Keys, area: object, roles: tuple[str, ...]
) -> None:
    response = await client.get(COUNT, headers=bearer(keys.sign(claims(area=area, roles=roles))))  # type: ignore[arg-type]
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


async def test_keys_are_fetched_once_and_refetched_for_a_new_kid(
    client: httpx.AsyncClient, keys: Keys, jwks: JwksServer
) -> None:
    for _ in range(5):
        assert (await client.get(COUNT, headers=bearer(keys.sign(claims())))).status_code == 200
    assert jwks.fetches == 1  # at start-up only
    rotated = Keys("key-2")
    jwks.keys.append(rotated)
    assert (await client.get(COUNT, headers=bearer(rotated.sign(claims())))).status_code == 200
    assert jwks.fetches == 2


async def test_unknown_kids_do_not_hammer_the_idp(keys: Keys) -> None:
    from gateway.auth import TokenVerifier

    server = JwksServer(keys)
    verifier = TokenVerifier(server, ISSUER, AUDIENCE, min_refetch_seconds=60)
    await verifier.refresh()
    for i in range(10):
        with pytest.raises(Exception, match="unknown key"):
            await verifier.verify(Keys(f"forged-{i}").sign(claims()))
    assert server.fetches == 1


def test_pyjwt_refuses_none_even_if_asked() -> None:
    token = jwt.encode(claims(), key=None, algorithm="none")
    with pytest.raises(jwt.PyJWTError):
        jwt.decode(token, "x", algorithms=["RS256"], audience=AUDIENCE)
