"""The event log (collection ``event_log``): every consumed event once, numbered in the order it is applied.

``_id`` is the event id (a redelivered event is the same document); ``seq`` is null until
the projection numbers it, taking the waiting entries by the time they occurred (a
household's registration before its merge, even when both arrive within one second),
then by arrival. One index serves both reads: the entries not numbered yet (``seq`` null)
and the numbered ones after a checkpoint (by ``seq``).
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from reporting.domain.events import LoggedEvent

ORDER = [("seq", ASCENDING), ("occurred_at", ASCENDING), ("received_at", ASCENDING), ("_id", ASCENDING)]


class MongoEventLog:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["event_log"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database["event_log"].create_index(ORDER)

    def append(self, entry: LoggedEvent) -> bool:
        try:
            self.collection.insert_one(
                {
                    "_id": entry.event_id,
                    "producer": entry.producer,
                    "event_type": entry.event_type,
                    "version": entry.version,
                    "occurred_at": entry.occurred_at,
                    "received_at": entry.received_at,
                    "data": entry.data,
                    "seq": None,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    def sequence_pending(self, limit: int) -> int:
        pending = list(self.collection.find({"seq": None}, {"_id": 1}).sort(ORDER).limit(limit))
        if not pending:
            return 0
        last = self.collection.find_one({"seq": {"$ne": None}}, {"seq": 1}, sort=[("seq", DESCENDING)])
        start = (last or {}).get("seq") or 0
        self.collection.bulk_write(
            [
                UpdateOne({"_id": doc["_id"], "seq": None}, {"$set": {"seq": start + i}})
                for i, doc in enumerate(pending, 1)
            ]
        )
        return len(pending)

    def after(self, seq: int, limit: int) -> list[LoggedEvent]:
        found = self.collection.find({"seq": {"$gt": seq}}).sort("seq", ASCENDING).limit(limit)
        return [_entry(doc) for doc in found]

    def pending(self) -> int:
        return self.collection.count_documents({"seq": None})


def _entry(doc: dict[str, Any]) -> LoggedEvent:
    return LoggedEvent(
        event_id=doc["_id"],
        producer=doc["producer"],
        event_type=doc["event_type"],
        version=doc["version"],
        occurred_at=doc["occurred_at"],
        received_at=doc["received_at"],
        data=doc["data"],
        seq=doc["seq"],
    )
