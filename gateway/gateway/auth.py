"""Access-token verification against the realm's JWKS, and the caller it yields.

Keys are fetched once and refetched only for an unknown key id, at most once every
``jwks_min_refetch_seconds`` so forged key ids cannot make us hammer Keycloak. The
algorithm is pinned to RS256; issuer, audience, expiry and not-before are checked
with a small leeway.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from keycloak import KeycloakOpenID

from common import areas
from common.context import CallerContext
from common.errors import Forbidden, Unauthenticated
from common.policy import PERMISSIONS
from gateway.settings import GatewaySettings

ALGORITHM = "RS256"
KNOWN_ROLES = frozenset(role for roles in PERMISSIONS.values() for role in roles)

JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]


def keycloak_jwks_fetcher(settings: GatewaySettings) -> JwksFetcher:
    """Fetch the realm's signing keys with python-keycloak (async)."""
    client = KeycloakOpenID(
        server_url=settings.keycloak_url,
        realm_name=settings.keycloak_realm,
        client_id=settings.oidc_audience,
        timeout=5,
    )
    return client.a_certs


class TokenVerifier:
    """Verify access tokens; ``ready`` once a key set has been loaded."""

    def __init__(
        self,
        fetch_jwks: JwksFetcher,
        issuer: str,
        audience: str,
        leeway_seconds: int = 30,
        min_refetch_seconds: float = 30.0,
    ) -> None:
        self._fetch = fetch_jwks
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds
        self.min_refetch = min_refetch_seconds
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    @property
    def ready(self) -> bool:
        return bool(self._keys)

    async def refresh(self) -> None:
        """Load the key set now (at start-up, and on an unknown key id)."""
        async with self._lock:
            jwks = await self._fetch()
            self._keys = {
                key.key_id: key.key
                for key in jwt.PyJWKSet.from_dict(jwks).keys
                if key.key_id and key.algorithm_name == ALGORITHM
            }
            self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> Any:
        if kid not in self._keys and time.monotonic() - self._fetched_at >= self.min_refetch:
            try:
                await self.refresh()
            except Exception:  # noqa: BLE001 - an unreachable IdP must not turn 401 into 500
                self._fetched_at = time.monotonic()
        key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("the token is signed by an unknown key")
        return key

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or Unauthenticated."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the token is malformed") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated("the token's algorithm is not accepted")
        key = await self._key_for(str(header.get("kid", "")))
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.PyJWTError:
            raise Unauthenticated("the token is invalid") from None


def caller_from_claims(claims: dict[str, Any], correlation_id: str) -> CallerContext:
    """Roles the platform knows and exactly one area, else Forbidden."""
    roles = tuple(sorted(set(claims.get("realm_access", {}).get("roles", [])) & KNOWN_ROLES))
    area_claim = claims.get("area")
    area_list = area_claim if isinstance(area_claim, list) else [area_claim] if area_claim else []
    if not roles:
        raise Forbidden("your account has no platform role")
    if len(area_list) != 1 or not areas.is_valid(str(area_list[0])):
        raise Forbidden("your account has no single valid area")
    return CallerContext(user_id=str(claims["sub"]), roles=roles, area=str(area_list[0]), correlation_id=correlation_id)
