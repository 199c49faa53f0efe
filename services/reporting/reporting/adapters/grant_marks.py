"""Grant marks (collection ``grant_marks``): the first grant of a household per quarter and programme.

The mark keeps the number of the entry that made it, so that entry applied again is still the first.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError


class MongoGrantMarks:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["grant_marks"]

    def mark(self, key: str, seq: int) -> bool:
        try:
            self.collection.insert_one({"_id": key, "seq": seq})
        except DuplicateKeyError:
            held = self.collection.find_one({"_id": key}) or {}
            return bool(held.get("seq") == seq)
        return True

    def clear(self) -> None:
        self.collection.delete_many({})
