"""Insert a document once per caller's idempotency key (a unique index on ``idempotency_key`` decides).

The pymongo twin of :func:`common.idempotency.insert_once`: the key is stored scoped to its
caller with the request's fingerprint; a repeat answers the first document; a record stored
before keys were scoped (the raw key, no fingerprint) answers its author only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from common.deadlocks import retry_transient
from common.errors import IdempotencyKeyReused
from common.idempotency import KEY_FIELD, KeyedRequest
from common.nameko_ext import outbox


def object_id(value: Any) -> ObjectId | None:
    """``value`` as an ObjectId, or None when it is not one (an unknown id: not found)."""
    try:
        return ObjectId(value) if isinstance(value, str) else None
    except InvalidId:
        return None


def insert_once(
    collection: Collection[dict[str, Any]], doc: Mapping[str, Any], key: KeyedRequest, author_field: str
) -> tuple[dict[str, Any], bool]:
    """Insert ``doc`` stamped with ``key``: ``(the stored document, created by this call)``."""
    legacy = collection.find_one(key.legacy_query(author_field))
    if legacy is not None:
        return legacy, False
    stored = {**doc, **key.stamp()}
    try:
        retry_transient(lambda: collection.insert_one(stored))
    except DuplicateKeyError:
        first = collection.find_one({KEY_FIELD: key.scoped})
        if first is None:
            raise
        if not key.matches(first, author_field):
            raise IdempotencyKeyReused(
                "this idempotency key was already used for another request", {"reason": "idempotency_key_reused"}
            ) from None
        return first, False
    if stored.get(outbox.OUTBOX_FIELD):
        outbox.mark(collection.database, collection.name, [stored["_id"]])
    return stored, True
