"""The carte sociale's reads of the ``tallies`` read model (written only by ``adapters.tallies``).

Both reads use an index of ``tallies``: ``area, quarter`` for an area's own tallies and
``parent, quarter`` for its direct children's.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from reporting.domain.report import TallyRow

FIELDS = {"_id": 0, "area": 1, "quarter": 1, "measure": 1, "programme": 1, "category": 1, "count": 1, "amount": 1}


class MongoCarteTallies:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["tallies"]

    def of_area(self, area: str, through: str) -> list[TallyRow]:
        return self._read({"area": area, "quarter": {"$lte": through}})

    def of_children(self, area: str, through: str) -> list[TallyRow]:
        return self._read({"parent": area, "quarter": {"$lte": through}})

    def _read(self, query: dict[str, Any]) -> list[TallyRow]:
        return [TallyRow(**doc) for doc in self.collection.find(query, FIELDS)]
