"""Urgent aid under a declared emergency: the emergency's cap and allowance inside its areas until it ends.

The service's entrypoints over the aid request test world (mongomock requests, fake
registry and budgets) with the emergencies kept in a plain dict by id.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assistance.domain.emergency import Emergency
from common import clock, policy
from common.contracts.events import EmergencyDeclared, EmergencyEnded, parse_event
from common.errors import Conflict, Forbidden
from common.nameko_ext import outbox
from common.scope import Scope
from tests.unit.services.test_assistance_requests import World, key, urgent_body

ORAN = "/DZ/31/3101"


class FakeEmergencies:
    """Emergencies by id with the event that declared them; a newer declaration replaces an older one."""

    def __init__(self) -> None:
        self.kept: dict[str, tuple[Emergency, str]] = {}
        self.ended: dict[str, datetime] = {}  # early ends, the earliest kept (even before the declaration)

    def record(self, emergency: Emergency, event_id: str) -> bool:
        found = self.kept.get(emergency.id)
        if found is not None and (found[1] == event_id or found[0].declared_at >= emergency.declared_at):
            return False
        self.kept[emergency.id] = (emergency, event_id)
        return True

    def end(self, emergency_id: str, ended_at: datetime) -> bool:
        if emergency_id in self.ended and self.ended[emergency_id] <= ended_at:
            return False
        self.ended[emergency_id] = ended_at
        return True

    def running_over(self, area: str, at: datetime) -> list[Emergency]:
        scope = Scope(area)
        kept = [
            replace(one, ends_at=min(one.ends_at, self.ended.get(one.id, one.ends_at))) for one, _ in self.kept.values()
        ]
        return [one for one in kept if one.ends_at > at and any(map(scope.reaches, one.areas))]


class EmergencyWorld(World):
    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.emergencies = FakeEmergencies()

    def as_(self, user: str, *roles: str, area: str = "/DZ/16/1601") -> Any:
        worker = super().as_(user, *roles, area=area)
        worker.emergencies = self.emergencies
        return worker

    def declare(self, areas: list[str], ends_in: timedelta = timedelta(days=10), **caps: Any) -> str:
        """Deliver ``emergency_declared`` to the service as veille's outbox would publish it."""
        event = EmergencyDeclared(
            emergency_id=f"em-{len(self.emergencies.kept) + 1}",
            areas=areas,
            ends_at=datetime.now(UTC) + ends_in,
            urgent_cap_dzd=caps.get("cap", 80_000),
            grants_per_household=caps.get("grants", 2),
            campaign_id=caps.get("campaign", "camp-1"),
        )
        envelope = outbox.entry(event)
        self.as_("consumer").on_emergency_declared(envelope)
        return event.emergency_id

    def deliver_again(self, envelope: dict[str, Any]) -> None:
        self.as_("consumer").on_emergency_declared(envelope)

    def end(self, emergency_id: str, at: datetime | None = None) -> dict[str, Any]:
        """Deliver ``emergency_ended`` as veille's outbox would publish it; the envelope, to deliver again."""
        ended = EmergencyEnded(emergency_id=emergency_id, areas=["/DZ/16"], ended_at=at or clock.now())
        envelope = outbox.entry(ended)
        self.as_("consumer").on_emergency_ended(envelope)
        return envelope


@pytest.fixture
def world() -> EmergencyWorld:
    return EmergencyWorld()


def coordinator(world: World, name: str = "coordinator") -> Any:
    return world.as_(name, policy.CELL_COORDINATOR)


def test_inside_a_declared_emergency_the_cap_is_its_own_and_the_grant_names_it(world: EmergencyWorld) -> None:
    declared = world.declare(["/DZ/16"], cap=80_000)
    granted = coordinator(world).grant_urgent_aid(urgent_body(world, amount=60_000), key())
    assert granted["state"] == "approved" and granted["decision"]["amount_dzd"] == 60_000
    assert granted["emergency"] == {"id": declared, "campaign_id": "camp-1"}
    with pytest.raises(Forbidden) as capped:
        coordinator(world).grant_urgent_aid(urgent_body(world, amount=80_001), key())
    assert (capped.value.details["cap_dzd"], capped.value.details["amount_dzd"]) == (80_000, 80_001)
    world.published()
    (urgent_event,) = [data for kind, data in world.events if kind == "urgent_aid_granted"]
    assert (urgent_event["emergency_id"], urgent_event["campaign_id"]) == (declared, "camp-1")


def test_outside_its_areas_nothing_changes(world: EmergencyWorld) -> None:
    world.declare([ORAN], cap=80_000)
    world.declare(["/DZ/16/1602"], cap=80_000)  # a neighbouring commune of the same wilaya
    with pytest.raises(Forbidden) as capped:
        coordinator(world).grant_urgent_aid(urgent_body(world, amount=30_001), key())
    assert capped.value.details == {"cap_dzd": 30_000, "amount_dzd": 30_001}
    granted = coordinator(world).grant_urgent_aid(urgent_body(world, amount=30_000), key())
    assert "emergency" not in granted
    world.published()
    (urgent_event,) = [data for kind, data in world.events if kind == "urgent_aid_granted"]
    assert urgent_event["emergency_id"] is None and urgent_event["campaign_id"] is None


