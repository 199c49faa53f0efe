"""Households: register (probable duplicates held for review), read, list, update, count."""

from __future__ import annotations

from typing import Any

from common import policy
from common.contracts.households import HouseholdFilter, HouseholdIn, HouseholdUpdate
from common.contracts.people import protected_record
from common.errors import NotFound
from common.idempotency import check_key
from common.nameko_ext.entrypoints import rpc
from common.validation import parse
from registry.base import RegistryBase
from registry.duplicates import findings, household_keys, person_records
from registry.repository import NewHousehold

CANDIDATE_LIMIT = 200  # stored households compared with a new one, at most


class HouseholdEntrypoints(RegistryBase):
    @rpc
    def register_household(self, household: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Register a household; the same idempotency key always yields the same one.

        A household whose members are probably already registered is stored
        ``held_for_review`` with a review item per existing household it resembles
        (``possible_duplicates``), unless a reviewer already said the pair differs.
        """
        caller = policy.authorize(self.caller, "household.register")
        key = check_key(idempotency_key)
        payload = parse(HouseholdIn, household)
        policy.require_within(caller, payload.area)
        members = [protected_record(member, self.national_ids) for member in payload.members]
        household_id = self.households.new_id()
        records = person_records(household_id, payload.area, members)
        keys = household_keys(records)
        found = findings(records, self.households.candidates(keys, CANDIDATE_LIMIT))
        settled = self.reviews.known_different(household_id, [f.household_id for f in found])
        found = [f for f in found if f.household_id not in settled]
        status = "held_for_review" if found else "active"
        new = NewHousehold(id=household_id, members=members, keys=keys, status=status)
        stored, created = self.households.register(payload, new, caller.user_id, key)
        if created and found:
            self.reviews.open(household_id, payload.area, found)
        held = [f.household_id for f in found] if created else []
        return {**stored, "possible_duplicates": held}

    @rpc
    def get_household(self, household_id: str) -> dict[str, Any]:
        """A household; a merged one answers with the household it was merged into."""
        caller = policy.authorize(self.caller, "household.read")
        found = self.households.get(household_id)
        if found is None:
            raise NotFound("household not found")
        policy.visible(caller, found["area"], "household")  # by id, then scope: one index lookup
        return found

    @rpc
    def list_households(self, filters: dict[str, Any]) -> dict[str, Any]:
        """A page of households in the caller's area, optionally narrowed."""
        caller = policy.authorize(self.caller, "household.read")
        return self.households.list(policy.scope_filter(caller), parse(HouseholdFilter, filters))

    @rpc
    def update_household(self, household_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a household's editable fields; out of area it does not exist."""
        caller = policy.authorize(self.caller, "household.update")
        payload = parse(HouseholdUpdate, changes)
        updated = self.households.update(household_id, policy.scope_filter(caller), payload, caller.user_id)
        if updated is None:
            raise NotFound("household not found")
        return updated

    @rpc
    def count_households(self) -> int:
        """Households in the caller's area, merged ones aside."""
        caller = policy.authorize(self.caller, "household.read")
        return self.households.count(policy.scope_filter(caller))
