"""Reporting entrypoints: event handlers feed read models, RPCs read them."""

from __future__ import annotations

from typing import Any

from common import policy
from common.contracts.events import HOUSEHOLD_REGISTERED, EventEnvelope
from common.nameko_ext.dead_letter import event_handler
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from reporting.repository import HouseholdFacts, MongoHouseholdFacts


class ReportingService(PlatformService):
    name = "reporting"

    households: HouseholdFacts = MongoRepository(MongoHouseholdFacts)

    @event_handler("registry", HOUSEHOLD_REGISTERED)
    def on_household_registered(self, payload: dict[str, Any]) -> None:
        event = EventEnvelope.model_validate(payload)
        data = event.data
        self.households.record_registration(str(data["household_id"]), str(data["area"]), int(data["members"]))

    @rpc
    def household_count(self) -> dict[str, Any]:
        """Registered households in the caller's area, as reporting has seen them."""
        caller = policy.authorize(self.caller, "report.read")
        return {"area": caller.area, "households": self.households.count(policy.scope_filter(caller))}
