"""The referral entity: its stored shape, who sees it, what a step writes, the one "visible or 404"."""

from __future__ import annotations

import pytest

from assistance.app.visibility import visible_or_404
from assistance.domain.referrals import Referral
from common.errors import NotFound, ValidationFailed
from common.idempotency import keyed
from common.scope import Scope

HOUSEHOLD = "66b0c2f1e4a1b2c3d4e5f601"
HOME = {"code": "fpa-31", "type": "elderly_home", "area": "/DZ/31/3102"}


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
    assert visible_or_404(proposed(), Scope(area), "referral").id == "r-1"


@pytest.mark.parametrize("area", ["/DZ/16/1602", "/DZ/31/3102", "/DZ/09"])
def test_elsewhere_it_does_not_exist(area: str) -> None:
    assert not proposed().visible_in(Scope(area))
    with pytest.raises(NotFound, match="referral not found"):
        visible_or_404(proposed(), Scope(area), "referral")
    with pytest.raises(NotFound, match="referral not found"):
        visible_or_404(None, Scope(area), "referral")


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
