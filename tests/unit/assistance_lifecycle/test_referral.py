"""The referral and institution entities: stored shape, who sees them, what a step writes, the one "visible or 404"."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from assistance.domain.institutions import Institution
from assistance.domain.referrals import Referral
from common.contracts.referrals import InstitutionIn
from common.errors import NotFound, ValidationFailed
from common.idempotency import keyed
from common.policy import visible_or_404
from common.scope import Scope

HOUSEHOLD = "66b0c2f1e4a1b2c3d4e5f601"
HOME = Institution.from_document({"_id": "fpa-31", "type": "elderly_home", "area": "/DZ/31/3102", "capacity": 4})
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def proposed() -> Referral:
    return Referral.propose(
        referral_id="r-1",
        person_key=f"{HOUSEHOLD}:0",
        household_area="/DZ/16/1601",
        institution=HOME,
        reason="seul",
        place_kind=None,
        user_id="worker",
        idempotency_key=keyed("worker", "key-propose", "propose"),
    )


def test_the_document_is_given_back_as_read() -> None:
    referral = proposed()
    doc = referral.document()
    assert Referral.from_document(doc).document() == doc
    assert doc["area_ancestors"] == ["/DZ", "/DZ/16", "/DZ/16/1601", "/DZ/31"]
    assert (doc["institution_wilaya"], doc["open_key"]) == ("/DZ/31", f"{HOUSEHOLD}:0|fpa-31")


@pytest.mark.parametrize("area", ["/DZ", "/DZ/16", "/DZ/16/1601", "/DZ/31"])
def test_seen_from_the_household_side_and_the_institution_wilaya(area: str) -> None:
    assert proposed().visible_in(Scope(area))
    assert visible_or_404(proposed(), lambda e: e.visible_in(Scope(area)), "referral").id == "r-1"


@pytest.mark.parametrize("area", ["/DZ/16/1602", "/DZ/31/3102", "/DZ/09"])
def test_elsewhere_it_does_not_exist(area: str) -> None:
    assert not proposed().visible_in(Scope(area))
    with pytest.raises(NotFound, match="referral not found"):
        visible_or_404(proposed(), lambda e: e.visible_in(Scope(area)), "referral")
    with pytest.raises(NotFound, match="referral not found"):
        visible_or_404(None, lambda e: e.visible_in(Scope(area)), "referral")


def test_each_side_takes_its_steps() -> None:
    assert proposed().side_of("accept") == "/DZ/31"
    assert proposed().side_of("withdraw") == "/DZ/16/1601"


def test_a_step_answers_what_it_writes_and_the_referral_after_it() -> None:
    referral = proposed()
    taken = referral.step("accept", {"note": "ok"}, keyed("director", "key-accept", "accept"), "director")
    assert (taken.changes["state"], taken.changes["version"]) == ("accepted", 2)
    after = referral.after(taken)
    assert (after.state, after.version, after.final) == ("accepted", 2, False)
    assert taken.outcome == after.public()
    assert taken.outcome["allowed_steps"] == ["place", "withdraw"]
    assert after.replay(keyed("director", "key-accept", "accept")) == taken.entry
    assert referral.replay(keyed("director", "key-accept", "accept")) is None


def test_an_end_before_the_start_is_refused() -> None:
    key = keyed("director", "key-steps", "x")
    placed = proposed()
    for step, body in (("accept", {}), ("place", {"start_date": "2026-03-10"})):
        placed = placed.after(placed.step(step, body, key, "director"))
    with pytest.raises(ValidationFailed, match="exit date is before"):
        placed.step("end", {"exit_date": "2026-03-01", "motive": "m"}, key, "director")
    ended = placed.after(placed.step("end", {"exit_date": "2026-04-01", "motive": "m"}, key, "director"))
    assert ended.final and ended.allowed_steps() == []


# --- institutions ------------------------------------------------------------------------


FOYER = {
    "code": "fpa-16",
    "type": "elderly_home",
    "name_fr": "Foyer",
    "name_ar": "دار",
    "area": "/DZ/16/1623",
    "capacity": 3,
    "places_by_kind": {"men": 2, "women": 1},
    "admission_criteria": "65 ans",
    "contact": {"address": "Alger"},
}


def institution(**changes: object) -> Institution:
    return Institution.create(InstitutionIn.model_validate(FOYER | changes), "director", AT)


def test_an_institution_is_given_back_as_read_and_knows_its_creation_again() -> None:
    home = institution()
    doc = home.document()
    assert Institution.from_document(doc).document() == doc
    assert (doc["_id"], doc["source"], doc["area_ancestors"]) == ("fpa-16", "manual", ["/DZ", "/DZ/16", "/DZ/16/1623"])
    assert home.describes(InstitutionIn.model_validate(FOYER))
    assert not home.describes(InstitutionIn.model_validate(FOYER | {"name_fr": "Autre foyer"}))


@pytest.mark.parametrize(("area", "seen"), [("/DZ", True), ("/DZ/16", True), ("/DZ/31", False), ("/DZ/16/1601", False)])
def test_an_institution_is_seen_from_its_wilaya_and_above(area: str, seen: bool) -> None:
    assert institution().visible_in(Scope(area)) is seen
    if not seen:
        with pytest.raises(NotFound, match="institution not found"):
            visible_or_404(institution(), lambda e: e.visible_in(Scope(area)), "institution")


def test_kinds_of_places_and_occupancy() -> None:
    home = Institution.from_document(institution().document(), Counter({"men": 2}))
    assert home.fits("women") and not home.fits(None) and home.kinds == ["men", "women"]
    assert institution(places_by_kind=None).fits(None) and not institution(places_by_kind=None).fits("men")
    occupancy = home.public()["occupancy"]
    assert (occupancy["occupied"], occupancy["available"]) == (2, 1)
    assert occupancy["by_kind"][0] == {"kind": "men", "places": 2, "occupied": 2, "available": 0}
    assert home.public()["updated_at"] == AT.isoformat()
