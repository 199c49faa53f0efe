from collections.abc import Callable
from typing import Any

from nameko.testing.services import worker_factory

from common.context import CallerContext
from common.contracts.events import EventEnvelope
from reporting.service import ReportingService


class FakeFacts:
    def __init__(self) -> None:
        self.rows: dict[str, str] = {}

    def record_registration(self, household_id: str, area: str, members: int) -> None:
        self.rows[household_id] = area

    def count(self, scope: dict[str, Any]) -> int:
        return sum(
            1
            for area in self.rows.values()
            if area == scope["area_ancestors"] or area.startswith(scope["area_ancestors"] + "/")
        )


def event(household_id: str, area: str) -> dict[str, Any]:
    data = {"household_id": household_id, "area": area, "members": 2}
    return EventEnvelope.new("household_registered", data).model_dump(mode="json")


def test_count_is_scoped_and_redelivery_counts_once(caller: Callable[..., CallerContext]) -> None:
    facts = FakeFacts()
    handler = worker_factory(ReportingService, households=facts, caller=None)
    first = event("h1", "/DZ/16/1601")
    handler.on_household_registered(first)
    handler.on_household_registered(first)
    handler.on_household_registered(event("h2", "/DZ/31/3101"))
    wilaya16 = worker_factory(ReportingService, households=facts, caller=caller("/DZ/16", "wilaya-director"))
    assert wilaya16.household_count() == {"area": "/DZ/16", "households": 1}
    national = worker_factory(ReportingService, households=facts, caller=caller("/DZ", "national-officer"))
    assert national.household_count()["households"] == 2
