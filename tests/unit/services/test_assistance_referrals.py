"""Institutions and referrals in the assistance service: who may, what they see, the lifecycle, places.

The repositories are the Mongo ones over mongomock (the code the service runs); the
registry is a fake that answers household facts inside the caller's area, as the real
one does. Concurrency and FerretDB's behaviour are the integration tests' part.
"""

from __future__ import annotations

import uuid
from typing import Any

import mongomock
import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import worker_factory

from assistance.adapters.institutions import MongoInstitutionRepository, reference_institutions
from assistance.adapters.referrals import MongoReferralRepository
from assistance.domain.institutions import Reservation
from assistance.service import AssistanceService
from common import areas
from common.context import CallerContext
from common.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed

HOUSEHOLD = "66b0c2f1e4a1b2c3d4e5f601"
ORAN_HOUSEHOLD = "66b0c2f1e4a1b2c3d4e5f631"
HOUSEHOLDS = {HOUSEHOLD: ("/DZ/16/1601", 3), ORAN_HOUSEHOLD: ("/DZ/31/3101", 1)}

HOME = {
    "code": "fpa-16-test",
    "type": "elderly_home",
    "name_fr": "Foyer pour personnes âgées (test)",
    "name_ar": "دار الأشخاص المسنين (تجربة)",
    "area": "/DZ/16/1623",
    "capacity": 2,
    "places_by_kind": {"men": 1, "women": 1},
    "admission_criteria": "65 ans ou plus, sans soutien familial",
    "contact": {"address": "Dely Ibrahim", "phone": "021 23 45 67"},
}
CENTRE = {
    **HOME,
    "code": "cfd-16-test",
    "type": "women_centre",
    "capacity": 1,
    "places_by_kind": None,
    "area": "/DZ/16",
}


class FakeRegistry:
    """``household_facts`` as the registry answers it: NotFound outside the caller's area."""

    def __init__(self, caller: CallerContext | None) -> None:
        self.caller = caller

    def household_facts(self, household_id: str) -> dict[str, Any]:
        found = HOUSEHOLDS.get(household_id)
        if found is None or self.caller is None or not areas.contains(self.caller.area, found[0]):
            raise RemoteError("NotFound", "household not found")
        area, size = found
        members = [{"person_key": f"{household_id}:{i}"} for i in range(size)]
        return {"household_id": household_id, "area": area, "members": members}


def user(name: str, area: str, *roles: str) -> CallerContext:
    return CallerContext(user_id=name, roles=roles, area=area, correlation_id="c-1")


WORKER = user("worker-1601", "/DZ/16/1601", "social-worker")
COORDINATOR_1602 = user("coordinator-1602", "/DZ/16/1602", "cell-coordinator")
DIRECTOR_16 = user("director-16", "/DZ/16", "wilaya-director")
DIRECTOR_31 = user("director-31", "/DZ/31", "wilaya-director")
OFFICER = user("officer", "/DZ", "national-officer")


class World:
    """One database; ``as_(caller)`` is a worker of the service acting for that caller."""

    def __init__(self) -> None:
        self.database = mongomock.MongoClient(tz_aware=True)[f"assistance_{uuid.uuid4().hex[:6]}"]
        MongoReferralRepository.ensure_indexes(self.database)
        self.institutions = MongoInstitutionRepository(self.database)
        self.referrals = MongoReferralRepository(self.database)

    def as_(self, caller: CallerContext | None) -> Any:
        return worker_factory(
            AssistanceService,
            institutions=self.institutions,
            referrals=self.referrals,
            registry=FakeRegistry(caller),
            caller=caller,
        )

    def occupancy(self, code: str) -> dict[str, Any]:
        found = self.institutions.get(code)
        assert found is not None
        return found.occupancy()


@pytest.fixture
def world() -> World:
    world = World()
    world.as_(OFFICER).create_institution(HOME)
    world.as_(OFFICER).create_institution(CENTRE)
    return world


def key() -> str:
    return uuid.uuid4().hex


