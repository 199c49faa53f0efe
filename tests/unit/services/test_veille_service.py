"""The veille service over its Mongo adapters on mongomock: roles and areas, protected fields,
the lifecycle with keys and guards, escalation, emergencies. The real database and broker are the
integration and platform tests' part."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import mongomock
import pytest
from nameko.testing.services import worker_factory
from pydantic import ValidationError

from common.context import CallerContext
from common.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from common.nameko_ext import outbox
from veille.adapters.emergencies import MongoEmergencies
from veille.adapters.grants import MongoGrants
from veille.adapters.signals import MongoSignals
from veille.app.ports import Notice
from veille.service import VeilleService
from veille.settings import VeilleSettings

COMMUNE = "/DZ/16/1601"
WORKER = CallerContext(user_id="u-worker", roles=("social-worker",), area=COMMUNE, correlation_id="c")
COORDINATOR = CallerContext(user_id="u-coord", roles=("cell-coordinator",), area=COMMUNE, correlation_id="c")
AGENT = CallerContext(user_id="u-agent", roles=("wilaya-agent",), area="/DZ/16", correlation_id="c")
DIRECTOR = CallerContext(user_id="u-dir", roles=("wilaya-director",), area="/DZ/16", correlation_id="c")
OTHER_WORKER = CallerContext(user_id="u-oran", roles=("social-worker",), area="/DZ/31/3101", correlation_id="c")
NATIONAL = CallerContext(user_id="u-nat", roles=("national-officer",), area="/DZ", correlation_id="c")
AUDITOR = CallerContext(user_id="u-aud", roles=("auditor",), area="/DZ", correlation_id="c")

SIGNAL = {
    "category": "street_child",
    "severity": 4,
    "area": COMMUNE,
    "point": {"lat": 36.75, "lon": 3.05},
    "description": "Un enfant dort près de la gare",
    "persons": {"count": 1},
    "reporter": {"kind": "hotline", "name": "Samia", "phone": "0550000000"},
    "protected": {"child_protection": "environ 9 ans, contusions"},
}


class Notices:
    def __init__(self) -> None:
        self.sent: list[Notice] = []

    def send(self, notice: Notice) -> None:
        self.sent.append(notice)


class World:
    def __init__(self) -> None:
        self.db = mongomock.MongoClient(tz_aware=True)["veille"]
        for adapter in (MongoSignals, MongoGrants, MongoEmergencies):
            adapter.ensure_indexes(self.db)
        self.rules = VeilleSettings().rules()
        self.notices = Notices()

    def as_(self, caller: CallerContext) -> Any:
        return worker_factory(
            VeilleService,
            signals=MongoSignals(self.db),
            grants=MongoGrants(self.db),
            emergencies=MongoEmergencies(self.db),
            rules=self.rules,
            notifier=self.notices,
            caller=caller,
        )

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [
            e
            for coll in ("signals", "emergencies")
            for d in self.db[coll].find({})
            for e in d.get(outbox.OUTBOX_FIELD, [])
            if e["event_type"] == kind
        ]


@pytest.fixture
def world() -> World:
    return World()


def key() -> str:
    return uuid.uuid4().hex


def code(error: DomainError) -> str:
    return str(error.details.get("code"))


def test_a_report_stores_a_new_signal_with_its_deadline_and_an_event_without_personal_data(world: World) -> None:
    reported = world.as_(COORDINATOR).report_signal(SIGNAL, key())
    assert reported["status"] == "new" and reported["level"] == "cell" and reported["assigned_area"] == COMMUNE
    assert reported["reporter"]["name"] == "Samia" and reported["protected"]["child_protection"]
    due = datetime.fromisoformat(reported["due_at"]) - datetime.fromisoformat(reported["reported_at"])
    assert due == timedelta(hours=4)  # a street child is triaged within 4 h (reference/sla.json)
    (event,) = world.events("signal_reported")
    assert event["data"] == {
        "signal_id": reported["id"], "area": COMMUNE, "category": "street_child", "severity": 4,
        "reporter_kind": "hotline", "persons": 1, "priority": 0,
    }  # fmt: skip


def test_the_same_key_answers_the_same_signal(world: World) -> None:
    k = key()
    first = world.as_(COORDINATOR).report_signal(SIGNAL, k)
    assert world.as_(COORDINATOR).report_signal(SIGNAL, k)["id"] == first["id"]
    assert world.db.signals.count_documents({}) == 1


def test_a_legacy_kind_is_translated_and_a_legacy_stored_signal_reads_as_new(world: World) -> None:
    legacy_body = {"kind": "woman_in_distress", "area": COMMUNE, "description": "Seule", "severity": 3}
    assert world.as_(WORKER).report_signal(legacy_body, key())["category"] == "woman_in_danger"
    old = {"kind": "other", "area": COMMUNE, "area_ancestors": ["/DZ", "/DZ/16", COMMUNE], "description": "Ancien",
           "severity": 2, "status": "open", "reported_at": datetime(2026, 1, 1, tzinfo=UTC),
           "reported_by": "u-x"}  # fmt: skip
    stored = world.db.signals.insert_one(old).inserted_id
    read = world.as_(WORKER).get_signal(str(stored))
    assert (read["category"], read["status"]) == ("household_in_distress", "new")
    triaged = world.as_(WORKER).triage_signal(str(stored), {}, key())
    assert triaged["status"] == "triaged"
    assert world.db.signals.find_one({"_id": stored})["category"] == "household_in_distress"


def test_protected_fields_are_hidden_from_roles_that_may_not_read_them(world: World) -> None:
    body = {**SIGNAL, "protected": {"child_protection": "9 ans", "gender_violence": "violences"}}
    signal_id = world.as_(COORDINATOR).report_signal(body, key())["id"]
    as_worker = world.as_(WORKER).get_signal(signal_id)
    assert as_worker["reporter"] == {"kind": "hotline", "name": None, "phone": None, "organisation": None}
    assert as_worker["protected"]["child_protection"] == "9 ans" and as_worker["withheld"] == ["reporter_identity"]
    as_director = world.as_(DIRECTOR).get_signal(signal_id)
    assert as_director["reporter"]["name"] == "Samia" and as_director["protected"]["gender_violence"] is None
    as_agent = world.as_(AGENT).get_signal(signal_id)
    assert as_agent["withheld"] == ["reporter_identity", "child_protection", "gender_violence"]
    assert as_agent["protected"] == {"child_protection": None, "gender_violence": None}
    listed = {s["id"]: s for s in world.as_(AUDITOR).list_signals()}
    assert listed[signal_id]["reporter"]["name"] is None and listed[signal_id]["protected"]["child_protection"] is None


def test_a_protected_field_from_a_role_that_may_not_write_it_is_refused_and_nothing_stored(world: World) -> None:
    with pytest.raises(Forbidden) as caught:
        world.as_(AGENT).report_signal({**SIGNAL, "area": COMMUNE}, key())
    assert code(caught.value) == "protected_field_not_writable"
    assert caught.value.details["fields"] == ["child_protection"]
    assert world.db.signals.count_documents({}) == 0


def test_a_geo_point_outside_algeria_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        world.as_(COORDINATOR).report_signal({**SIGNAL, "point": {"lat": 48.85, "lon": 2.35}}, key())
    assert code(caught.value) == "geo_point_outside_area"
    assert world.db.signals.count_documents({}) == 0


def test_outside_the_area_a_signal_does_not_exist(world: World) -> None:
    signal_id = world.as_(COORDINATOR).report_signal(SIGNAL, key())["id"]
    other = world.as_(OTHER_WORKER)
    for call in (
        lambda: other.get_signal(signal_id),
        lambda: other.triage_signal(signal_id, {}, key()),
        lambda: other.break_glass(signal_id, {"justification": "x" * 30}),
        lambda: other.get_signal("not-an-id"),
    ):
        with pytest.raises(NotFound):
            call()
    assert other.list_signals() == [] and other.count_signals() == {"count": 0}
    with pytest.raises(Forbidden):
        other.report_signal(SIGNAL, key())  # a report in another area
    assert world.as_(NATIONAL).count_signals() == {"count": 1}


def test_the_lifecycle_runs_once_per_key_and_refuses_steps_out_of_order(world: World) -> None:
    coordinator = world.as_(COORDINATOR)
    signal_id = coordinator.report_signal(SIGNAL, key())["id"]
    with pytest.raises(InvalidTransition) as caught:
        coordinator.record_signal_visit(signal_id, {}, key())
    assert caught.value.details["allowed"] == ["close", "triage"] and caught.value.details["state"] == "new"
    k = key()
    assert coordinator.triage_signal(signal_id, {"severity": 5}, k)["severity"] == 5
    assert coordinator.triage_signal(signal_id, {"severity": 5}, k)["status"] == "triaged"  # replayed
    assert len(world.events("signal_triaged")) == 1
    planned = coordinator.plan_signal_visit(signal_id, {"planned_for": "2030-01-02T09:00:00+00:00"}, key())
    assert planned["status"] == "visit_planned"
    assert coordinator.record_signal_visit(signal_id, {}, key())["status"] == "visited"
    with pytest.raises(ValidationFailed) as missing:
        coordinator.close_signal(signal_id, {"outcome": "case_opened"}, key())
    assert code(missing.value) == "outcome_reference_required"
    closed = coordinator.close_signal(signal_id, {"outcome": "case_opened", "case_id": "case-1"}, key())
    assert closed["status"] == "closed" and closed["closure"]["case_id"] == "case-1" and closed["due_at"] is None
    (event,) = world.events("signal_closed")
    assert event["data"]["outcome"] == "case_opened" and event["data"]["reference"] == "case-1"
    assert world.db.signals.find_one({})["version"] == 5


def test_a_step_computed_from_a_stale_read_is_decided_again(world: World) -> None:
    coordinator = world.as_(COORDINATOR)
    signal_id = coordinator.report_signal(SIGNAL, key())["id"]
    signals = MongoSignals(world.db)
    stale = signals.get(signal_id)
    assert stale is not None
    coordinator.triage_signal(signal_id, {}, key())
    assert signals.apply(stale, stale, []) is False  # the guard on the version read


def test_break_the_glass_needs_a_justification_lasts_and_is_kept_for_the_auditor(world: World) -> None:
    body = {**SIGNAL, "protected": {"gender_violence": "violences conjugales"}}
    signal_id = world.as_(COORDINATOR).report_signal(body, key())["id"]
    agent = world.as_(AGENT)
    with pytest.raises(ValidationFailed) as short:
        agent.break_glass(signal_id, {"justification": "urgent"})
    assert code(short.value) == "justification_too_short"
    opened = agent.break_glass(signal_id, {"justification": "Enfant en danger immédiat, appel du parquet"})
    assert (
        opened["signal"]["protected"]["gender_violence"] == "violences conjugales" and opened["signal"]["break_glass"]
    )
    expires = datetime.fromisoformat(opened["grant"]["expires_at"]) - datetime.fromisoformat(
        opened["grant"]["granted_at"]
    )
    assert expires == timedelta(minutes=30)
    assert agent.get_signal(signal_id)["protected"]["gender_violence"] == "violences conjugales"  # while it lasts
    assert world.as_(DIRECTOR).get_signal(signal_id)["protected"]["gender_violence"] is None  # only for its holder
    world.db.break_glass.update_many({}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}})
    assert agent.get_signal(signal_id)["protected"]["gender_violence"] is None  # expired
    (kept,) = world.as_(AUDITOR).list_break_glass()
    assert kept["user_id"] == "u-agent" and kept["justification"].startswith("Enfant en danger")
    with pytest.raises(Forbidden):
        world.as_(AGENT).list_break_glass()
    with pytest.raises(Forbidden):
        world.as_(AUDITOR).break_glass(signal_id, {"justification": "x" * 40})


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


EMERGENCY = {"title_fr": "Inondations", "title_ar": "فيضانات", "areas": [COMMUNE],
             "ends_at": in_days(30), "caps": {"cap_dzd": 40000}}  # fmt: skip


def test_an_emergency_lists_its_area_first_and_announces_its_caps(world: World) -> None:
    coordinator = world.as_(COORDINATOR)
    world.as_(DIRECTOR).report_signal({**SIGNAL, "area": "/DZ/16/1602", "severity": 5, "protected": {}}, key())
    in_disaster = coordinator.report_signal({**SIGNAL, "severity": 1}, key())["id"]
    body = {**EMERGENCY, "campaign_id": "camp-1"}
    with pytest.raises(Forbidden):
        world.as_(WORKER).declare_emergency(body, key())
    with pytest.raises(Forbidden):
        world.as_(DIRECTOR).declare_emergency({**body, "areas": ["/DZ/31"]}, key())
    declared = world.as_(DIRECTOR).declare_emergency(body, key())
    assert declared["active"] and declared["caps"]["cap_dzd"] == 40000
    assert world.as_(DIRECTOR).list_signals()[0]["id"] == in_disaster
    (event,) = world.events("emergency_declared")
    assert event["data"]["urgent_cap_dzd"] == 40000 and event["data"]["campaign_id"] == "camp-1"
    assert world.as_(COORDINATOR).report_signal({**SIGNAL, "severity": 1}, key())["priority"] == 1
    assert [e["id"] for e in world.as_(WORKER).list_emergencies()] == [declared["id"]]
    assert world.as_(OTHER_WORKER).list_emergencies() == []
    with pytest.raises(ValidationFailed):
        world.as_(DIRECTOR).declare_emergency({**body, "ends_at": "2020-01-01T00:00:00+00:00"}, key())


def test_a_step_key_sent_again_with_another_body_is_refused_not_replayed(world: World) -> None:
    coordinator = world.as_(COORDINATOR)
    signal_id = coordinator.report_signal(SIGNAL, key())["id"]
    k = key()
    coordinator.triage_signal(signal_id, {"severity": 3}, k)
    with pytest.raises(IdempotencyKeyReused):
        coordinator.triage_signal(signal_id, {"severity": 5}, k)
    assert coordinator.get_signal(signal_id)["severity"] == 3


def test_a_reference_file_that_does_not_parse_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "sla.json"
    bad.write_text(json.dumps({"rules": [{"category": "street_child", "deadlines": {"triage": "PT4H"}}]}))
    with pytest.raises(ValidationError):
        VeilleSettings(sla_file=bad).rules()
    unordered = {"rules": [{"deadlines": {"triage": "P2D", "visit": "P1D"}}], "ladder": {"ministry_after": "P1D"}}
    bad.write_text(json.dumps(unordered))
    with pytest.raises(ValidationError):
        VeilleSettings(sla_file=bad).rules()


def test_an_emergency_longer_than_the_configured_maximum_is_refused_and_nothing_stored(world: World) -> None:
    with pytest.raises(ValidationFailed) as refused:
        world.as_(DIRECTOR).declare_emergency({**EMERGENCY, "ends_at": in_days(91)}, key())
    assert code(refused.value) == "emergency_too_long" and refused.value.details["max_days"] == 90
    assert world.db["emergencies"].count_documents({}) == 0 and world.events("emergency_declared") == []
    world.rules = replace(world.rules, emergency_longest=timedelta(days=7))
    with pytest.raises(ValidationFailed):
        world.as_(DIRECTOR).declare_emergency({**EMERGENCY, "ends_at": in_days(8)}, key())
    assert world.as_(DIRECTOR).declare_emergency({**EMERGENCY, "ends_at": in_days(6)}, key())["active"]


def test_the_maximum_duration_is_configured_in_days() -> None:
    assert VeilleSettings().rules().emergency_longest == timedelta(days=90)
    assert VeilleSettings(emergency_max_days=3).rules().emergency_longest == timedelta(days=3)
    with pytest.raises(ValidationError):
        VeilleSettings(emergency_max_days=0)


def test_ending_an_emergency_sets_its_end_to_now_once_per_key_and_announces_it(world: World) -> None:
    declared = world.as_(DIRECTOR).declare_emergency(EMERGENCY, key())
    k = key()
    ended = world.as_(DIRECTOR).end_emergency(declared["id"], k)
    assert not ended["active"] and ended["ended_at"] == ended["ends_at"] and ended["ended_by"] == DIRECTOR.user_id
    assert datetime.fromisoformat(ended["ends_at"]) <= datetime.now(UTC)
    assert world.as_(DIRECTOR).end_emergency(declared["id"], k) == ended  # replayed
    (event,) = world.events("emergency_ended")
    assert event["data"] == {"emergency_id": declared["id"], "areas": [COMMUNE], "ended_at": ended["ended_at"]}
    with pytest.raises(Conflict) as again:
        world.as_(NATIONAL).end_emergency(declared["id"], key())
    assert code(again.value) == "emergency_already_ended"
    with pytest.raises(IdempotencyKeyReused):
        world.as_(DIRECTOR).end_emergency(world.as_(DIRECTOR).declare_emergency(EMERGENCY, key())["id"], k)
    assert len(world.events("emergency_ended")) == 1
    listed = {e["id"]: e for e in world.as_(WORKER).list_emergencies()}
    assert not listed[declared["id"]]["active"]


def test_only_who_may_declare_ends_and_only_in_their_area(world: World) -> None:
    declared = world.as_(DIRECTOR).declare_emergency(EMERGENCY, key())["id"]
    over_two = world.as_(NATIONAL).declare_emergency({**EMERGENCY, "areas": [COMMUNE, "/DZ/31"]}, key())["id"]
    for role in (WORKER, COORDINATOR, AGENT, AUDITOR):
        with pytest.raises(Forbidden):
            world.as_(role).end_emergency(declared, key())
    oran = CallerContext(user_id="u-dir31", roles=("wilaya-director",), area="/DZ/31", correlation_id="c")
    for caller, emergency_id in ((oran, declared), (DIRECTOR, over_two), (DIRECTOR, "0" * 24)):
        with pytest.raises(NotFound):
            world.as_(caller).end_emergency(emergency_id, key())
    assert world.events("emergency_ended") == []
    assert all(e["active"] for e in world.as_(NATIONAL).list_emergencies())
    assert not world.as_(NATIONAL).end_emergency(over_two, key())["active"]


def test_an_emergency_past_its_date_cannot_be_ended(world: World) -> None:
    declared = world.as_(DIRECTOR).declare_emergency(EMERGENCY, key())["id"]
    world.db["emergencies"].update_one(
        {"_id": declared}, {"$set": {"ends_at": datetime.now(UTC) - timedelta(seconds=1)}}
    )
    with pytest.raises(Conflict) as refused:
        world.as_(DIRECTOR).end_emergency(declared, key())
    assert code(refused.value) == "emergency_already_ended" and world.events("emergency_ended") == []
