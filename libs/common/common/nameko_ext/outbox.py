"""Transactional outbox without transactions: the event rides in the record itself.

A write that must announce itself stores the event in the record's ``_outbox`` array
in the same single-document write (atomic in MongoDB and FerretDB alike). A timer
publishes pending events, with publisher confirms, and only then pulls them out. A
crash between the two publishes the event again: consumers deduplicate by
``event_id``. Nothing written is ever left unannounced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from pymongo.database import Database

from common.contracts.events import EventEnvelope

log = logging.getLogger(__name__)

OUTBOX_FIELD = "_outbox"
BATCH = 200
PENDING_KEY = f"{OUTBOX_FIELD}.event_id"  # sparse-indexed by repositories that use the outbox


def pending(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """An outbox entry to store in the record being written."""
    return EventEnvelope.new(event_type, data).model_dump(mode="json")


def relay(
    database: Database[Any],
    collections: Iterable[str],
    publish: Callable[[str, dict[str, Any]], None],
) -> int:
    """Publish and clear every pending event of ``collections``; return how many."""
    sent = 0
    for name in collections:
        collection = database[name]
        docs = collection.find({PENDING_KEY: {"$exists": True}}, {OUTBOX_FIELD: 1})
        for doc in docs.limit(BATCH):
            for entry in doc[OUTBOX_FIELD]:
                publish(entry["event_type"], entry)
                # Pull the entry by its exact value, as read: FerretDB ignores $pull conditions.
                collection.update_one({"_id": doc["_id"]}, {"$pull": {OUTBOX_FIELD: entry}})
                sent += 1
    if sent:
        log.info("outbox relayed", extra={"events": sent})
    return sent
