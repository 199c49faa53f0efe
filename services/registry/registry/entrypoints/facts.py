"""Household facts for assistance's eligibility and double-aid checks (``common.contracts.facts``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from common import areas, policy
from common.errors import NotFound, ValidationFailed
from common.nameko_ext.entrypoints import rpc
from registry.base import RegistryBase

MAX_PAGE = 5000


class FactsEntrypoints(RegistryBase):
    @rpc
    def household_facts(self, household_id: str) -> dict[str, Any]:
        """One household's facts, with ``related_households``: the same people registered elsewhere.

        Related are households merged into this one, sharing a member's national id, or
        pending duplicate review with it, wherever they are: the double-aid check needs
        them across wilayas, and they are only ids. A merged household answers for its survivor.
        """
        caller = policy.authorize(self.caller, "household.read")
        facts = self.households.facts(household_id, datetime.now(UTC).date())
        if facts is None:
            raise NotFound("household not found")
        policy.visible(caller, facts["area"], "household")
        pending = self.reviews.partners(facts["household_id"])
        facts["related_households"] = sorted(set(facts["related_households"]) | pending)
        return facts

    @rpc
    def household_facts_page(self, area: str, after: str | None = None, limit: int = 1000) -> dict[str, Any]:
        """Facts of the households in ``area`` (inside the caller's), by id, merged ones aside.

        For batch runs: ``related_households`` is left empty here (a query per household);
        ask ``household_facts`` for the ones a decision is about.
        """
        caller = policy.authorize(self.caller, "household.read")
        target = areas.validate(area)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
            raise ValidationFailed(f"limit must be 1 to {MAX_PAGE}", {"limit": limit})
        if not areas.contains(caller.area, target):
            return {"items": [], "next_cursor": None}
        items = self.households.facts_page(target, after, limit, datetime.now(UTC).date())
        return {"items": items, "next_cursor": items[-1]["household_id"] if len(items) == limit else None}
