"""Tallies (collection ``tallies``): a count and an amount per area, quarter, measure, programme and category.

A batch's deltas are added to their area and to every area above it (cell, commune,
wilaya, national), so a report of any area reads a few tallies of that area alone
(index ``area, quarter``), a consolidation reads its children's (index ``parent,
quarter``) and an export every area of one level below it (index ``lineage, depth, quarter``;
``depth`` 0 is national, 1 a wilaya, 2 a commune). Each tally keeps the number of the
last batch added (``seq``): a batch added again finds ``seq`` not below its own and
changes nothing. A rebuild inserts all of them at once (``load``) into the emptied collection.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from common import areas
from reporting.domain.events import TallyKey
from reporting.domain.report import HEADLINE, TallyRow

DUPLICATE_KEY = 11000
INSERT_CHUNK = 10_000


class MongoTallies:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["tallies"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database["tallies"].create_index([("area", ASCENDING), ("quarter", ASCENDING)])
        database["tallies"].create_index([("parent", ASCENDING), ("quarter", ASCENDING)])
        database["tallies"].create_index([("lineage", ASCENDING), ("depth", ASCENDING), ("quarter", ASCENDING)])

    def add(self, seq: int, tallies: Mapping[TallyKey, list[int]]) -> None:
        """Add each tally's count and amount to its area and every area above it, guarded by ``seq``."""
        summed = _at_every_level(tallies)
        writes = [
            UpdateOne(
                {"_id": "|".join(key), "seq": {"$lt": seq}},
                {"$inc": {"count": count, "amount": amount}, "$set": {"seq": seq}, "$setOnInsert": _describe(key)},
                upsert=True,
            )
            for key, (count, amount) in summed.items()
        ]
        if not writes:
            return
        try:
            self.collection.bulk_write(writes, ordered=False)
        except BulkWriteError as exc:  # a tally this batch already reached: its upsert finds the _id taken
            if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", ())):
                raise

    def load(self, seq: int, tallies: Mapping[TallyKey, list[int]]) -> None:
        """Insert a whole replay's tallies (at every level) into the emptied collection, as of ``seq``."""
        docs = (
            {"_id": "|".join(key), "count": count, "amount": amount, "seq": seq, **_describe(key)}
            for key, (count, amount) in _at_every_level(tallies).items()
        )
        insert_all(self.collection, docs)

    def rows(self, area: str, through: str) -> list[TallyRow]:
        return [_row(doc) for doc in self.collection.find({"area": area, "quarter": {"$lte": through}})]

    def children(self, area: str, quarters: list[str]) -> list[TallyRow]:
        query = {"parent": area, "quarter": {"$in": quarters}, "measure": {"$in": list(HEADLINE)}}
        return [_row(doc) for doc in self.collection.find(query)]

    def below(self, area: str, depth: int, quarters: list[str]) -> list[TallyRow]:
        return [_row(doc) for doc in self.collection.find(_below(area, depth, quarters))]

    def count_below(self, area: str, depth: int, quarters: list[str]) -> int:
        return self.collection.count_documents(_below(area, depth, quarters))

    def clear(self) -> None:
        self.collection.delete_many({})


def _at_every_level(tallies: Mapping[TallyKey, list[int]]) -> dict[TallyKey, list[int]]:
    """The tallies of the events' own areas summed into those areas and every area above them."""
    summed: dict[TallyKey, list[int]] = {}
    for (area, quarter, measure, programme, category), (count, amount) in tallies.items():
        for place in areas.ancestors(area):
            total = summed.setdefault((place, quarter, measure, programme, category), [0, 0])
            total[0] += count
            total[1] += amount
    return summed


def insert_all(collection: Collection[Any], docs: Iterable[dict[str, Any]], chunk: int = INSERT_CHUNK) -> None:
    """Insert ``docs`` into an empty collection, ``chunk`` at a time, unordered (a replay's single write)."""
    docs = iter(docs)
    while part := list(itertools.islice(docs, chunk)):
        collection.insert_many(part, ordered=False)


def _describe(key: TallyKey) -> dict[str, Any]:
    place, quarter, measure, programme, category = key
    lineage = areas.ancestors(place)
    return {
        "area": place,
        "parent": lineage[-2] if len(lineage) > 1 else None,
        "lineage": lineage,
        "depth": len(lineage) - 1,
        "quarter": quarter,
        "measure": measure,
        "programme": programme,
        "category": category,
    }


def _below(area: str, depth: int, quarters: list[str]) -> dict[str, Any]:
    return {"lineage": area, "depth": depth, "quarter": {"$in": quarters}, "measure": {"$in": list(HEADLINE)}}


def _row(doc: dict[str, Any]) -> TallyRow:
    return TallyRow(
        doc["area"], doc["quarter"], doc["measure"], doc["programme"], doc["category"], doc["count"], doc["amount"]
    )