def propose(world: World, member: int = 0, institution: str = "fpa-16-test", kind: str | None = "men") -> Any:
    referral = {"person_key": f"{HOUSEHOLD}:{member}", "institution": institution, "reason": "Isolement, sans revenu"}
    if kind is not None:
        referral["place_kind"] = kind
    return world.as_(WORKER).propose_referral(referral, key())


def step(world: World, referral_id: str, name: str, caller: CallerContext = DIRECTOR_16, **body: Any) -> Any:
    return world.as_(caller).advance_referral(referral_id, name, body, key())


# --- institutions --------------------------------------------------------------------


def test_reference_list_loads_once_and_never_overwrites_an_edited_entry() -> None:
    database = mongomock.MongoClient(tz_aware=True)["assistance_ref"]
    MongoInstitutionRepository.ensure_indexes(database)
    shipped = reference_institutions()
    assert {i.area.split("/")[2] for i in shipped} == {"16", "31"}
    repo = MongoInstitutionRepository(database)
    first = shipped[0]
    assert repo.reserve(first.code, "r1", "men") is Reservation.TAKEN
    edited = first.model_copy(update={"name_fr": "Nom corrigé par la direction"})
    repo.update(edited, "director-16")

    MongoInstitutionRepository.ensure_indexes(database)  # a restart

    assert database["institutions"].count_documents({}) == len(shipped)
    again = repo.get(first.code)
    assert again is not None
    assert again.stored["name_fr"] == "Nom corrigé par la direction" and again.stored["source"] == "manual"
    assert again.occupancy()["occupied"] == 1  # a reload never resets the places taken


def test_staff_see_their_wilayas_institutions_only(world: World) -> None:
    world.as_(OFFICER).create_institution({**HOME, "code": "fpa-31-test", "area": "/DZ/31/3123"})
    assert [i["code"] for i in world.as_(WORKER).list_institutions()] == ["cfd-16-test", "fpa-16-test"]
    assert len(world.as_(OFFICER).list_institutions()) == 3
    assert [i["code"] for i in world.as_(OFFICER).list_institutions({"area": "/DZ/31"})] == ["fpa-31-test"]
    assert [i["code"] for i in world.as_(WORKER).list_institutions({"type": "women_centre"})] == ["cfd-16-test"]
    with pytest.raises(NotFound):
        world.as_(DIRECTOR_31).get_institution("fpa-16-test")
    home = world.as_(WORKER).get_institution("fpa-16-test")
    assert home["contact"]["phone"] == "+21321234567"
    assert home["occupancy"] == {
        "capacity": 2,
        "occupied": 0,
        "available": 2,
        "by_kind": [
            {"kind": "men", "places": 1, "occupied": 0, "available": 1},
            {"kind": "women", "places": 1, "occupied": 0, "available": 1},
        ],
    }


def test_who_may_add_an_institution_and_where(world: World) -> None:
    with pytest.raises(Forbidden):
        world.as_(WORKER).create_institution({**HOME, "code": "fpa-16-other"})
    with pytest.raises(Forbidden):  # a wilaya director adds in their own wilaya only
        world.as_(DIRECTOR_16).create_institution({**HOME, "code": "fpa-31-other", "area": "/DZ/31"})
    assert world.as_(DIRECTOR_16).create_institution(HOME)["code"] == "fpa-16-test"  # the same again: idempotent
    with pytest.raises(Conflict):
        world.as_(DIRECTOR_16).create_institution({**HOME, "capacity": 3, "places_by_kind": {"men": 2, "women": 1}})


