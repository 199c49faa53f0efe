"""From a stored mongoengine document to the plain JSON an RPC returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bson import ObjectId
from mongoengine import Document

# Bookkeeping fields that never leave the service.
INTERNAL_FIELDS = frozenset({"area_ancestors", "idempotency_key", "idempotency_fingerprint", "_outbox", "_cls"})


def _plain(value: Any) -> Any:
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def as_public(document: Document, omit: tuple[str, ...] = ()) -> dict[str, Any]:
    """The document as JSON-safe data, ``_id`` renamed ``id``, internal fields dropped."""
    data = document.to_mongo().to_dict()
    data["id"] = data.pop("_id")
    return {k: _plain(v) for k, v in data.items() if k not in INTERNAL_FIELDS and k not in omit}
