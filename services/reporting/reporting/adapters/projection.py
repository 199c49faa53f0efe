"""The projection's checkpoint and lease (collection ``projection``, one document).

The lease lets one worker of all the replicas apply the log at a time: it is taken for
``LEASE`` and renewed at every checkpoint, so a worker that dies loses it by itself. A
rebuild holds it for ``REBUILD_LEASE`` (renewed at every chunk read), long enough for its
single write of every read model at the end.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import clock
from reporting.app.ports import Checkpoint

LEASE = timedelta(seconds=60)
REBUILD_LEASE = timedelta(minutes=15)
ID = "projector"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MongoProjection:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["projection"]

    def _ensure(self) -> None:
        with contextlib.suppress(DuplicateKeyError):
            self.collection.insert_one({"_id": ID, "holder": None, "until": EPOCH, "applied_through": 0, "as_of": None})

    def acquire(self, token: str) -> Checkpoint | None:
        now = clock.now()
        free = {"_id": ID, "$or": [{"holder": None}, {"until": {"$lt": now}}]}
        claim = {"$set": {"holder": token, "until": now + LEASE}}
        doc = self.collection.find_one_and_update(free, claim, return_document=ReturnDocument.AFTER)
        if doc is None:
            if self.collection.find_one({"_id": ID}, {"_id": 1}) is not None:
                return None
            self._ensure()
            doc = self.collection.find_one_and_update(free, claim, return_document=ReturnDocument.AFTER)
            if doc is None:
                return None
        return _checkpoint(doc)

    def begin(self, token: str, seq: int) -> None:
        self.collection.update_one({"_id": ID, "holder": token}, {"$set": {"applying_through": seq}})

    def advance(self, token: str, seq: int, as_of: datetime | None) -> None:
        values = {
            "applied_through": seq,
            "applying_through": seq,
            "as_of": as_of,
            "until": clock.now() + LEASE,
            "rebuilding": False,
        }
        self.collection.update_one({"_id": ID, "holder": token}, {"$set": values})

    def restart(self, token: str) -> None:
        self.collection.update_one(
            {"_id": ID, "holder": token},
            {
                "$set": {
                    "applied_through": 0,
                    "applying_through": 0,
                    "as_of": None,
                    "rebuilding": True,
                    "until": clock.now() + REBUILD_LEASE,
                }
            },
        )

    def renew(self, token: str) -> None:
        self.collection.update_one({"_id": ID, "holder": token}, {"$set": {"until": clock.now() + REBUILD_LEASE}})

    def release(self, token: str) -> None:
        self.collection.update_one({"_id": ID, "holder": token}, {"$set": {"holder": None, "until": EPOCH}})

    def checkpoint(self) -> Checkpoint:
        return _checkpoint(self.collection.find_one({"_id": ID}) or {})


def _checkpoint(doc: dict[str, Any]) -> Checkpoint:
    return Checkpoint(
        doc.get("applied_through", 0), doc.get("as_of"), doc.get("applying_through", 0), doc.get("rebuilding", False)
    )
