"""Household facts (collection ``household_facts``): area, members, band, score and merge of each household.

A batch writes the households it changed with the number of its last entry (``seq``) and
each one's state before the batch (``before``): a batch applied again reads the households
as they were before it. A household whose ``seq`` is beyond the batch was written by a
later batch (facts are written after tallies), so the batch was applied in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from common import areas
from reporting.adapters.tallies import insert_all
from reporting.domain.events import HouseholdFact, LegacyHousehold

DUPLICATE_KEY = 11000


class MongoHouseholdFacts:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["household_facts"]

    def before(self, ids: set[str], seq: int) -> dict[str, HouseholdFact | None] | None:
        found: dict[str, HouseholdFact | None] = {}
        for doc in self.collection.find({"_id": {"$in": sorted(ids)}}):
            held = doc.get("seq", 0)
            if held > seq:
                return None
            if held == seq:
                state = doc.get("before")
                found[doc["_id"]] = None if state is None else HouseholdFact(doc["_id"], **state)
            else:
                found[doc["_id"]] = _fact(doc)
        return found

    def save(self, seq: int, facts: Mapping[str, HouseholdFact], before: Mapping[str, HouseholdFact | None]) -> None:
        if not facts:
            return
        writes = [
            UpdateOne(
                {"_id": household_id, "$or": [{"seq": {"$lt": seq}}, {"seq": {"$exists": False}}]},
                {
                    "$set": {
                        **_state(fact),
                        "area_ancestors": areas.ancestors(fact.area),
                        "seq": seq,
                        "before": None if (old := before.get(household_id)) is None else _state(old),
                    }
                },
                upsert=True,
            )
            for household_id, fact in facts.items()
        ]
        try:
            self.collection.bulk_write(writes, ordered=False)
        except BulkWriteError as exc:  # a household this batch already saved: its upsert finds the _id taken
            if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", ())):
                raise

    def load(self, seq: int, facts: Mapping[str, HouseholdFact]) -> None:
        """Insert a whole replay's households, as they end, into the emptied collection, as of ``seq``."""
        docs = (
            {
                "_id": household_id,
                **_state(fact),
                "area_ancestors": areas.ancestors(fact.area),
                "seq": seq,
                "before": None,
            }
            for household_id, fact in facts.items()
        )
        insert_all(self.collection, docs)

    def clear(self) -> None:
        self.collection.delete_many({})

    def legacy(self) -> list[LegacyHousehold]:
        return legacy(self.collection.database)


def _state(fact: HouseholdFact) -> dict[str, Any]:
    return {
        "area": fact.area,
        "members": fact.members,
        "band": fact.band,
        "merged": fact.merged,
        "score": fact.score,
        "model_version": fact.model_version,
    }


def _fact(doc: dict[str, Any]) -> HouseholdFact:
    return HouseholdFact(
        doc["_id"],
        doc["area"],
        doc.get("members", 0),
        doc.get("band"),
        doc.get("merged", False),
        doc.get("score"),
        doc.get("model_version"),
    )


def legacy(database: Database[Any]) -> list[LegacyHousehold]:
    """Facts written before the event log (no batch number): the households to adopt into the log."""
    return [
        LegacyHousehold(
            doc["_id"],
            doc["area"],
            doc.get("members", 0),
            doc.get("merged", False),
            doc.get("band"),
            doc.get("score"),
            doc.get("model_version"),
        )
        for doc in database["household_facts"].find({"seq": {"$exists": False}, "area": {"$exists": True}})
    ]