def test_an_emergency_that_has_ended_no_longer_applies(world: EmergencyWorld) -> None:
    world.declare(["/DZ/16"], ends_in=timedelta(seconds=-1), cap=80_000)
    with pytest.raises(Forbidden):
        coordinator(world).grant_urgent_aid(urgent_body(world, amount=60_000), key())


def test_a_household_receives_as_many_grants_as_the_emergency_allows(world: EmergencyWorld) -> None:
    """The allowance replaces one grant per period; the usual policy here only flags a second grant."""
    world = EmergencyWorld(double_aid={"urgent": "refuse"})
    body = urgent_body(world, amount=20_000)
    before = coordinator(world).grant_urgent_aid(body, key())  # before the emergency: not counted in it
    world.declare(["/DZ/16/1601"], grants=2)
    first = coordinator(world).grant_urgent_aid({**body, "reason": "Inondation"}, key())
    second = coordinator(world, "coordinator.bis").grant_urgent_aid({**body, "reason": "Relogement"}, key())
    assert {before["state"], first["state"], second["state"]} == {"approved"}
    with pytest.raises(Conflict) as refused:
        coordinator(world).grant_urgent_aid({**body, "reason": "Encore"}, key())
    assert refused.value.details["reason"] == "double_aid"
    assert len(refused.value.details["findings"]) == 1  # the emergency's grants, shown as a need and a period
    assert first["id"] in world.programmes.commitments and len(world.programmes.commitments) == 3


def test_grants_at_once_past_the_allowance_are_refused_by_the_claims(
    world: EmergencyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.declare(["/DZ/16"], grants=1)
    body = urgent_body(world, amount=50_000)
    monkeypatch.setattr(world.requests, "grants", lambda household_ids, need: [])  # neither sees the other
    first = coordinator(world).grant_urgent_aid(body, key())
    with pytest.raises(Conflict) as refused:
        coordinator(world, "coordinator.bis").grant_urgent_aid({**body, "reason": "Inondation"}, key())
    assert refused.value.details["reason"] == "double_aid"
    assert list(world.programmes.commitments) == [first["id"]]


def test_a_redelivered_declaration_is_kept_once(world: EmergencyWorld) -> None:
    event = EmergencyDeclared(
        emergency_id="em-x", areas=["/DZ/16"], ends_at=datetime.now(UTC) + timedelta(days=3),
        urgent_cap_dzd=70_000, grants_per_household=1,
    )  # fmt: skip
    envelope = outbox.entry(event)
    world.deliver_again(envelope)
    world.deliver_again(envelope)
    (kept,) = world.emergencies.kept.values()
    assert kept[0] == Emergency.declared(event, parse_event(envelope).occurred_at) and kept[0].campaign_id is None


def test_the_domain_rule_covers_declared_areas_and_their_communes_until_the_end() -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    over = Emergency("e", ("/DZ/16",), at + timedelta(hours=1), 50_000, 2, None, at)
    assert over.applies("/DZ/16/1601", at) and over.applies("/DZ/16", at)
    assert not over.applies("/DZ/31/3101", at) and not over.applies("/DZ", at)
    assert not over.applies("/DZ/16/1601", at + timedelta(hours=1))


def test_an_emergency_ended_early_closes_the_fast_track_at_once(world: EmergencyWorld) -> None:
    declared = world.declare(["/DZ/16"], cap=80_000)
    assert coordinator(world).grant_urgent_aid(urgent_body(world, amount=60_000), key())["state"] == "approved"
    envelope = world.end(declared)
    with pytest.raises(Forbidden) as capped:
        coordinator(world).grant_urgent_aid(urgent_body(world, amount=60_000), key())
    assert capped.value.details == {"cap_dzd": 30_000, "amount_dzd": 60_000}
    ended_at = world.emergencies.ended[declared]
    world.as_("consumer").on_emergency_ended(envelope)  # redelivered: nothing moves
    world.end(declared, at=ended_at + timedelta(days=1))  # a later end never reopens it
    assert world.emergencies.ended == {declared: ended_at}
    assert coordinator(world).grant_urgent_aid(urgent_body(world, amount=30_000), key())["state"] == "approved"


def test_an_end_received_before_its_declaration_still_closes_it(world: EmergencyWorld) -> None:
    world.end("em-1")
    world.declare(["/DZ/16"], cap=80_000)  # em-1, delivered late
    with pytest.raises(Forbidden):
        coordinator(world).grant_urgent_aid(urgent_body(world, amount=60_000), key())


def test_ending_one_emergency_leaves_another_running(world: EmergencyWorld) -> None:
    first = world.declare(["/DZ/16"], cap=80_000)
    second = world.declare(["/DZ/16/1601"], cap=50_000)
    world.end(first)
    granted = coordinator(world).grant_urgent_aid(urgent_body(world, amount=50_000), key())
    assert granted["emergency"]["id"] == second
