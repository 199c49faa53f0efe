"""What the use cases need of the outside world (the adapters provide it)."""

from __future__ import annotations

from typing import Protocol

from audit.domain.chain import Record
from common.contracts.audit import AuditEntry, AuditQuery
from common.scope import Scope


class ChainAppender(Protocol):
    def append(self, entry: AuditEntry, event_id: str) -> int:
        """Append ``entry`` once per ``event_id``; return the record's seq once it is stored."""


class AuditRecords(Protocol):
    def search(self, query: AuditQuery, scope: Scope) -> list[Record]:
        """Records matching ``query`` inside ``scope``, newest first."""
