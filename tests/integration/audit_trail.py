"""Read the audit trail of a test's own database: how many entries, and for which requests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import MongoClient


def count_audit_entries(mongo_uri: str, db_prefix: str, correlation_ids: Iterable[str] | None = None) -> int:
    """Audit records stored under ``db_prefix`` (the services' MONGO_DB_PREFIX), all or those
    of the given correlation ids (send ``X-Correlation-ID`` with each request to count them)."""
    filters: dict[str, Any] = {}
    if correlation_ids is not None:
        filters["correlation_id"] = {"$in": list(correlation_ids)}
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, serverSelectionTimeoutMS=5000)
    try:
        return client[f"{db_prefix}audit"]["audit_records"].count_documents(filters)
    finally:
        client.close()
