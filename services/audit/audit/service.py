"""Audit entrypoints: the gateway's entries in, searches out (auditors only)."""

from __future__ import annotations

from typing import Any

from audit.batching import Chain, ChainWriter
from audit.repository import AuditRepository, MongoAuditRepository
from common import policy
from common.contracts.audit import AuditEntry, AuditQuery
from common.contracts.events import AUDIT_ENTRY, EventEnvelope
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.transient import event_handler, transient
from common.validation import parse


class AuditService(PlatformService):
    name = "audit"

    records: AuditRepository = MongoRepository(MongoAuditRepository)
    chain: ChainWriter = Chain()

    @event_handler("gateway", AUDIT_ENTRY)
    def on_audit_entry(self, payload: dict[str, Any]) -> None:
        """Append the entry once per event id; while the database is out of reach the event
        waits (retried with backoff, then requeued), so an outage loses no entry."""
        event = EventEnvelope.model_validate(payload)
        self._append(AuditEntry.model_validate(event.data), event.event_id)

    @transient
    def _append(self, entry: AuditEntry, event_id: str) -> None:
        self.chain.append(entry, event_id)

    @rpc
    def search_entries(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Audit records inside the caller's area, newest first."""
        caller = policy.authorize(self.caller, "audit.read")
        return self.records.search(parse(AuditQuery, query), policy.scope_filter(caller))
