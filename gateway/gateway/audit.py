"""The gateway's side of the audit trail.

Routes that read a personal record or write anything declare
``openapi_extra=audited("household.read", "household")``. After such a request is
answered, :class:`AuditMiddleware` publishes who (from the verified token), what,
which object, the outcome and the correlation id to the audit service, which chains
it into the append-only trail. Failed, denied and unauthenticated attempts are
audited too.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common import logs
from common.context import CallerContext
from common.contracts.audit import AuditEntry, outcome_of
from common.contracts.events import AUDIT_ENTRY

log = logging.getLogger(__name__)

AUDIT_KEY = "x-audit"
AUDIT_FAILURES = Counter("gateway_audit_publish_failures_total", "Audit entries that could not be published.")


def audited(action: str, object_type: str) -> dict[str, Any]:
    """``openapi_extra`` marking a route as audited (it shows in the OpenAPI too)."""
    return {AUDIT_KEY: {"action": action, "object_type": object_type}}


class EventPublisher(Protocol):
    async def publish(self, event_type: str, data: dict[str, Any]) -> str: ...


def _created_id(body: bytes) -> str | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    return str(payload["id"]) if isinstance(payload, dict) and "id" in payload else None


class AuditMiddleware:
    """Publish an :class:`AuditEntry` for every request to an audited route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        body = b""

        async def capture(message: Message) -> None:
            nonlocal status, body
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and scope["method"] == "POST":
                body += message.get("body", b"")  # small JSON: the created object's id
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            spec = (getattr(scope.get("route"), "openapi_extra", None) or {}).get(AUDIT_KEY)
            if spec is not None:
                await self._publish(scope, spec, status, body)

    async def _publish(self, scope: Scope, spec: dict[str, str], status: int, body: bytes) -> None:
        caller: CallerContext | None = scope.get("state", {}).get("caller")
        path_params = scope.get("path_params", {})
        object_id = path_params.get(f"{spec['object_type']}_id") or (_created_id(body) if status == 201 else None)
        entry = AuditEntry(
            actor=caller.user_id if caller else "anonymous",
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
        try:
            await publisher.publish(AUDIT_ENTRY, entry.model_dump(mode="json"))
        except Exception:
            AUDIT_FAILURES.inc()
            log.exception("audit entry could not be published", extra={"action": entry.action})
