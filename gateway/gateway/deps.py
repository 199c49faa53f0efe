"""Request dependencies: the verified caller and the RPC client."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from common import logs
from common.context import CallerContext
from common.errors import Unauthenticated
from gateway.auth import TokenVerifier, caller_from_claims
from gateway.ratelimit import UserRateLimiter

bearer = HTTPBearer(auto_error=False, description="Keycloak access token of realm `solidarity`")


class RpcCaller(Protocol):
    """What routes need of the RPC client (a fake in unit tests)."""

    async def call(
        self,
        service: str,
        method: str,
        *args: Any,
        context: CallerContext | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Any: ...


async def get_rpc(request: Request) -> RpcCaller:  # async: a plain def would hop to a thread
    rpc: RpcCaller = request.app.state.rpc
    return rpc


async def get_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> CallerContext:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    verifier: TokenVerifier = request.app.state.verifier
    claims = await verifier.verify(credentials.credentials)
    request.state.username = claims.get("preferred_username")  # for the audit trail, even if refused below
    caller = caller_from_claims(claims, logs.correlation_id.get())
    request.state.caller = caller
    limiter: UserRateLimiter = request.app.state.rate_limiter
    await limiter.check(caller.user_id)
    return caller


Rpc = Annotated[RpcCaller, Depends(get_rpc)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=128,
        description="Client-chosen key: repeating a request with the same key acts once.",
    ),
]
Caller = Annotated[CallerContext, Depends(get_caller)]
