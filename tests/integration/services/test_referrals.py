"""Referrals over the real broker and database: the lifecycle, full institutions, racing placements, replays."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import eventlet
import pytest
from nameko.exceptions import RemoteError

from assistance.service import AssistanceService
from common.context import CallerContext
from registry.service import RegistryService
from tests.integration.services.conftest import new_commune


def as_user(user: str, area: str, *roles: str) -> CallerContext:
    return CallerContext(user_id=user, roles=roles, area=area, correlation_id=uuid.uuid4().hex)


def wilaya_of(area: str) -> str:
    return "/".join(area.split("/")[:3])


def family(area: str, size: int) -> dict[str, Any]:
    """An elderly head and relatives, with names of their own so no duplicate review holds them."""
    tag = uuid.uuid4().hex[:8]
    members = [
        {
            "given_name_lat": f"Ahmed{tag}{n}",
            "family_name_lat": f"Test{tag}",
            "sex": "M",
            "birth_year": 1940 + n,
            "relationship": "head" if n == 0 else "other",
        }
        for n in range(size)
    ]
    return {"area": area, "address": "Cité 200 logements, bloc B", "members": members}


def institution(area: str, capacity: int = 1) -> dict[str, Any]:
    return {
        "code": f"it-{uuid.uuid4().hex[:12]}",
        "type": "elderly_home",
        "name_fr": "Foyer pour personnes âgées (essai)",
        "name_ar": "دار الأشخاص المسنين (تجربة)",
        "area": wilaya_of(area),
        "capacity": capacity,
        "admission_criteria": "65 ans ou plus, sans soutien familial",
        "contact": {"address": "Adresse d'essai"},
    }


class Setting:
    """A commune with a household, an institution of its wilaya, a worker and the wilaya's director."""

    def __init__(self, rpc_as: Callable[[CallerContext], Any], capacity: int = 1, size: int = 3) -> None:
        self.area = new_commune()
        self.worker = rpc_as(as_user("it-worker", self.area, "social-worker"))
        self.director = rpc_as(as_user("it-director", wilaya_of(self.area), "wilaya-director"))
        self.household = self.worker.registry.register_household(family(self.area, size), uuid.uuid4().hex)
        self.institution = self.director.assistance.create_institution(institution(self.area, capacity))
        self.code = self.institution["code"]

    def propose(self, member: int) -> dict[str, Any]:
        referral = {
            "person_key": f"{self.household['id']}:{member}",
            "institution": self.code,
            "reason": "Personne âgée isolée, sans revenu",
        }
        proposed: dict[str, Any] = self.worker.assistance.propose_referral(referral, uuid.uuid4().hex)
        return proposed

    def accepted(self, member: int) -> dict[str, Any]:
        referral = self.propose(member)
        self.director.assistance.advance_referral(referral["id"], "accept", {}, uuid.uuid4().hex)
        return referral

    def occupied(self) -> int:
        return int(self.director.assistance.get_institution(self.code)["occupancy"]["occupied"])

    def placed(self) -> int:
        listed = self.director.assistance.list_referrals({"institution": self.code, "state": "placed"})
        return len(listed)


@pytest.fixture
def services(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)
    start_service(AssistanceService)


