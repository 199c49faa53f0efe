"""Transactional outbox without transactions: the event rides in the record itself.

A write that must announce itself stores the event in the record's ``_outbox`` array
in the same single-document write (atomic on any MongoDB server), then marks
the record in the small ``_outbox_pending`` collection. The relay publishes the marked
records' events, with publisher confirms, and only then pulls them out; a crash in
between publishes an event again, and consumers deduplicate by ``event_id``.

The marker is a second write, so a crash right after the record's write can leave
an event unmarked: a periodic full sweep (and one at start) finds every record whose
``_outbox`` is not empty (through the sparse index on ``_outbox.event_id``). Markers
keep each tick to a few lookups by key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from pymongo.database import Database
from pymongo.errors import BulkWriteError

from common.contracts.events import Event, EventEnvelope

log = logging.getLogger(__name__)
DUPLICATE_KEY = 11000

OUTBOX_FIELD = "_outbox"
PENDING_COLLECTION = "_outbox_pending"
BATCH = 500
PENDING_KEY = f"{OUTBOX_FIELD}.event_id"  # sparse-indexed by repositories that use the outbox

Publish = Callable[[str, dict[str, Any]], None]


def entry(event: Event) -> dict[str, Any]:
    """The outbox entry announcing ``event``, to store in the record being written."""
    return EventEnvelope.of(event).model_dump(mode="json")


def mark(database: Database[Any], collection: str, ids: Iterable[Any]) -> None:
    """After writing events into these records: ask the relay to look at them.

    Markers are inserted, a marker already there is left alone (it asks the same).
    """
    markers = [{"_id": f"{collection}:{doc_id}", "collection": collection, "doc_id": doc_id} for doc_id in ids]
    if not markers:
        return
    try:
        database[PENDING_COLLECTION].insert_many(markers, ordered=False)
    except BulkWriteError as exc:
        if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
            raise


def _publish_record(database: Database[Any], collection: str, doc_id: Any, publish: Publish) -> int:
    doc = database[collection].find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
    entries = (doc or {}).get(OUTBOX_FIELD) or []
    for stored in entries:
        publish(stored["event_type"], stored)
        # Pull the entry by its exact value, as read: one written meanwhile stays for the next tick.
        database[collection].update_one({"_id": doc_id}, {"$pull": {OUTBOX_FIELD: stored}})
    return len(entries)


def relay(database: Database[Any], publish: Publish) -> int:
    """Publish the events of the marked records; return how many were published."""
    sent = 0
    markers = database[PENDING_COLLECTION]
    for marker in list(markers.find({}).limit(BATCH)):
        # Unmark first: a writer that adds an event after this re-marks the record.
        markers.delete_one({"_id": marker["_id"]})
        try:
            sent += _publish_record(database, marker["collection"], marker["doc_id"], publish)
        except Exception:
            mark(database, marker["collection"], [marker["doc_id"]])  # try again next tick
            raise
    if sent:
        log.info("outbox relayed", extra={"events": sent})
    return sent


def sweep(database: Database[Any], collections: Iterable[str]) -> int:
    """Mark every record that still holds events (after a crash); return how many."""
    found = 0
    for name in collections:
        ids = [doc["_id"] for doc in database[name].find({PENDING_KEY: {"$exists": True}}, {"_id": 1})]
        mark(database, name, ids)
        found += len(ids)
    if found:
        log.warning("outbox sweep found unmarked events", extra={"records": found})
    return found
