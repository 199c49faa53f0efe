"""The read models as the projection sees them: household facts, grant marks and tallies together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.database import Database

from reporting.adapters.grant_marks import MongoGrantMarks
from reporting.adapters.household_facts import MongoHouseholdFacts
from reporting.adapters.impact_marks import MongoScoreMarks
from reporting.adapters.tallies import MongoTallies
from reporting.domain.events import Folded, HouseholdFact, LegacyHousehold
from reporting.domain.report import TallyRow


class MongoReadModels:
    def __init__(self, database: Database[Any]) -> None:
        self.households_facts = MongoHouseholdFacts(database)
        self.grants = MongoGrantMarks(database)
        self.tallies = MongoTallies(database)
        self.scores = MongoScoreMarks(database)

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        MongoTallies.ensure_indexes(database)
        MongoScoreMarks.ensure_indexes(database)

    def households(self, ids: set[str], seq: int) -> dict[str, HouseholdFact | None] | None:
        return self.households_facts.before(ids, seq) if ids else {}

    def mark_grants(self, keys: set[str], seq: int) -> set[str]:
        return self.grants.mark(keys, seq)

    def apply(self, seq: int, folded: Folded, before: Mapping[str, HouseholdFact | None]) -> None:
        self.tallies.add(seq, folded.tallies)
        self.scores.save(seq, folded.scores)
        self.households_facts.save(seq, folded.households, before)

    def load(self, seq: int, folded: Folded, grants: set[str]) -> None:
        self.tallies.load(seq, folded.tallies)
        self.households_facts.load(seq, folded.households)
        self.grants.load(seq, grants)
        self.scores.load(seq, folded.scores.values())

    def legacy(self) -> list[LegacyHousehold]:
        return self.households_facts.legacy()

    def clear(self) -> None:
        self.tallies.clear()
        self.grants.clear()
        self.scores.clear()
        self.households_facts.clear()

    def rows(self, area: str, through: str) -> list[TallyRow]:
        return self.tallies.rows(area, through)

    def below(self, area: str, depth: int, quarters: list[str]) -> list[TallyRow]:
        return self.tallies.below(area, depth, quarters)

    def count_below(self, area: str, depth: int, quarters: list[str]) -> int:
        return self.tallies.count_below(area, depth, quarters)

    def children(self, area: str, quarters: list[str]) -> list[TallyRow]:
        return self.tallies.children(area, quarters)
