"""Audit entrypoints: the gateway's entries in, searches out (auditors only).

Reading order: this class, then :mod:`audit.app.trail`, :mod:`audit.domain.chain`,
:mod:`audit.adapters.records`.
"""

from __future__ import annotations

from typing import Any

from audit.adapters.records import MongoAuditRepository
from audit.app.ports import AuditRecords, ChainAppender
from audit.app.trail import record_entry, search_entries
from audit.dependencies import Chain
from audit.views import record_view
from common import policy
from common.contracts.audit import AuditQuery
from common.contracts.events import AUDIT_ENTRY, AuditEntryEvent, Received, parse_event
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.transient import event_handler, transient
from common.validation import parse


class AuditService(PlatformService):
    name = "audit"

    records: AuditRecords = MongoRepository(MongoAuditRepository)
    chain: ChainAppender = Chain()

    @event_handler("gateway", AUDIT_ENTRY)
    def on_audit_entry(self, payload: dict[str, Any]) -> None:
        """Append the entry once per event id; while the database is out of reach the event
        waits (retried with backoff, then requeued), so an outage loses no entry. A malformed
        entry is refused (``malformed_event``) and dead-lettered."""
        self._record(parse_event(payload, AuditEntryEvent))

    @transient
    def _record(self, event: Received[AuditEntryEvent]) -> None:
        record_entry(self.chain, event)

    @rpc
    def search_entries(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Audit records inside the caller's area, newest first."""
        caller = policy.authorize(self.caller, "audit.read")
        found = search_entries(self.records, policy.scope(caller), parse(AuditQuery, query))
        return [record_view(record) for record in found]
