"""Solidarity entrypoints for campaigns, donors and gifts over in-memory fakes (tests.fakes.solidarity).

Each role and area: staff see their area, donor users only their own records, out of sight
is 404 exactly like an unknown id; bad input is refused with a stable code and stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from nameko.testing.services import worker_factory

from common.clock import now
from common.context import CallerContext
from common.contracts.events import CampaignProgressed, DonationRecorded
from common.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from solidarity.service import SolidarityService
from tests.fakes.solidarity import (
    FakeCampaigns,
    FakeDonors,
    FakeGifts,
    FakePledges,
    FakeStatementImports,
    FakeTotals,
)

NATIONAL = ("/DZ", "national-officer")
DIRECTOR_16 = ("/DZ/16", "wilaya-director")
DIRECTOR_31 = ("/DZ/31", "wilaya-director")
AGENT_16 = ("/DZ/16", "wilaya-agent")
WORKER_1601 = ("/DZ/16/1601", "social-worker")
WORKER_3101 = ("/DZ/31/3101", "social-worker")
AUDITOR = ("/DZ", "auditor")
DONOR = ("/DZ", "donor")
_keys = iter(range(10**9))


def key() -> str:
    return f"solgifts-key-{next(_keys):06d}"


@dataclass
class World:
    campaigns: FakeCampaigns = field(default_factory=FakeCampaigns)
    totals: FakeTotals = field(default_factory=FakeTotals)
    donors: FakeDonors = field(default_factory=FakeDonors)
    gifts: FakeGifts = field(default_factory=FakeGifts)
    pledges: FakePledges = field(default_factory=FakePledges)
    statements: FakeStatementImports = field(default_factory=FakeStatementImports)

    def as_(self, who: tuple[str, str], user: str | None = None) -> Any:
        area, role = who
        caller = CallerContext(user_id=user or f"user-{role}-{area}", roles=(role,), area=area, correlation_id="c")
        return worker_factory(
            SolidarityService,
            campaigns=self.campaigns,
            totals=self.totals,
            donors=self.donors,
            gifts=self.gifts,
            pledges=self.pledges,
            statements=self.statements,
            caller=caller,
        )


@pytest.fixture
def world() -> World:
    return World()


def code(error: pytest.ExceptionInfo[DomainError]) -> str:
    return str((error.value.details or {}).get("code"))


def campaign_body(area: str = "/DZ/16", **over: Any) -> dict[str, Any]:
    today = now().date()
    body = {
        "kind": "winter",
        "name_fr": "Hiver solidaire",
        "name_ar": "شتاء تضامني",
        "area": area,
        "starts_on": (today - timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(),
        "goals": {"amount": {"amount": "10000", "currency": "DZD"}, "items": {"blanket": 100}},
    }
    return {**body, **over}


def open_campaign(world: World, who: tuple[str, str] = DIRECTOR_16, **over: Any) -> dict[str, Any]:
    created = world.as_(who).create_campaign(campaign_body(who[0] if who[0] != "/DZ" else "/DZ/16", **over), key())
    return world.as_(who).move_campaign(created["id"], {"to": "open"}, key())  # type: ignore[no-any-return]


def walk_in(world: World, who: tuple[str, str] = WORKER_1601, name: str = "Samir Haddad") -> dict[str, Any]:
    body = {"kind": "person", "name": name, "area": who[0]}
    return world.as_(who).register_donor(body, key())  # type: ignore[no-any-return]


def cash(amount: str = "1500", channel: str = "counter", reference: str | None = None, currency: str = "DZD") -> Any:
    return {"amount": amount, "currency": currency, "channel": channel, "reference": reference}


# campaigns


def test_a_campaign_is_drafted_opened_closed_and_archived_by_its_directorate(world: World) -> None:
    created = world.as_(DIRECTOR_16).create_campaign(campaign_body(), key())
    assert created["state"] == "draft" and created["published_areas"] == ["/DZ/16"]
    opened = world.as_(DIRECTOR_16).move_campaign(created["id"], {"to": "open"}, key())
    assert opened["state"] == "open"
    assert world.as_(DIRECTOR_16).move_campaign(created["id"], {"to": "open"}, key())["state"] == "open"  # a replay
    with pytest.raises(Conflict) as refused:
        world.as_(DIRECTOR_16).move_campaign(created["id"], {"to": "archived"}, key())
    assert code(refused) == "campaign_transition_refused"
    world.as_(DIRECTOR_16).move_campaign(created["id"], {"to": "closed"}, key())
    assert world.as_(DIRECTOR_16).move_campaign(created["id"], {"to": "archived"}, key())["state"] == "archived"


def test_another_wilaya_cannot_see_or_move_a_campaign_404_like_an_unknown_one(world: World) -> None:
    created = world.as_(DIRECTOR_16).create_campaign(campaign_body(), key())
    for unknown in (created["id"], "0" * 24):
        with pytest.raises(NotFound):
            world.as_(DIRECTOR_31).move_campaign(unknown, {"to": "open"}, key())
        with pytest.raises(NotFound):
            world.as_(WORKER_3101).get_campaign(unknown)
        with pytest.raises(NotFound):
            world.as_(WORKER_3101).campaign_progress(unknown)
    assert created["id"] not in [c["id"] for c in world.as_(WORKER_3101).list_campaigns()]
    for who in (WORKER_1601, AUDITOR, DONOR, NATIONAL):
        assert world.as_(who).get_campaign(created["id"])["id"] == created["id"]
    with pytest.raises(Forbidden):
        world.as_(DIRECTOR_31).create_campaign(campaign_body("/DZ/16"), key())
    with pytest.raises(Forbidden):
        world.as_(WORKER_1601).create_campaign(campaign_body("/DZ/16/1601"), key())


def test_a_legacy_kind_other_is_a_permanent_campaign(world: World) -> None:
    created = world.as_(DIRECTOR_16).create_campaign(campaign_body(kind="other", ends_on=None), key())
    assert created["kind"] == "permanent" and created["ends_on"] is None


# donors


def test_a_donor_user_registers_once_and_sees_only_their_own_record(world: World) -> None:
    mine = world.as_(DONOR, "donor-a").register_donor({"kind": "person", "name": "Farid K", "area": "/DZ/16"}, key())
    assert mine["self_service"] is True
    theirs = world.as_(DONOR, "donor-b").register_donor({"kind": "person", "name": "Nadia S", "area": "/DZ/31"}, key())
    with pytest.raises(Conflict) as twice:
        world.as_(DONOR, "donor-a").register_donor({"kind": "person", "name": "Farid K", "area": "/DZ/16"}, key())
    assert code(twice) == "donor_exists"
    assert world.as_(DONOR, "donor-a").my_donor()["id"] == mine["id"]
    with pytest.raises(NotFound):
        world.as_(DONOR, "donor-a").get_donor(theirs["id"])
    walked_in = walk_in(world)
    with pytest.raises(NotFound):
        world.as_(DONOR, "donor-a").get_donor(walked_in["id"])
    assert world.as_(DONOR, "donor-a").list_donors() == {"items": [mine], "total": 1}


def test_staff_register_walk_in_donors_in_their_area_and_see_only_those(world: World) -> None:
    alger = walk_in(world, WORKER_1601)
    oran = walk_in(world, WORKER_3101, "Karima Bensalem")
    with pytest.raises(Forbidden):
        world.as_(WORKER_1601).register_donor({"kind": "person", "name": "X Y", "area": "/DZ/31/3101"}, key())
    with pytest.raises(NotFound):
        world.as_(WORKER_3101).get_donor(alger["id"])
    assert world.as_(DIRECTOR_16).list_donors()["total"] == 1
    assert world.as_(AUDITOR).list_donors()["total"] == 2
    assert world.as_(NATIONAL).get_donor(oran["id"])["name"] == "Karima Bensalem"
    with pytest.raises(ValidationFailed) as company:
        world.as_(WORKER_1601).register_donor({"kind": "company", "name": "SARL", "area": "/DZ/16/1601"}, key())
    assert code(company) == "registration_required"
    with pytest.raises(Forbidden):
        world.as_(AUDITOR).register_donor({"kind": "person", "name": "A B", "area": "/DZ"}, key())


def test_consent_is_set_and_withdrawn_by_the_donor_or_staff_of_their_area(world: World) -> None:
    mine = world.as_(DONOR, "donor-a").register_donor({"kind": "person", "name": "Farid", "area": "/DZ/16"}, key())
    given = world.as_(DONOR, "donor-a").set_donor_consent(mine["id"], {"consent_channels": ["sms", "email"]}, key())
    assert given["consent_channels"] == ["email", "sms"] and given["consent_on"] == now().date().isoformat()
    hidden = world.as_(DONOR, "donor-a").set_donor_consent(mine["id"], {"anonymous_public": True}, key())
    assert hidden["anonymous_public"] is True and hidden["consent_channels"] == [] and hidden["consent_on"] is None
    with pytest.raises(NotFound):
        world.as_(DONOR, "donor-b").set_donor_consent(mine["id"], {"consent_channels": ["sms"]}, key())
    walked_in = walk_in(world)
    assert world.as_(DIRECTOR_16).set_donor_consent(walked_in["id"], {"consent_channels": ["post"]}, key())[
        "consent_channels"
    ] == ["post"]
    with pytest.raises(NotFound):
        world.as_(DIRECTOR_31).set_donor_consent(walked_in["id"], {"consent_channels": ["post"]}, key())
    with pytest.raises(Forbidden):
        world.as_(AUDITOR).set_donor_consent(walked_in["id"], {"consent_channels": []}, key())
    with pytest.raises(ValidationFailed):
        world.as_(DIRECTOR_16).set_donor_consent(walked_in["id"], {"consent_channels": ["pigeon"]}, key())


# gifts


def test_a_cash_gift_counts_in_its_campaign_and_announces_itself(world: World) -> None:
    campaign = open_campaign(world)
    donor = walk_in(world)
    gift = world.as_(WORKER_1601).record_gift(
        {"donor_id": donor["id"], "cash": cash("2500.50"), "campaign_id": campaign["id"]}, key()
    )
    assert gift["value"] == {"amount": "2500.50", "amount_minor": 250050, "currency": "DZD"}
    assert gift["area"] == "/DZ/16/1601" and gift["state"] == "recorded"
    items = world.as_(WORKER_1601).record_gift(
        {
            "donor_id": donor["id"],
            "campaign_id": campaign["id"],
            "items": [{"item": "blanket", "quantity": 30, "unit_value": "2000", "condition": "new"}],
            "tribute": {"kind": "in_memory_of", "name": "Ahmed"},
        },
        key(),
    )
    assert items["kind"] == "in_kind" and items["value"]["amount_minor"] == 6_000_000
    progress = world.as_(DONOR).campaign_progress(campaign["id"])
    assert progress["raised"] == {"DZD": 250050} and progress["gifts"] == 2
    assert {g["goal"]: g["percent"] for g in progress["goals"]} == {"amount": 25, "blanket": 30}
    recorded = [e for e in world.gifts.events if isinstance(e, DonationRecorded)]
    assert [(e.gift_id, e.amount_minor, e.kind) for e in recorded] == [
        (gift["id"], 250050, "cash"),
        (items["id"], 6_000_000, "in_kind"),
    ]
    assert "Haddad" not in str([e.model_dump() for e in recorded]) and "Ahmed" not in str(recorded)
    progressed = [e for e in world.totals.events if isinstance(e, CampaignProgressed)]
    assert [e.percents for e in progressed] == [{"amount": 25, "blanket": 0}, {"amount": 25, "blanket": 30}]


def test_a_replayed_key_answers_the_first_gift_and_counts_it_once(world: World) -> None:
    campaign = open_campaign(world)
    donor = walk_in(world)
    body = {"donor_id": donor["id"], "cash": cash("100"), "campaign_id": campaign["id"]}
    same = key()
    first = world.as_(WORKER_1601).record_gift(body, same)
    assert world.as_(WORKER_1601).record_gift(body, same)["id"] == first["id"]
    assert world.as_(WORKER_1601).campaign_progress(campaign["id"])["gifts"] == 1
    assert len(world.gifts.by_id) == 1
    world.as_(DIRECTOR_16).move_campaign(campaign["id"], {"to": "closed"}, key())
    assert world.as_(WORKER_1601).record_gift(body, same)["id"] == first["id"]  # replayed after closing, too


@pytest.mark.parametrize(
    ("change", "error", "expected"),
    [
        ({"cash": cash("0")}, ValidationFailed, "amount_not_positive"),
        ({"cash": cash("-5")}, ValidationFailed, "amount_not_positive"),
        ({"cash": cash("10.001")}, ValidationFailed, "amount_precision"),
        ({"cash": cash("10", currency="EUR")}, ValidationFailed, "currency_not_accepted"),
        ({"cash": cash("10", channel="bank_transfer")}, ValidationFailed, "payment_reference_required"),
        ({"cash": None}, ValidationFailed, "gift_kind_ambiguous"),
        ({"received_on": (date.today() + timedelta(days=3)).isoformat()}, ValidationFailed, "received_in_future"),
    ],
)
def test_bad_gifts_are_refused_with_a_stable_code_and_nothing_stored(
    world: World, change: dict[str, Any], error: type[DomainError], expected: str
) -> None:
    campaign = open_campaign(world)
    donor = walk_in(world)
    body = {"donor_id": donor["id"], "cash": cash("10"), "campaign_id": campaign["id"], **change}
    with pytest.raises(error) as refused:
        world.as_(WORKER_1601).record_gift(body, key())
    assert code(refused) == expected
    assert not world.gifts.by_id and world.as_(WORKER_1601).campaign_progress(campaign["id"])["gifts"] == 0


def test_a_gift_to_a_draft_closed_or_unknown_campaign_is_refused(world: World) -> None:
    donor = walk_in(world)
    draft = world.as_(DIRECTOR_16).create_campaign(campaign_body(), key())
    with pytest.raises(Conflict) as drafted:
        world.as_(WORKER_1601).record_gift({"donor_id": donor["id"], "cash": cash(), "campaign_id": draft["id"]}, key())
    assert code(drafted) == "campaign_not_open"
    closed = open_campaign(world)
    world.as_(DIRECTOR_16).move_campaign(closed["id"], {"to": "closed"}, key())
    with pytest.raises(Conflict):
        world.as_(WORKER_1601).record_gift(
            {"donor_id": donor["id"], "cash": cash(), "campaign_id": closed["id"]}, key()
        )
    oran = open_campaign(world, DIRECTOR_31)
    for unknown in ("0" * 24, oran["id"]):
        with pytest.raises(NotFound):
            world.as_(WORKER_1601).record_gift({"donor_id": donor["id"], "cash": cash(), "campaign_id": unknown}, key())
    assert not world.gifts.by_id


def test_a_donor_records_and_reads_only_their_own_gifts(world: World) -> None:
    campaign = open_campaign(world)
    farid = world.as_(DONOR, "donor-a").register_donor({"kind": "person", "name": "Farid", "area": "/DZ/16"}, key())
    nadia = world.as_(DONOR, "donor-b").register_donor({"kind": "person", "name": "Nadia", "area": "/DZ/31"}, key())
    card = cash("500", "card", "TX-1")
    mine = world.as_(DONOR, "donor-a").record_gift({"cash": card, "campaign_id": campaign["id"]}, key())
    assert mine["donor_id"] == farid["id"] and mine["area"] == "/DZ/16"  # the campaign's directorate
    theirs = world.as_(DONOR, "donor-b").record_gift({"cash": cash("700", "ccp", "CCP-9"), "area": "/DZ/31"}, key())
    with pytest.raises(NotFound):
        world.as_(DONOR, "donor-a").get_gift(theirs["id"])
    with pytest.raises(NotFound):
        world.as_(DONOR, "donor-a").record_gift({"donor_id": nadia["id"], "cash": card}, key())
    with pytest.raises(NotFound):
        world.as_(DONOR, "donor-a").list_gifts(donor_id=nadia["id"])
    assert world.as_(DONOR, "donor-a").list_gifts() == {"items": [mine], "total": 1}
    with pytest.raises(ValidationFailed) as counter:
        world.as_(DONOR, "donor-a").record_gift({"cash": cash("5"), "area": "/DZ/16"}, key())
    assert code(counter) == "self_service_channel"
    with pytest.raises(NotFound) as missing:
        world.as_(DONOR, "donor-c").record_gift({"cash": card, "area": "/DZ/16"}, key())
    assert code(missing) == "donor_profile_missing"
    with pytest.raises(Forbidden):
        world.as_(DONOR, "donor-a").withdraw_gift(mine["id"], "cancel", {"reason": "oops"}, key())
    newcomer = world.as_(DONOR, "donor-c")  # no donor record yet: nothing given, nothing pledged, no receipt
    assert newcomer.list_gifts() == {"items": [], "total": 0}
    with pytest.raises(NotFound):
        newcomer.list_gifts(donor_id=farid["id"])


def test_gifts_by_area_role_and_count(world: World) -> None:
    alger, oran = walk_in(world, WORKER_1601), walk_in(world, WORKER_3101, "Karima")
    in_1601 = world.as_(WORKER_1601).record_gift({"donor_id": alger["id"], "cash": cash()}, key())
    in_3101 = world.as_(WORKER_3101).record_gift({"donor_id": oran["id"], "cash": cash()}, key())
    with pytest.raises(Forbidden):
        world.as_(WORKER_1601).record_gift({"donor_id": alger["id"], "cash": cash(), "area": "/DZ/31/3101"}, key())
    with pytest.raises(NotFound):
        world.as_(WORKER_1601).record_gift({"donor_id": oran["id"], "cash": cash()}, key())
    for who, seen in (
        (WORKER_1601, {in_1601["id"]}),
        (DIRECTOR_16, {in_1601["id"]}),
        (DIRECTOR_31, {in_3101["id"]}),
        (AUDITOR, {in_1601["id"], in_3101["id"]}),
        (NATIONAL, {in_1601["id"], in_3101["id"]}),
    ):
        page = world.as_(who).list_gifts()
        assert {g["id"] for g in page["items"]} == seen and page["total"] == len(seen), who
    with pytest.raises(NotFound):
        world.as_(DIRECTOR_31).get_gift(in_1601["id"])
    with pytest.raises(NotFound):
        world.as_(DIRECTOR_31).list_gifts(donor_id=alger["id"])
    with pytest.raises(NotFound):
        world.as_(DIRECTOR_31).withdraw_gift(in_1601["id"], "cancel", {"reason": "erreur"}, key())


def test_cancel_and_refund_take_the_gift_back_from_its_campaign(world: World) -> None:
    campaign = open_campaign(world)
    donor = walk_in(world)
    one = world.as_(WORKER_1601).record_gift(
        {"donor_id": donor["id"], "cash": cash("100"), "campaign_id": campaign["id"]}, key()
    )
    two = world.as_(WORKER_1601).record_gift(
        {"donor_id": donor["id"], "cash": cash("200"), "campaign_id": campaign["id"]}, key()
    )
    with pytest.raises(Forbidden):
        world.as_(WORKER_1601).withdraw_gift(one["id"], "cancel", {"reason": "erreur"}, key())
    cancelled = world.as_(AGENT_16).withdraw_gift(one["id"], "cancel", {"reason": "Saisie en double"}, key())
    assert cancelled["state"] == "cancelled" and cancelled["reason"] == "Saisie en double"
    assert (
        world.as_(AGENT_16).withdraw_gift(one["id"], "cancel", {"reason": "Saisie en double"}, key())["state"]
        == "cancelled"
    )
    with pytest.raises(Conflict) as again:
        world.as_(AGENT_16).withdraw_gift(one["id"], "refund", {"reason": "autre"}, key())
    assert code(again) == "gift_not_standing"
    world.as_(DIRECTOR_16).withdraw_gift(two["id"], "refund", {"reason": "Chèque rejeté"}, key())
    progress = world.as_(DIRECTOR_16).campaign_progress(campaign["id"])
    assert progress["raised"].get("DZD", 0) == 0 and progress["gifts"] == 0
    with pytest.raises(ValidationFailed):
        world.as_(DIRECTOR_16).withdraw_gift(two["id"], "refund", {"reason": "  "}, key())
