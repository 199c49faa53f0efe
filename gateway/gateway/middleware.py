"""Pure ASGI middleware: correlation id and RED metrics per route."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common import logs
from gateway.errors import error_response

CORRELATION_HEADER = b"x-correlation-id"
_ACCEPTED_ID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")

REQUESTS = Counter("gateway_requests_total", "HTTP requests by route and status.", ["method", "route", "status"])
LATENCY = Histogram(
    "gateway_request_duration_seconds",
    "HTTP request latency by route.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class CorrelationMiddleware:
    """Take the caller's ``X-Correlation-ID`` if well formed, else make one; echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(CORRELATION_HEADER, b"")
        correlation_id = given.decode() if _ACCEPTED_ID.match(given) else uuid.uuid4().hex
        # Not reset afterwards: error handlers outside this middleware (500s) still
        # need it, and every request runs in its own task context.
        logs.correlation_id.set(correlation_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (CORRELATION_HEADER, correlation_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class MetricsMiddleware:
    """Count and time every request by route template (never by raw path: ids explode)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


class BodyLimitMiddleware:
    """Refuse request bodies over the limit with 413, in the API's error body.

    A declared Content-Length is refused before anything is read; a streamed body is
    counted as it arrives and reading it fails once it passes the limit. (FastAPI's
    own ``max_body_size`` answers in plain text, so it is not used.) ``path_limits``
    gives a few paths their own limit (file uploads, which routes stream onwards).
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int, path_limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"], self.max_body_bytes)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            message = f"the request body exceeds {limit} bytes"
            await error_response(413, "payload_too_large", message)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, f"the request body exceeds {limit} bytes")
            return message

        await self.app(scope, counting_receive, send)