@pytest.mark.parametrize(
    "bad",
    [
        {"places_by_kind": {"men": 1, "women": 2}},  # does not add up to capacity
        {"area": "/DZ"},
        {"type": "hotel"},
        {"code": "X"},
        {"capacity": 0},
        {"contact": {"address": "ici", "phone": "+33 1 23 45 67 89"}},
    ],
)
def test_bad_institutions_are_refused(world: World, bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        world.as_(OFFICER).create_institution({**HOME, "code": "fpa-16-new", **bad})


def test_capacity_cannot_drop_below_the_places_taken(world: World) -> None:
    referral = propose(world)
    step(world, referral["id"], "accept")
    step(world, referral["id"], "place", start_date="2026-03-01")
    with pytest.raises(Conflict):
        world.as_(DIRECTOR_16).update_institution(
            "fpa-16-test", {**HOME, "capacity": 1, "places_by_kind": {"women": 1}}
        )
    grown = world.as_(DIRECTOR_16).update_institution(
        "fpa-16-test", {**HOME, "capacity": 3, "places_by_kind": {"men": 2, "women": 1}}
    )
    assert grown["occupancy"]["available"] == 2 and grown["source"] == "manual"
    with pytest.raises(NotFound):
        world.as_(DIRECTOR_31).update_institution("fpa-16-test", HOME)
    with pytest.raises(ValidationFailed):
        world.as_(DIRECTOR_16).update_institution("fpa-16-test", {**HOME, "code": "fpa-16-renamed"})


# --- the lifecycle -------------------------------------------------------------------


def test_full_lifecycle_takes_then_gives_back_a_place(world: World) -> None:
    referral = propose(world)
    assert (referral["state"], referral["allowed_steps"]) == ("proposed", ["accept", "refuse", "withdraw"])
    assert referral["household_id"] == HOUSEHOLD and referral["proposed_by"] == "worker-1601"

    accepted = step(world, referral["id"], "accept", note="Dossier complet")
    assert (accepted["state"], accepted["allowed_steps"]) == ("accepted", ["place", "withdraw"])
    placed = step(world, referral["id"], "place", start_date="2026-03-01")
    assert placed["state"] == "placed" and placed["start_date"] == "2026-03-01"
    assert world.occupancy("fpa-16-test")["occupied"] == 1
    assert world.occupancy("fpa-16-test")["by_kind"][0] == {"kind": "men", "places": 1, "occupied": 1, "available": 0}

    with pytest.raises(ValidationFailed):
        step(world, referral["id"], "end", exit_date="2026-02-01", motive="Retour en famille")
    ended = step(world, referral["id"], "end", exit_date="2026-09-30", motive="Retour en famille")
    assert (ended["state"], ended["exit_date"], ended["exit_motive"]) == ("ended", "2026-09-30", "Retour en famille")
    assert [h["step"] for h in ended["history"]] == ["accept", "place", "end"]
    assert ended["history"][0]["by"] == "director-16" and ended["history"][0]["note"] == "Dossier complet"
    assert world.occupancy("fpa-16-test")["occupied"] == 0
    assert world.as_(WORKER).get_referral(referral["id"]) == ended


def test_a_full_institution_refuses_the_placement(world: World) -> None:
    first, second = propose(world, 0), propose(world, 1)
    for referral in (first, second):
        step(world, referral["id"], "accept")
    step(world, first["id"], "place", start_date="2026-03-01")
    with pytest.raises(Conflict) as full:
        step(world, second["id"], "place", start_date="2026-03-01")
    assert full.value.code == "conflict" and "no place left" in full.value.message
    assert full.value.details == {"institution": "fpa-16-test", "place_kind": "men"}
    assert world.as_(WORKER).get_referral(second["id"])["state"] == "accepted"
    other_kind = propose(world, 2, kind="women")  # the women's place is still free
    step(world, other_kind["id"], "accept")
    assert step(world, other_kind["id"], "place", start_date="2026-03-02")["state"] == "placed"
    assert world.occupancy("fpa-16-test")["occupied"] == 2


def test_the_same_key_replays_the_stored_outcome(world: World) -> None:
    referral = propose(world)
    director = world.as_(DIRECTOR_16)
    accept_key = key()
    accepted = director.advance_referral(referral["id"], "accept", {}, accept_key)
    place_key = key()
    placed = director.advance_referral(referral["id"], "place", {"start_date": "2026-03-01"}, place_key)
    assert director.advance_referral(referral["id"], "accept", {}, accept_key) == accepted  # even after a later step
    assert director.advance_referral(referral["id"], "place", {"start_date": "2026-03-01"}, place_key) == placed
    assert world.occupancy("fpa-16-test")["occupied"] == 1  # placed once
    with pytest.raises(Conflict):
        director.advance_referral(referral["id"], "end", {"exit_date": "2026-04-01", "motive": "Départ"}, place_key)


def test_proposing_twice_with_one_key_makes_one_referral(world: World) -> None:
    body = {"person_key": f"{HOUSEHOLD}:0", "institution": "cfd-16-test", "reason": "Violence conjugale"}
    proposal_key = key()
    first = world.as_(WORKER).propose_referral(body, proposal_key)
    assert world.as_(WORKER).propose_referral(body, proposal_key) == first
    with pytest.raises(Conflict):  # another proposal for the same person and institution while it is open
        world.as_(WORKER).propose_referral(body, key())
    with pytest.raises(Conflict):  # the key belongs to another referral
        world.as_(WORKER).propose_referral({**body, "person_key": f"{HOUSEHOLD}:1"}, proposal_key)
    step(world, first["id"], "refuse", motive="Pas de place adaptée")
    assert world.as_(WORKER).propose_referral(body, key())["state"] == "proposed"  # closed: may be referred again


@pytest.mark.parametrize(
    ("path", "bad_step", "state", "allowed"),
    [
        ([], "place", "proposed", ["accept", "refuse", "withdraw"]),
        ([], "end", "proposed", ["accept", "refuse", "withdraw"]),
        (["accept"], "refuse", "accepted", ["place", "withdraw"]),
        (["accept", "place"], "withdraw", "placed", ["end"]),
        (["refuse"], "accept", "refused", []),
        (["withdraw"], "accept", "withdrawn", []),
    ],
)
def test_a_step_out_of_order_is_an_invalid_transition(
    world: World, path: list[str], bad_step: str, state: str, allowed: list[str]
) -> None:
    referral = propose(world)
    bodies = {
        "accept": {},
        "place": {"start_date": "2026-03-01"},
        "refuse": {"motive": "Critères non remplis"},
        "withdraw": {"motive": "La famille s'organise"},
        "end": {"exit_date": "2026-04-01", "motive": "Départ"},
    }
    for name in path:
        step(world, referral["id"], name, WORKER if name == "withdraw" else DIRECTOR_16, **bodies[name])
    caller = WORKER if bad_step == "withdraw" else DIRECTOR_16
    with pytest.raises(InvalidTransition) as err:
        step(world, referral["id"], bad_step, caller, **bodies[bad_step])
    assert err.value.code == "invalid_transition" and err.value.details == {"state": state, "allowed": allowed}


def test_withdrawing_an_accepted_referral_gives_back_a_place_a_crash_left_held(world: World) -> None:
    referral = propose(world)
    step(world, referral["id"], "accept")
    assert world.institutions.reserve("fpa-16-test", referral["id"], "men") is Reservation.TAKEN  # placement crashed
    assert world.occupancy("fpa-16-test")["occupied"] == 1
    withdrawn = step(world, referral["id"], "withdraw", WORKER, motive="Solution familiale trouvée")
    assert withdrawn["state"] == "withdrawn" and withdrawn["withdrawal_motive"] == "Solution familiale trouvée"
    assert world.occupancy("fpa-16-test")["occupied"] == 0


def test_a_resumed_placement_counts_the_place_once(world: World) -> None:
    referral = propose(world)
    step(world, referral["id"], "accept")
    world.institutions.reserve("fpa-16-test", referral["id"], "men")  # a first attempt crashed after the place
    assert step(world, referral["id"], "place", start_date="2026-03-01")["state"] == "placed"
    assert world.occupancy("fpa-16-test")["occupied"] == 1


def test_the_timer_releases_places_of_closed_referrals(world: World) -> None:
    referral = propose(world)
    step(world, referral["id"], "refuse", motive="Hors critères")
    world.institutions.reserve("fpa-16-test", referral["id"], "men")  # a stray place (a crash before release)
    live = propose(world, 1, kind="women")
    step(world, live["id"], "accept")
    step(world, live["id"], "place", start_date="2026-03-01")
    world.as_(None).release_stale_places()
    assert world.occupancy("fpa-16-test")["occupied"] == 1  # the live placement keeps its place
    assert world.occupancy("fpa-16-test")["by_kind"][1]["occupied"] == 1


# --- who may, and where --------------------------------------------------------------


def test_each_side_takes_its_own_steps(world: World) -> None:
    referral = propose(world)
    with pytest.raises(Forbidden):  # a social worker is not the institution's side
        step(world, referral["id"], "accept", WORKER)
    with pytest.raises(NotFound):  # another wilaya does not see it
        step(world, referral["id"], "accept", DIRECTOR_31)
    with pytest.raises(NotFound):  # nor another commune
        world.as_(COORDINATOR_1602).get_referral(referral["id"])
    with pytest.raises(NotFound):
        step(world, referral["id"], "withdraw", COORDINATOR_1602, motive="Sans objet")
    assert step(world, referral["id"], "accept", OFFICER)["state"] == "accepted"
    assert [r["id"] for r in world.as_(DIRECTOR_16).list_referrals({"institution": "fpa-16-test"})] == [referral["id"]]
    assert world.as_(DIRECTOR_16).list_referrals({"state": "placed"}) == []
    assert world.as_(DIRECTOR_31).list_referrals() == []


def test_an_oran_household_is_seen_by_the_algiers_institution_side(world: World) -> None:
    oran_worker = user("worker-3101", "/DZ/31/3101", "social-worker")
    with pytest.raises(NotFound):  # an Oran worker does not see Algiers' institutions
        world.as_(oran_worker).propose_referral(
            {"person_key": f"{ORAN_HOUSEHOLD}:0", "institution": "cfd-16-test", "reason": "Mise à l'abri"}, key()
        )
    referral = world.as_(OFFICER).propose_referral(
        {"person_key": f"{ORAN_HOUSEHOLD}:0", "institution": "cfd-16-test", "reason": "Mise à l'abri"}, key()
    )
    assert world.as_(DIRECTOR_16).get_referral(referral["id"])["id"] == referral["id"]  # the institution's wilaya
    assert world.as_(oran_worker).get_referral(referral["id"])["id"] == referral["id"]  # the household's commune
    with pytest.raises(Forbidden):  # the household's side does not accept for the institution
        step(world, referral["id"], "accept", DIRECTOR_31)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"person_key": f"{HOUSEHOLD}:7"}, NotFound),  # no such member
        ({"person_key": f"{ORAN_HOUSEHOLD}:0"}, NotFound),  # a household outside the caller's area
        ({"person_key": "not-a-key"}, ValidationFailed),
        ({"institution": "nowhere-16"}, NotFound),
        ({"place_kind": None}, ValidationFailed),  # the home splits its places by kind
        ({"place_kind": "children"}, ValidationFailed),
        ({"reason": ""}, ValidationFailed),
    ],
)
def test_bad_proposals(world: World, change: dict[str, Any], error: type[Exception]) -> None:
    body = {
        "person_key": f"{HOUSEHOLD}:0",
        "institution": "fpa-16-test",
        "reason": "Isolement",
        "place_kind": "men",
        **change,
    }
    with pytest.raises(error):
        world.as_(WORKER).propose_referral({k: v for k, v in body.items() if v is not None}, key())
    assert world.database["referrals"].count_documents({}) == 0


@pytest.mark.parametrize(
    ("name", "body", "idempotency_key"),
    [
        ("teleport", {}, "k" * 10),
        ("refuse", {}, "k" * 10),  # a motive is required
        ("place", {"start_date": "tomorrow"}, "k" * 10),
        ("accept", {}, "short"),
    ],
)
def test_bad_steps(world: World, name: str, body: dict[str, Any], idempotency_key: str) -> None:
    referral = propose(world)
    with pytest.raises(ValidationFailed):
        world.as_(DIRECTOR_16).advance_referral(referral["id"], name, body, idempotency_key)
    with pytest.raises(NotFound):
        world.as_(DIRECTOR_16).advance_referral("0" * 24, "accept", {}, key())
