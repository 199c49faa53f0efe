"""Administrative areas in the registry's database: seeded from reference data, extended by CSV."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database

from registry.reference.areas import Area, RowError, load_wilayas, parse_communes, reference_areas


class MongoAreaRepository:
    """Keyed by path; the 58 wilayas and the sample communes are upserted at start."""

    def __init__(self, database: Database[Any]) -> None:
        self.areas = database["areas"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database["areas"].create_index([("parent", ASCENDING), ("code", ASCENDING)])
        MongoAreaRepository(database).upsert(reference_areas())

    def upsert(self, found: list[Area]) -> int:
        """Insert or correct ``found`` (keyed by path)."""
        if not found:
            return 0
        ops = [UpdateOne({"_id": a.path}, {"$set": a.as_record()}, upsert=True) for a in found]
        self.areas.bulk_write(ops, ordered=False)  # the driver splits it into commands the server takes
        return len(ops)

    def children(self, parent: str) -> list[dict[str, Any]]:
        return list(self.areas.find({"parent": parent}, {"_id": 0}).sort("code", ASCENDING))

    def import_communes(self, csv_text: str) -> dict[str, Any]:
        found: list[Area] = []
        errors: list[RowError] = []
        for item in parse_communes(csv_text.splitlines(), load_wilayas()):
            if isinstance(item, RowError):
                errors.append(item)
            else:
                found.append(item)
        return {"imported": self.upsert(found), "errors": [asdict(e) for e in errors]}
