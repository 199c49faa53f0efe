"""Reporting entrypoints: event handlers feed read models, RPCs read them."""

from __future__ import annotations

from typing import Any

from common import policy
from common.contracts.events import HOUSEHOLD_REGISTERED, HOUSEHOLDS_MERGED, SCORE_CHANGED, EventEnvelope
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.transient import event_handler
from reporting.repository import HouseholdFacts, MongoHouseholdFacts


class ReportingService(PlatformService):
    name = "reporting"

    households: HouseholdFacts = MongoRepository(MongoHouseholdFacts)

    @event_handler("registry", HOUSEHOLD_REGISTERED)
    def on_household_registered(self, payload: dict[str, Any]) -> None:
        event = EventEnvelope.model_validate(payload)
        data = event.data
        self.households.record_registration(str(data["household_id"]), str(data["area"]), int(data["members"]))

    @event_handler("registry", HOUSEHOLDS_MERGED)
    def on_households_merged(self, payload: dict[str, Any]) -> None:
        data = EventEnvelope.model_validate(payload).data
        self.households.record_merge(str(data["merged_id"]))

    @event_handler("registry", SCORE_CHANGED)
    def on_score_changed(self, payload: dict[str, Any]) -> None:
        data = EventEnvelope.model_validate(payload).data
        self.households.record_score(
            str(data["household_id"]), float(data["score"]), str(data["band"]), str(data["model_version"])
        )

    @rpc
    def household_count(self) -> dict[str, Any]:
        """Registered households in the caller's area, as reporting has seen them."""
        caller = policy.authorize(self.caller, "report.read")
        return {"area": caller.area, "households": self.households.count(policy.scope_filter(caller))}
