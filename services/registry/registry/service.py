"""Registry entrypoints: thin, each authorises, validates and delegates."""

from __future__ import annotations

from typing import Any

from nameko.events import EventDispatcher
from nameko.timer import timer

from common import areas, policy
from common.contracts.households import HouseholdFilter, HouseholdIn, HouseholdUpdate
from common.contracts.people import protected_record
from common.errors import NotFound, ValidationFailed
from common.idempotency import check_key
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.pii import NationalIdProtector
from common.validation import parse
from registry.areas_store import AreaRepository, MongoAreaRepository
from registry.dependencies import NationalIds
from registry.repository import HouseholdRepository, MongoHouseholdRepository


class RegistryService(PlatformService):
    name = "registry"

    households: HouseholdRepository = MongoRepository(MongoHouseholdRepository)
    areas: AreaRepository = MongoRepository(MongoAreaRepository)
    national_ids: NationalIdProtector = NationalIds()
    dispatch = EventDispatcher()

    @rpc
    def register_household(self, household: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Register a household; the same idempotency key always yields the same one."""
        caller = policy.authorize(self.caller, "household.register")
        key = check_key(idempotency_key)
        payload = parse(HouseholdIn, household)
        policy.require_within(caller, payload.area)
        members = [protected_record(member, self.national_ids) for member in payload.members]
        return self.households.register(payload, members, caller.user_id, key)

    @rpc
    def get_household(self, household_id: str) -> dict[str, Any]:
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
        caller = policy.authorize(self.caller, "household.read")
        return self.households.count(policy.scope_filter(caller))

    @rpc
    def list_areas(self, parent: str) -> list[dict[str, Any]]:
        """The areas directly below ``parent`` (reference data: every signed-in role may read it)."""
        policy.authorize(self.caller, "area.read")
        return self.areas.children(areas.validate(parent))

    @rpc
    def import_communes(self, csv_text: str) -> dict[str, Any]:
        """Add or correct communes from a ``code;wilaya_code;name_fr;name_ar`` CSV."""
        policy.authorize(self.caller, "area.manage")
        if not isinstance(csv_text, str) or not csv_text.strip():
            raise ValidationFailed("the CSV is empty")
        return self.areas.import_communes(csv_text)

    @timer(interval=0.5)
    def relay_outbox(self) -> None:
        """Publish the events written with the records (see common.nameko_ext.outbox)."""
        self.households.relay_events(self.dispatch)

    @timer(interval=600, eager=True)
    def sweep_outbox(self) -> None:
        """At start and every 10 minutes: catch events a crash left unmarked."""
        self.households.sweep_events()
