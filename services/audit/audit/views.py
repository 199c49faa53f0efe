"""Audit records as the service answers them."""

from __future__ import annotations

from typing import Any

from audit.domain.chain import Record

HIDDEN = ("_id", "area_ancestors")  # storage keys, not part of a record


def record_view(record: Record) -> dict[str, Any]:
    """A record's fields: the entry, its ``seq`` and ``event_id``, and the chain's hashes."""
    return {name: value for name, value in record.items() if name not in HIDDEN}
