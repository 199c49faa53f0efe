"""The gateway's side of the audit trail.

Routes that read a personal record or write anything declare
``openapi_extra=audited("household.read", "household")``, and with it where the
object's id comes from: by default the path parameter ``<object_type>_id``; else
``object_id=from_path(...)``, ``from_response("id")`` (the created record's id),
``from_request(field)`` (a field of the JSON body), or ``COLLECTION`` / ``MANY`` for
routes over no one object (lists and searches; a file of many). The declaration shows in
the OpenAPI (``x-audit``), where a unit test checks every route's against its
parameters and schemas. After such a request is answered, :class:`AuditMiddleware`
publishes who (from the verified token: user id and username), what, which object, the
outcome and the correlation id to the audit service, which chains it into the
append-only trail. Failed, denied and unauthenticated attempts are audited too.

An entry the broker cannot take is kept in the gateway's local spool and republished
when the broker is back (:mod:`gateway.audit_spool`); while that spool is full the
gateway answers audited routes 503 (``service_unavailable``, ``details.service:
"audit"``) without running them, since it could not record them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypedDict

from fastapi import Request
from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common import logs
from common.context import CallerContext
from common.contracts.audit import outcome_of
from common.contracts.events import AuditEntryEvent
from common.errors import ServiceUnavailable
from gateway.audit_spool import REFUSED, SpoolingPublisher

log = logging.getLogger(__name__)

AUDIT_KEY = "x-audit"
AUDIT_FAILURES = Counter("gateway_audit_publish_failures_total", "Audit entries lost: neither published nor spooled.")
MAX_CAPTURED_BYTES = 16 * 1024 * 1024  # an answer read for ids is already whole in memory (JSON)


class IdSource(TypedDict):
    """Where an audited route's object id comes from: ``where`` it is, under which ``names``."""

    where: Literal["path", "response", "request", "collection", "many"]
    names: list[str]


def from_path(*names: str) -> IdSource:
    """Path parameters; several are joined with ``/`` (a budget: ``code/period/area``)."""
    return {"where": "path", "names": list(names)}


def from_response(field: str = "id") -> IdSource:
    """A field of a successful answer's JSON, e.g. the created record's ``id``; dots walk
    into objects and over lists (``lists.id``: one entry per list)."""
    return {"where": "response", "names": [field]}


def from_request(field: str) -> IdSource:
    """A field of the request's JSON body (known even when the request is refused)."""
    return {"where": "request", "names": [field]}


COLLECTION: IdSource = {"where": "collection", "names": []}  # a list or a search: no one object
MANY: IdSource = {"where": "many", "names": []}  # a file that writes many objects at once


def audited(action: str, object_type: str, object_id: IdSource | None = None) -> dict[str, Any]:
    """``openapi_extra`` marking a route as audited (it shows in the OpenAPI too)."""
    source = object_id if object_id is not None else from_path(f"{object_type}_id")
    return {AUDIT_KEY: {"action": action, "object_type": object_type, "object_id": source}}


class EventPublisher(Protocol):
    async def publish(self, event_type: str, data: dict[str, Any]) -> str: ...


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _walk(value: Any, names: list[str]) -> Iterator[Any]:
    """The values at a dotted path; lists on the way are walked item by item."""
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, names)
    elif not names:
        yield value
    elif isinstance(value, dict) and names[0] in value:
        yield from _walk(value[names[0]], names[1:])


def _ids(values: Iterator[Any]) -> list[str]:
    return [str(v) for v in values if isinstance(v, str | int) and not isinstance(v, bool) and str(v)]


def object_ids(
    source: IdSource, path_params: dict[str, Any], request_body: bytes, response_body: bytes, status: int
) -> list[str]:
    """The ids of the objects a request was about, as its route declares (none if unknown)."""
    where, names = source["where"], source["names"]
    if where == "path":
        parts = [str(path_params[name]) for name in names if path_params.get(name) not in (None, "")]
        return ["/".join(parts)] if parts and len(parts) == len(names) else []
    if where == "request":
        return _ids(_walk(_json(request_body), names[0].split(".")))
    if where == "response" and status < 400:
        return _ids(_walk(_json(response_body), names[0].split(".")))
    return []


def _spec(scope: Scope) -> dict[str, Any] | None:
    """The audit declaration of the matched route (set by the router before the body is read)."""
    spec: dict[str, Any] | None = (getattr(scope.get("route"), "openapi_extra", None) or {}).get(AUDIT_KEY)
    return spec


REFUSED_KEY = "audit_refused"


async def require_audit_room(request: Request) -> None:
    """App-wide dependency: an audited route is refused (503) while the audit spool is full,
    since its entry could be neither published nor kept."""
    publisher = request.app.state.audit
    if _spec(request.scope) is not None and isinstance(publisher, SpoolingPublisher) and publisher.full:
        REFUSED.inc()
        setattr(request.state, REFUSED_KEY, True)  # nothing to record: the route did not run
        raise ServiceUnavailable("the audit spool is full", {"service": "audit"})


class _Capture:
    """Keeps the first bytes of a body, when the route reads its object id from it."""

    def __init__(self) -> None:
        self.data = bytearray()

    def add(self, chunk: bytes) -> None:
        room = MAX_CAPTURED_BYTES - len(self.data)
        if room > 0:
            self.data += chunk[:room]


class AuditMiddleware:
    """Publish an :class:`AuditEntry` for every request to an audited route (one per object
    when the answer names several)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        request, response = _Capture(), _Capture()

        def reads(where: str) -> bool:
            spec = _spec(scope)
            return spec is not None and spec["object_id"]["where"] == where

        async def capture_request(message: Message) -> Message:
            if message["type"] == "http.request" and reads("request"):
                request.add(message.get("body", b""))
            return message

        async def receive_captured() -> Message:
            return await capture_request(await receive())

        async def capture_response(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and reads("response"):
                response.add(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive_captured, capture_response)
        finally:
            spec = _spec(scope)
            if spec is not None and not scope.get("state", {}).get(REFUSED_KEY):
                path_params = scope.get("path_params", {})
                found = object_ids(spec["object_id"], path_params, bytes(request.data), bytes(response.data), status)
                targets: list[str | None] = [*found] or [None]  # an entry even when no object is known
                for object_id in targets:
                    await self._publish(scope, spec, status, object_id)

    async def _publish(self, scope: Scope, spec: dict[str, Any], status: int, object_id: str | None) -> None:
        state = scope.get("state", {})
        caller: CallerContext | None = state.get("caller")
        username = state.get("username")
        entry = AuditEntryEvent(
            actor=caller.user_id if caller else "anonymous",
            username=username if isinstance(username, str) and username else None,
            roles=list(caller.roles) if caller else [],
            area=caller.area if caller else None,
            action=spec["action"],
            object_type=spec["object_type"],
            object_id=object_id,
            outcome=outcome_of(status),
            status=status,
            at=datetime.now(UTC),
            correlation_id=logs.correlation_id.get(),
        )
        publisher: EventPublisher = scope["app"].state.audit
        try:  # the gateway's publisher spools what the broker cannot take
            await publisher.publish(entry.event_type, entry.model_dump(mode="json"))
        except Exception:
            AUDIT_FAILURES.inc()
            log.exception("audit entry lost: neither published nor spooled", extra={"action": entry.action})
