"""Reporting entrypoints: event handlers feed read models, RPCs read them."""

from __future__ import annotations

from typing import Any

from common import policy
from common.contracts.events import (
    HOUSEHOLD_REGISTERED,
    HOUSEHOLDS_MERGED,
    SCORE_CHANGED,
    HouseholdRegistered,
    HouseholdsMerged,
    ScoreChanged,
    parse_event,
)
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
        event = parse_event(payload, HouseholdRegistered).data
        self.households.record_registration(event.household_id, event.area, event.members)

    @event_handler("registry", HOUSEHOLDS_MERGED)
    def on_households_merged(self, payload: dict[str, Any]) -> None:
        self.households.record_merge(parse_event(payload, HouseholdsMerged).data.merged_id)

    @event_handler("registry", SCORE_CHANGED)
    def on_score_changed(self, payload: dict[str, Any]) -> None:
        event = parse_event(payload, ScoreChanged).data
        self.households.record_score(event.household_id, event.score, event.band, event.model_version)

    @rpc
    def household_count(self) -> dict[str, Any]:
        """Registered households in the caller's area, as reporting has seen them."""
        caller = policy.authorize(self.caller, "report.read")
        return {"area": caller.area, "households": self.households.count(policy.scope(caller))}
