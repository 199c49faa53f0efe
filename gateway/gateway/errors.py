"""One error body for every failure: ``{code, message, correlation_id}`` (+ ``details``).

A failure of the platform itself (5xx) tells the caller what happened and, when it is
transient (503 ``service_unavailable``: a service, the broker or a database is
unreachable), when to retry with ``Retry-After``; at most which service did not
answer, never how it failed (exception names, hosts): that goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from common import logs
from common.aio.rpc import BROKER_FAILURES
from common.errors import DomainError, RateLimited, ServiceUnavailable, Unauthenticated

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}

# Seconds a client should wait before retrying a 503: a restarted broker, service or
# database is usually back within this.
RETRY_AFTER_SECONDS = 5
# Details a 5xx answer may keep: which platform service did not answer, nothing of how.
_PUBLIC_FAILURE_DETAILS = ("service",)
_PLATFORM_FAILURES = {
    502: "a service failed to handle the request",
    503: "the service is temporarily unavailable, retry later",
}


class ErrorBody(BaseModel):
    """The body of every error answer."""

    code: str
    message: str
    correlation_id: str
    details: dict[str, Any] | None = None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entry documenting the error body for ``statuses``."""
    return {status: {"model": ErrorBody} for status in statuses}


# What any authenticated API route may answer besides its own errors.
COMMON_ERRORS = error_responses(400, 401, 403, 413, 422, 429, 500, 502, 503)


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(code=code, message=message, correlation_id=logs.correlation_id.get(), details=details)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers: dict[str, str] | None = None
    if isinstance(exc, Unauthenticated):
        headers = {"WWW-Authenticate": 'Bearer realm="solidarity"'}
    elif isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.details["retry_after"])}
    if exc.http_status >= 500:
        return _platform_failure(request, exc)
    return error_response(exc.http_status, exc.code, exc.message, exc.details or None, headers)


def _platform_failure(request: Request, exc: DomainError) -> JSONResponse:
    """A 5xx answer: a fixed message per code, the details (but the service's name) only in the log."""
    log.warning(
        "upstream failure",
        extra={"code": exc.code, "path": request.url.path, "reason": exc.message, "details": exc.details},
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if exc.http_status == 503 else None
    message = _PLATFORM_FAILURES.get(exc.http_status, "an unexpected error occurred")
    details = {key: exc.details[key] for key in _PUBLIC_FAILURE_DETAILS if key in exc.details}
    return error_response(exc.http_status, exc.code, message, details or None, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(err["type"] == "json_invalid" for err in exc.errors()):
        # A body that is not JSON at all is unreadable, not invalid: nothing in it was checked.
        return error_response(400, "bad_request", "the request body is not valid JSON")
    errors = [
        {"field": ".".join(str(p) for p in err["loc"]), "code": err["type"], "message": err["msg"]}
        for err in exc.errors()
    ]
    return error_response(422, "validation_failed", "the request is invalid", {"errors": errors})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, BROKER_FAILURES):  # a broker outage met outside the RPC client
        return _platform_failure(request, ServiceUnavailable(f"broker failure: {type(exc).__name__}"))
    log.exception("unhandled error", extra={"path": request.url.path})
    return error_response(500, "internal_error", "an unexpected error occurred")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
