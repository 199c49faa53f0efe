"""Domain errors with stable codes.

Services raise these; nameko serialises them into the RPC reply (``exc_path``,
``exc_args``); the gateway turns them back into the same class with
:func:`error_from_remote` and maps ``http_status`` to the HTTP answer. The ``code`` of
each class is part of the public API: clients switch on it, so it never changes.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a caller may be told about."""

    code: ClassVar[str] = "domain_error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        # nameko turns every exception argument but strings, lists and dicts into its str()
        # (a True in the details would reach the caller as "True"): the details travel as JSON.
        super().__init__(message, json.dumps(details or {}, ensure_ascii=False, default=str))
        self.message = message
        self.details = details or {}

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    """The input does not satisfy the contract; ``details`` names the fields."""

    code = "validation_failed"
    http_status = 422


class NotFound(DomainError):
    """No such object, or one outside the caller's area (never confirm existence)."""

    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    """The caller's role does not allow the operation."""

    code = "forbidden"
    http_status = 403


class CrossAreaReview(Forbidden):
    """A duplicate review whose households lie in two areas, one of them outside the caller's.

    Only a level whose area holds both households decides it (the national level for two
    wilayas, the wilaya for two communes); ``details`` carries the message in French and Arabic.
    """

    code = "cross_area_review"


class Conflict(DomainError):
    """The operation clashes with the object's current state."""

    code = "conflict"
    http_status = 409


class InvalidTransition(Conflict):
    """The object's lifecycle does not allow this step from its current state.

    ``details`` carries ``state`` (where it is) and ``allowed`` (the steps it may take).
    """

    code = "invalid_transition"


class IdempotencyKeyReused(Conflict):
    """The caller already used this idempotency key for another request (another body or target)."""

    code = "idempotency_key_reused"


class Unauthenticated(DomainError):
    """No valid caller identity."""

    code = "unauthenticated"
    http_status = 401


class RateLimited(DomainError):
    """Too many requests from one user; ``details.retry_after`` says when to retry."""

    code = "rate_limited"
    http_status = 429


class ServiceUnavailable(DomainError):
    """A service did not answer in time or is not running."""

    code = "service_unavailable"
    http_status = 503


class UpstreamError(DomainError):
    """A service failed in a way the caller cannot fix (a bug or a contract mismatch)."""

    code = "upstream_error"
    http_status = 502


_BY_PATH: dict[str, type[DomainError]] = {
    f"{cls.__module__}.{cls.__name__}": cls
    for cls in (
        DomainError,
        ValidationFailed,
        NotFound,
        Forbidden,
        CrossAreaReview,
        Conflict,
        InvalidTransition,
        IdempotencyKeyReused,
        Unauthenticated,
        RateLimited,
        ServiceUnavailable,
        UpstreamError,
    )
}

# nameko's own errors that say the request itself was wrong: a caller bug, not a fault.
_NAMEKO_CONTRACT_ERRORS = {"MethodNotFound", "IncorrectSignature", "MalformedRequest"}


def error_from_remote(remote: dict[str, Any]) -> DomainError:
    """Rebuild the error carried by a nameko reply's ``error`` field.

    Unknown exception types (bugs in a service) become :class:`UpstreamError` without
    their message: a stack detail is not for the caller.
    """
    cls = _BY_PATH.get(str(remote.get("exc_path", "")))
    args = remote.get("exc_args") or []
    if cls is not None:
        message = str(args[0]) if args else str(remote.get("value", ""))
        return cls(message, _details(args[1] if len(args) > 1 else None))
    exc_type = str(remote.get("exc_type", ""))
    if exc_type in _NAMEKO_CONTRACT_ERRORS:
        return UpstreamError(f"{exc_type}: {remote.get('value', '')}", {"remote_type": exc_type})
    return UpstreamError("the service failed to handle the request", {"remote_type": exc_type})


def _details(carried: object) -> dict[str, Any]:
    """The details of a remote error: JSON as services send them, or a dict from older ones."""
    if isinstance(carried, str):
        try:
            carried = json.loads(carried)
        except ValueError:
            return {}
    return carried if isinstance(carried, dict) else {}
