"""Households: register (probable duplicates held for review), read, list, update, count."""

from __future__ import annotations

from typing import Any

from common import areas, policy
from common.contracts.households import HouseholdFilter, HouseholdIn, HouseholdUpdate
from common.contracts.people import protected_record
from common.errors import NotFound
from common.idempotency import KeyedRequest, keyed
from common.nameko_ext.entrypoints import rpc
from common.validation import parse
from registry.adapters.households import NewHousehold
from registry.base import RegistryBase
from registry.duplicates import findings, household_keys, person_records

CANDIDATE_LIMIT = 200  # stored households compared with a new one, at most


def registration_key(
    user_id: str, idempotency_key: object, payload: HouseholdIn, members: list[dict[str, Any]]
) -> KeyedRequest:
    """The caller's key for a registration: national ids enter its fingerprint as their keyed hash only."""
    stable = [{k: v for k, v in member.items() if k != "national_id_enc"} for member in members]  # enc is random
    body = payload.model_dump(mode="json", exclude={"members"})
    return keyed(user_id, idempotency_key, "register_household", body, stable)


class HouseholdEntrypoints(RegistryBase):
    @rpc
    def register_household(self, household: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Register a household; the same idempotency key always yields the same one.

        A household whose members are probably already registered is stored
        ``held_for_review`` with a review item per existing household it resembles,
        unless a reviewer already said the pair differs. ``possible_duplicates`` names
        those inside the caller's area; the others are only counted
        (``possible_duplicates_outside_area``).
        """
        caller = policy.authorize(self.caller, "household.register")
        payload = parse(HouseholdIn, household)
        policy.require_within(caller, payload.area)
        members = [protected_record(member, self.national_ids) for member in payload.members]
        key = registration_key(caller.user_id, idempotency_key, payload, members)
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
        held = [f for f in found if created]
        in_area = [f.household_id for f in held if areas.contains(caller.area, f.area)]
        return {**stored, "possible_duplicates": in_area, "possible_duplicates_outside_area": len(held) - len(in_area)}

    @rpc
    def get_household(self, household_id: str) -> dict[str, Any]:
        """A household; a merged one answers with the household it was merged into.

        When that survivor is outside the caller's area, a merged household of the caller's
        area answers as itself (status ``merged``, without the survivor's id).
        """
        caller = policy.authorize(self.caller, "household.read")
        found = self.households.get(household_id)  # by id, then scope: one index lookup
        if found is not None and areas.contains(caller.area, found["area"]):
            return found
        if found is not None and found.get("redirected_from"):
            own = self.households.get(household_id, follow_merge=False)
            if own is not None and areas.contains(caller.area, own["area"]):
                return {k: v for k, v in own.items() if k != "merged_into"}
        raise NotFound("household not found")

    @rpc
    def list_households(self, filters: dict[str, Any]) -> dict[str, Any]:
        """A page of households in the caller's area, optionally narrowed."""
        caller = policy.authorize(self.caller, "household.read")
        return self.households.list(policy.scope(caller), parse(HouseholdFilter, filters))

    @rpc
    def update_household(self, household_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a household's editable fields; out of area it does not exist."""
        caller = policy.authorize(self.caller, "household.update")
        payload = parse(HouseholdUpdate, changes)
        updated = self.households.update(household_id, policy.scope(caller), payload, caller.user_id)
        if updated is None:
            raise NotFound("household not found")
        return updated

    @rpc
    def count_households(self) -> int:
        """Households in the caller's area, merged ones aside."""
        caller = policy.authorize(self.caller, "household.read")
        return self.households.count(policy.scope(caller))