def test_reference_institutions_are_loaded(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    officer = rpc_as(as_user("it-officer", "/DZ", "national-officer")).assistance
    codes = {i["code"] for i in officer.list_institutions({})}
    assert {"fpa-16-dely-ibrahim", "fea-31-oran"} <= codes
    oran = rpc_as(as_user("it-director-31", "/DZ/31", "wilaya-director")).assistance
    assert all(i["area"].startswith("/DZ/31") for i in oran.list_institutions({}))
    home = officer.get_institution("fpa-16-dely-ibrahim")
    assert [k["kind"] for k in home["occupancy"]["by_kind"]] == ["men", "women"]


def test_full_lifecycle(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    s = Setting(rpc_as, capacity=2)
    referral = s.propose(0)
    assert referral["state"] == "proposed"
    steps = [
        ("accept", {"note": "Dossier complet"}, "accepted"),
        ("place", {"start_date": "2026-03-01"}, "placed"),
        ("end", {"exit_date": "2026-10-15", "motive": "Retour en famille"}, "ended"),
    ]
    for name, body, state in steps:
        answer = s.director.assistance.advance_referral(referral["id"], name, body, uuid.uuid4().hex)
        assert answer["state"] == state
        if name == "place":
            assert s.occupied() == 1
    assert s.occupied() == 0
    stored = s.worker.assistance.get_referral(referral["id"])
    assert [h["step"] for h in stored["history"]] == ["accept", "place", "end"] and stored["allowed_steps"] == []

    refused = s.propose(1)
    out = s.director.assistance.advance_referral(refused["id"], "refuse", {"motive": "Hors critères"}, uuid.uuid4().hex)
    assert (out["state"], out["refusal_motive"]) == ("refused", "Hors critères")
    withdrawn = s.propose(2)
    out = s.worker.assistance.advance_referral(withdrawn["id"], "withdraw", {"motive": "Sans objet"}, uuid.uuid4().hex)
    assert out["state"] == "withdrawn"
    other_wilaya = rpc_as(as_user("it-other", "/DZ/99", "wilaya-director")).assistance
    with pytest.raises(RemoteError) as hidden:
        other_wilaya.get_referral(referral["id"])
    assert hidden.value.exc_type == "NotFound"


def test_a_full_institution_refuses_a_placement(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    s = Setting(rpc_as, capacity=1)
    first, second = s.accepted(0), s.accepted(1)
    s.director.assistance.advance_referral(first["id"], "place", {"start_date": "2026-03-01"}, uuid.uuid4().hex)
    with pytest.raises(RemoteError) as full:
        s.director.assistance.advance_referral(second["id"], "place", {"start_date": "2026-03-01"}, uuid.uuid4().hex)
    assert full.value.exc_type == "Conflict" and "no place left" in full.value.value
    assert s.occupied() == 1 and s.placed() == 1
    s.director.assistance.advance_referral(
        first["id"], "end", {"exit_date": "2026-05-01", "motive": "Décès"}, uuid.uuid4().hex
    )
    again = s.director.assistance.advance_referral(
        second["id"], "place", {"start_date": "2026-05-02"}, uuid.uuid4().hex
    )
    assert again["state"] == "placed" and s.occupied() == 1


def test_concurrent_placements_for_the_last_place_one_wins(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    """Several rounds: each time, contenders from separate RPC clients race for one place."""
    for _ in range(3):
        s = Setting(rpc_as, capacity=1, size=4)
        contenders = [s.accepted(member) for member in range(4)]
        directors = [
            rpc_as(as_user(f"it-director-{n}", wilaya_of(s.area), "wilaya-director")).assistance for n in range(4)
        ]
        gate = eventlet.event.Event()

        def place(director: Any, referral: dict[str, Any], gate: eventlet.event.Event) -> str:
            gate.wait()
            try:
                director.advance_referral(referral["id"], "place", {"start_date": "2026-03-01"}, uuid.uuid4().hex)
            except RemoteError as exc:
                return str(exc.exc_type)
            return "placed"

        threads = [eventlet.spawn(place, d, r, gate) for d, r in zip(directors, contenders, strict=True)]
        eventlet.sleep(0.05)
        gate.send(True)
        outcomes = sorted(t.wait() for t in threads)
        assert outcomes == ["Conflict", "Conflict", "Conflict", "placed"]
        assert s.occupied() == 1 and s.placed() == 1


def test_a_redelivered_step_acts_once(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    s = Setting(rpc_as, capacity=3)
    referral = s.accepted(0)
    place_key = uuid.uuid4().hex
    calls = [
        eventlet.spawn(
            rpc_as(as_user("it-director", wilaya_of(s.area), "wilaya-director")).assistance.advance_referral,
            referral["id"],
            "place",
            {"start_date": "2026-03-01"},
            place_key,
        )
        for _ in range(3)
    ]
    answers = [c.wait() for c in calls]
    assert all(a == answers[0] for a in answers) and answers[0]["state"] == "placed"
    assert s.occupied() == 1
    replay = s.director.assistance.advance_referral(referral["id"], "place", {"start_date": "2026-03-01"}, place_key)
    assert replay == answers[0]

    proposal_key = uuid.uuid4().hex
    body = {"person_key": f"{s.household['id']}:1", "institution": s.code, "reason": "Isolement"}
    assert s.worker.assistance.propose_referral(body, proposal_key) == s.worker.assistance.propose_referral(
        body, proposal_key
    )


def test_steps_out_of_order_and_out_of_area(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    s = Setting(rpc_as)
    referral = s.propose(0)
    with pytest.raises(RemoteError) as early:
        s.director.assistance.advance_referral(referral["id"], "place", {"start_date": "2026-03-01"}, uuid.uuid4().hex)
    assert early.value.exc_type == "InvalidTransition"
    with pytest.raises(RemoteError) as worker_accepts:
        s.worker.assistance.advance_referral(referral["id"], "accept", {}, uuid.uuid4().hex)
    assert worker_accepts.value.exc_type == "Forbidden"
    with pytest.raises(RemoteError) as twice:
        s.propose(0)
    assert twice.value.exc_type == "Conflict"
    stranger = rpc_as(as_user("it-stranger", new_commune(), "social-worker")).assistance
    with pytest.raises(RemoteError) as hidden:
        stranger.propose_referral(
            {"person_key": f"{s.household['id']}:0", "institution": "fpa-16-dely-ibrahim", "reason": "Isolement"},
            uuid.uuid4().hex,
        )
    assert hidden.value.exc_type == "NotFound"
