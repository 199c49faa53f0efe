"""Typed, versioned events: round trip, version default, tolerance, clear rejections."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from common.contracts import events
from common.contracts.events import (
    EVENT_MODELS,
    SUBSCRIPTIONS,
    AidDecided,
    AuditEntryEvent,
    EventEnvelope,
    HouseholdRegistered,
    MalformedEvent,
    RegularisationOverdue,
    ScoreChanged,
    parse_event,
)
from common.nameko_ext import outbox

AID = {"request_id": "r1", "household_id": "h1", "area": "/DZ/16/1601", "programme": "P1", "need": "food"}


def registered() -> HouseholdRegistered:
    return HouseholdRegistered(household_id="h1", area="/DZ/16/1601", members=3)


def test_every_event_name_has_one_model_and_every_subscription_is_typed() -> None:
    names = {value for name, value in vars(events).items() if name.isupper() and isinstance(value, str)}
    assert names == set(EVENT_MODELS)
    assert {event_type for _, event_type, _, _ in SUBSCRIPTIONS} <= set(EVENT_MODELS)
    assert all(model.version >= 1 for model in EVENT_MODELS.values())


def test_an_outbox_entry_round_trips_to_the_typed_event() -> None:
    stored = outbox.entry(registered())
    assert stored["event_type"] == "household_registered" and stored["version"] == 2  # categories since version 2
    assert stored["data"] == {"household_id": "h1", "area": "/DZ/16/1601", "members": 3, "categories": []}
    received = parse_event(stored, HouseholdRegistered)
    assert received.data == registered()
    assert received.event_id == stored["event_id"]
    assert isinstance(received.occurred_at, datetime)


def test_parse_without_an_expected_type_picks_the_model_by_name() -> None:
    event = RegularisationOverdue(
        **AID, urgent=True, due_at=datetime(2026, 3, 1, tzinfo=UTC), level=1, escalated_to="wilaya",
        status="awaiting_diagnosis", days_late=2.5,
    )  # fmt: skip
    received = parse_event(EventEnvelope.of(event).model_dump(mode="json"))
    assert isinstance(received.data, RegularisationOverdue)
    assert received.data.due_at == datetime(2026, 3, 1, tzinfo=UTC)


def test_an_envelope_written_before_versions_is_version_1() -> None:
    """What outboxes held before this change (``pending(kind, data)``, no ``version``) still parses."""
    old = {
        "event_id": "e1",
        "event_type": "score_changed",
        "occurred_at": "2026-01-02T03:04:05.123456Z",
        "data": {"household_id": "h1", "area": "/DZ/16", "model_version": "m1", "score": 0.5, "band": "B"},
    }
    received = parse_event(old, ScoreChanged)
    assert received.version == 1
    assert received.data.old_score is None


def test_consumers_ignore_fields_a_newer_version_added() -> None:
    newer = outbox.entry(registered()) | {"version": 2, "trace": "x"}
    newer["data"] = {**newer["data"], "head_of_household_age": 44}
    received = parse_event(newer, HouseholdRegistered)
    assert received.version == 2 and received.data == registered()


def test_producers_refuse_fields_the_contract_does_not_name() -> None:
    with pytest.raises(ValidationError):
        HouseholdRegistered(household_id="h1", area="/DZ/16", members=3, name="someone")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        AidDecided(**AID, decision="maybe", amount_dzd=1, period="2026", authority_role="x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"event_type": "household_registered", "data": {}}, {"event_id", "occurred_at"}),
        (
            {"event_id": "e", "event_type": "household_registered", "occurred_at": "2026-01-01T00:00:00Z",
             "data": {"household_id": "h1", "area": "/DZ/16", "members": "three"}},
            {"data.members"},
        ),
        (
            {"event_id": "e", "event_type": "household_registered", "version": 0,
             "occurred_at": "2026-01-01T00:00:00Z", "data": {}},
            {"version"},
        ),
    ],
)  # fmt: skip
def test_a_malformed_payload_is_refused_with_where_and_why(payload: dict[str, Any], where: set[str]) -> None:
    with pytest.raises(MalformedEvent) as refused:
        parse_event(payload, HouseholdRegistered)
    assert refused.value.code == "malformed_event"
    assert {problem["loc"] for problem in refused.value.details["errors"]} == where
    assert "three" not in str(refused.value.details)  # never the values (they could be personal)


def test_an_event_of_another_type_or_an_unknown_type_is_refused() -> None:
    with pytest.raises(MalformedEvent, match="unexpected event type 'household_registered'"):
        parse_event(outbox.entry(registered()), ScoreChanged)
    unknown = {**outbox.entry(registered()), "event_type": "household_vanished"}
    with pytest.raises(MalformedEvent, match="household_vanished"):
        parse_event(unknown)


def test_the_audit_entry_event_is_the_gateways_audit_entry() -> None:
    fields = {
        "actor": "u1", "roles": ["auditor"], "area": "/DZ", "action": "audit.read", "object_type": "audit",
        "object_id": None, "outcome": "success", "status": 200, "at": "2026-01-01T00:00:00Z", "correlation_id": "c",
    }  # fmt: skip
    received = parse_event(EventEnvelope.of(AuditEntryEvent.model_validate(fields)).model_dump(mode="json"))
    assert isinstance(received.data, AuditEntryEvent)
    assert received.data.actor == "u1" and received.data.username is None
