from collections.abc import Callable
from typing import Any
from unittest.mock import ANY

import pytest
from nameko.testing.services import worker_factory

from common.context import CallerContext
from common.contracts.events import EventEnvelope, MalformedEvent, ScoreChanged
from common.nameko_ext import outbox
from common.scope import Scope
from reporting.service import ReportingService


class FakeFacts:
    def __init__(self) -> None:
        self.rows: dict[str, str] = {}

    def record_registration(self, household_id: str, area: str, members: int) -> None:
        self.rows[household_id] = area

    def count(self, scope: Scope) -> int:
        return sum(1 for area in self.rows.values() if scope.contains(area))


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


class RecordingFacts(FakeFacts):
    def __init__(self) -> None:
        super().__init__()
        self.merged: list[str] = []
        self.scores: list[tuple[str, float, str, str]] = []

    def record_merge(self, merged_id: str) -> None:
        self.merged.append(merged_id)

    def record_score(self, household_id: str, score: float, band: str, model_version: str) -> None:
        self.scores.append((household_id, score, band, model_version))


def test_consumers_read_the_typed_events_old_and_newer_envelopes_alike() -> None:
    facts = RecordingFacts()
    handler = worker_factory(ReportingService, households=facts, caller=None)
    before_versions = {  # as an outbox held it before events had versions
        "event_id": "e1",
        "event_type": "households_merged",
        "occurred_at": "2026-01-01T00:00:00Z",
        "data": {"survivor_id": "h1", "merged_id": "h2", "area": "/DZ/16/1601"},
    }
    handler.on_households_merged(before_versions)
    score = ScoreChanged(household_id="h1", area="/DZ/16/1601", model_version="m2", score=0.75, band="B")
    newer = outbox.entry(score) | {"version": 2}
    newer["data"] = {**newer["data"], "explanation_id": "x"}  # a field a later version added
    handler.on_score_changed(newer)
    assert facts.merged == ["h2"]
    assert facts.scores == [("h1", 0.75, "B", "m2")]


def test_a_malformed_event_is_refused_and_records_nothing() -> None:
    facts = FakeFacts()
    handler = worker_factory(ReportingService, households=facts, caller=None)
    broken = event("h1", "/DZ/16/1601")
    broken["data"]["members"] = "two"
    with pytest.raises(MalformedEvent) as refused:
        handler.on_household_registered(broken)
    assert refused.value.details["errors"] == [{"loc": "data.members", "msg": ANY}]
    with pytest.raises(MalformedEvent, match="unexpected event type"):
        handler.on_household_registered({**event("h1", "/DZ/16/1601"), "event_type": "score_changed"})
    assert facts.rows == {}
