"""The read models as the projection sees them: household facts, grant marks and tallies together."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from reporting.adapters.grant_marks import MongoGrantMarks
from reporting.adapters.household_facts import MongoHouseholdFacts
from reporting.adapters.tallies import MongoTallies
from reporting.app.ports import Prior
from reporting.domain.events import Effects
from reporting.domain.report import TallyRow


class MongoReadModels:
    def __init__(self, database: Database[Any]) -> None:
        self.households = MongoHouseholdFacts(database)
        self.grants = MongoGrantMarks(database)
        self.tallies = MongoTallies(database)

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        MongoTallies.ensure_indexes(database)

    def household(self, household_id: str, seq: int) -> Prior:
        return self.households.get(household_id, seq)

    def mark_grant(self, key: str, seq: int) -> bool:
        return self.grants.mark(key, seq)

    def apply(self, seq: int, effects: Effects) -> None:
        self.tallies.add(seq, effects.area, effects.quarter, effects.deltas)
        if effects.household is not None:
            self.households.save(seq, effects.household)

    def clear(self) -> None:
        self.tallies.clear()
        self.grants.clear()
        self.households.clear()

    def rows(self, area: str, through: str) -> list[TallyRow]:
        return self.tallies.rows(area, through)

    def below(self, area: str, depth: int, quarters: list[str]) -> list[TallyRow]:
        return self.tallies.below(area, depth, quarters)

    def count_below(self, area: str, depth: int, quarters: list[str]) -> int:
        return self.tallies.count_below(area, depth, quarters)

    def children(self, area: str, quarters: list[str]) -> list[TallyRow]:
        return self.tallies.children(area, quarters)
