"""Use cases of the audit trail: record what the gateway saw, search it."""

from __future__ import annotations

from audit.app.ports import AuditRecords, ChainAppender
from audit.domain.chain import Record
from common.contracts.audit import AuditQuery
from common.contracts.events import AuditEntryEvent, Received
from common.scope import Scope


def record_entry(chain: ChainAppender, event: Received[AuditEntryEvent]) -> int:
    """Append the entry to the chain once per event id (a redelivery answers the first seq)."""
    return chain.append(event.data, event.event_id)


def search_entries(records: AuditRecords, scope: Scope, query: AuditQuery) -> list[Record]:
    """The records matching ``query`` inside ``scope``, newest first (others do not exist)."""
    return records.search(query, scope)
