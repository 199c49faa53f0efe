"""Household facts (collection ``household_facts``): area, members, band and merge of each household.

Each write keeps the state before it (``before``) with the number of the entry that made
it (``seq``): an entry applied again reads the household as it was before that entry, and
an entry older than the household's ``seq`` was applied in full (tallies are written
before the fact) and is skipped.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from common import areas
from reporting.app.ports import Prior
from reporting.domain.events import HouseholdFact


class MongoHouseholdFacts:
    def __init__(self, database: Database[Any]) -> None:
        self.collection = database["household_facts"]

    def get(self, household_id: str, seq: int) -> Prior:
        doc = self.collection.find_one({"_id": household_id})
        if doc is None:
            return Prior(None)
        if doc.get("seq", 0) > seq:
            return Prior(None, later=True)
        if doc.get("seq") == seq:
            before = doc.get("before")
            return Prior(None if before is None else HouseholdFact(household_id, **before))
        return Prior(_fact(doc))

    def save(self, seq: int, fact: HouseholdFact) -> None:
        doc = self.collection.find_one({"_id": fact.household_id})
        if doc is not None and doc.get("seq", 0) >= seq:
            return  # saved already by this entry (or a later one)
        before = None if doc is None else _state(_fact(doc))
        values = {**_state(fact), "area_ancestors": areas.ancestors(fact.area), "seq": seq, "before": before}
        self.collection.update_one({"_id": fact.household_id}, {"$set": values}, upsert=True)

    def clear(self) -> None:
        self.collection.delete_many({})


def _state(fact: HouseholdFact) -> dict[str, Any]:
    return {"area": fact.area, "members": fact.members, "band": fact.band, "merged": fact.merged}


def _fact(doc: dict[str, Any]) -> HouseholdFact:
    return HouseholdFact(doc["_id"], doc["area"], doc.get("members", 0), doc.get("band"), doc.get("merged", False))
