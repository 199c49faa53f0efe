"""Grant marks (collection ``grant_marks``): the first grant of a household per quarter and programme.

A mark keeps the number of the batch that made it, so that batch applied again still finds its marks first.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database
from pymongo.errors import BulkWriteError

from reporting.adapters.tallies import insert_all

DUPLICATE_KEY = 11000


class MongoGrantMarks:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["grant_marks"]

    def mark(self, keys: set[str], seq: int) -> set[str]:
        try:
            self.collection.insert_many([_doc(key, seq) for key in sorted(keys)], ordered=False)
        except BulkWriteError as exc:
            if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", ())):
                raise
            taken = {error["op"]["_id"] for error in exc.details["writeErrors"]}
            ours = {doc["_id"] for doc in self.collection.find({"_id": {"$in": sorted(taken)}, "seq": seq}, {"_id": 1})}
            return (keys - taken) | ours
        return set(keys)

    def load(self, seq: int, keys: set[str]) -> None:
        """Insert a whole replay's marks into the emptied collection, as of ``seq``."""
        insert_all(self.collection, (_doc(key, seq) for key in keys))

    def clear(self) -> None:
        self.collection.delete_many({})


def _doc(key: str, seq: int) -> dict[str, Any]:
    """A mark with its parts (household, quarter, programme) kept apart too, for programme impact's queries."""
    household, quarter, programme = key.split("|", 2)
    return {"_id": key, "household": household, "quarter": quarter, "programme": programme, "seq": seq}
