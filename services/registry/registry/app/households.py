"""Households: register (probable duplicates held for review), read, list, update, count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common import clock
from common.context import CallerContext
from common.contracts.households import HouseholdFilter, HouseholdIn, HouseholdUpdate
from common.contracts.people import protected_record
from common.errors import NotFound
from common.idempotency import KeyedRequest, keyed
from common.pii import NationalIdProtector
from common.scope import Scope
from registry.app.ports import HouseholdRepository, ReviewRepository
from registry.domain.household import Household, Page
from registry.domain.households import duplicates_shown, still_open
from registry.duplicates import findings, household_keys, person_records

CANDIDATE_LIMIT = 200  # stored households compared with a new one, at most


@dataclass(frozen=True)
class Registration:
    """A registered household and its probable duplicates: named inside the caller's area, else counted."""

    household: Household
    possible_duplicates: list[str]
    possible_duplicates_outside_area: int


@dataclass(frozen=True)
class Found:
    """A household as read: ``redirected_from`` names the merged one asked for when its survivor answers."""

    household: Household
    redirected_from: str | None = None


def registration_key(
    user_id: str, idempotency_key: object, payload: HouseholdIn, members: list[dict[str, Any]]
) -> KeyedRequest:
    """The caller's key for a registration: national ids enter its fingerprint as their keyed hash only."""
    stable = [{k: v for k, v in member.items() if k != "national_id_enc"} for member in members]  # enc is random
    body = payload.model_dump(mode="json", exclude={"members"})
    return keyed(user_id, idempotency_key, "register_household", body, stable)


def register(
    households: HouseholdRepository,
    reviews: ReviewRepository,
    national_ids: NationalIdProtector,
    caller: CallerContext,
    payload: HouseholdIn,
    idempotency_key: object,
) -> Registration:
    """Register a household once per idempotency key; probable duplicates are held with a review each.

    A pair a reviewer already found different is not asked again. ``possible_duplicates``
    names those inside the caller's area; the others are only counted.
    """
    members = [protected_record(member, national_ids) for member in payload.members]
    key = registration_key(caller.user_id, idempotency_key, payload, members)
    household_id = households.new_id()
    records = person_records(household_id, payload.area, members)
    keys = household_keys(records)
    found = findings(records, households.candidates(keys, CANDIDATE_LIMIT))
    found = still_open(found, reviews.known_different(household_id, [f.household_id for f in found]))
    registered = Household.registered(household_id, payload, members, keys, found, caller.user_id, clock.now())
    stored, created = households.register(registered, key)
    if created and found:
        reviews.open(household_id, payload.area, found)
    in_area, outside = duplicates_shown(found if created else [], Scope(caller.area))
    return Registration(stored, in_area, outside)


def find(households: HouseholdRepository, household_id: str) -> Found | None:
    """A household wherever it is; a merged one is found as the household it was merged into."""
    own = households.get(household_id)
    if own is None or not (own.is_merged and own.merged_into):
        return Found(own) if own else None
    survivor = households.get(own.merged_into)
    return Found(survivor, redirected_from=household_id) if survivor else None


def get(households: HouseholdRepository, scope: Scope, household_id: str) -> Found:
    """A household; a merged one answers with its survivor, or as itself when the survivor is out of scope."""
    own = households.get(household_id)  # by id, then scope: one index lookup
    if own is not None and own.is_merged and own.merged_into:
        survivor = households.get(own.merged_into)
        if survivor is not None and survivor.visible_in(scope):
            return Found(survivor, redirected_from=household_id)
        if survivor is not None and own.visible_in(scope):
            return Found(own.as_itself())
    elif own is not None and own.visible_in(scope):
        return Found(own)
    raise NotFound("household not found")


def list_page(households: HouseholdRepository, scope: Scope, filters: HouseholdFilter) -> Page:
    """A page of households inside ``scope``, optionally narrowed."""
    return households.list(scope, filters)


def update(
    households: HouseholdRepository, scope: Scope, household_id: str, changes: HouseholdUpdate, user_id: str
) -> Household:
    """Change a household's editable fields; out of scope it does not exist."""
    updated = households.update(household_id, scope, changes, user_id)
    if updated is None:
        raise NotFound("household not found")
    return updated


def count(households: HouseholdRepository, scope: Scope) -> int:
    """Households inside ``scope``, merged ones aside."""
    return households.count(scope)
