"""Institutions and referrals: propose, accept or refuse, place (taking a place), end, withdraw.

Who sees what: an institution serves its wilaya, so staff see the institutions of their
own wilaya (the nation for national officers). A referral is seen inside the person's
household area and inside the institution's wilaya. The institution's side (a wilaya
director or national officer over the institution's wilaya) accepts, refuses, places and
ends; the referring side (staff over the household) proposes and withdraws.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistance.app.ports import InstitutionRepository, ReferralRepository
from assistance.domain.ids import new_id
from assistance.domain.institutions import Institution, Reservation
from assistance.domain.referrals import Referral, institution_reach
from common import areas, policy
from common.context import CallerContext
from common.contracts.referrals import (
    INSTITUTION_STEPS,
    STEP_BODIES,
    TRANSITIONS,
    InstitutionFilter,
    InstitutionIn,
    ReferralFilter,
    ReferralIn,
)
from common.errors import Conflict, Forbidden, IdempotencyKeyReused, InvalidTransition, NotFound, ValidationFailed
from common.idempotency import KeyedRequest, keyed
from common.scope import Scope
from common.validation import parse

log = logging.getLogger(__name__)

STEP_ATTEMPTS = 3


@dataclass(frozen=True)
class ReferralDesk:
    """What the referral use cases work with: the two collections and the registry's household facts."""

    institutions: InstitutionRepository
    referrals: ReferralRepository
    facts: Callable[[str], dict[str, Any]]


def household_facts(facts_of: Callable[[str], dict[str, Any]], household_id: str) -> dict[str, Any]:
    """The registry's facts of a household inside the caller's area; a merged one is a Conflict."""
    facts = facts_of(household_id)
    if facts["household_id"] != household_id:
        raise Conflict("the household was merged into another", {"merged_into": facts["household_id"]})
    return facts


def reach(caller: CallerContext) -> str:
    """The area whose institutions the caller sees: their wilaya (or the nation)."""
    return institution_reach(caller.area)[-1]


def institutions(desk: ReferralDesk, caller: CallerContext, wanted: InstitutionFilter) -> list[Institution]:
    """Institutions of the caller's wilaya (all for national officers), by code, with occupancy."""
    return desk.institutions.list_in(Scope(reach(caller)), wanted.type, wanted.area)


def visible_institution(desk: ReferralDesk, caller: CallerContext, code: Any) -> Institution:
    """One institution with its places taken; outside the caller's wilaya it does not exist."""
    found = desk.institutions.get(code) if isinstance(code, str) else None
    return policy.visible_or_404(found, lambda institution: institution.visible_in(Scope(reach(caller))), "institution")


def referral(desk: ReferralDesk, caller: CallerContext, referral_id: Any) -> Referral:
    """A referral seen from the household's area or the institution's wilaya; elsewhere it does not exist."""
    found = desk.referrals.get(referral_id) if isinstance(referral_id, str) else None
    return policy.visible_or_404(found, lambda referral: referral.visible_in(policy.scope(caller)), "referral")


def create_institution(desk: ReferralDesk, caller: CallerContext, payload: InstitutionIn) -> Institution:
    """Add an institution in the caller's area; the same one again answers the stored one."""
    policy.require_within(caller, payload.area)
    return desk.institutions.create(payload, caller.user_id)


def update_institution(desk: ReferralDesk, caller: CallerContext, code: str, payload: InstitutionIn) -> Institution:
    """Replace an institution's description and capacity (never below the places taken)."""
    if payload.code != code:
        raise ValidationFailed("the code cannot change", {"code": payload.code})
    current = visible_institution(desk, caller, code)
    policy.require_within(caller, current.area)
    policy.require_within(caller, payload.area)
    updated = desk.institutions.update(payload, caller.user_id)
    if updated is None:
        raise NotFound("institution not found")
    return updated


def propose(desk: ReferralDesk, caller: CallerContext, payload: ReferralIn, key: KeyedRequest) -> Referral:
    """Refer a member of a household in the caller's area to an institution of their wilaya.

    The same idempotency key answers the same referral; one open referral per person
    and institution (Conflict otherwise).
    """
    household_id = payload.person_key.split(":")[0]
    facts = household_facts(desk.facts, household_id)
    if all(member["person_key"] != payload.person_key for member in facts["members"]):
        raise NotFound("person not found")
    institution = visible_institution(desk, caller, payload.institution)
    if not institution.fits(payload.place_kind):
        kinds = institution.kinds
        raise ValidationFailed(
            "place_kind must name one of the institution's kinds of places"
            if kinds
            else "this institution does not split its places by kind: leave place_kind out",
            {"place_kind": payload.place_kind or "", "kinds": kinds},
        )
    proposed = Referral.propose(
        referral_id=new_id(),
        person_key=payload.person_key,
        household_area=facts["area"],
        institution=institution,
        reason=payload.reason,
        place_kind=payload.place_kind,
        user_id=caller.user_id,
        idempotency_key=key,
    )
    stored, _ = desk.referrals.propose(proposed, key)
    return stored


def referrals(desk: ReferralDesk, caller: CallerContext, wanted: ReferralFilter) -> list[Referral]:
    """Referrals in the caller's area, the latest first, optionally of one institution or state."""
    return desk.referrals.list_in(policy.scope(caller), wanted)


def advance(
    desk: ReferralDesk, caller: CallerContext, referral_id: str, step: str, details: Any, idempotency_key: str
) -> dict[str, Any]:
    """Take a step of the lifecycle (``common.contracts.referrals.TRANSITIONS``).

    ``place`` takes one of the institution's places or fails with Conflict when it is
    full; ``end`` and ``withdraw`` give it back. The same key replays the step's
    stored outcome; a step the state does not allow is an InvalidTransition.
    """
    body = parse(STEP_BODIES[step], details or {}).model_dump(mode="json")
    key = keyed(caller.user_id, idempotency_key, "advance_referral", referral_id, step, body)
    for _ in range(STEP_ATTEMPTS):
        current = referral(desk, caller, referral_id)
        earlier = current.replay(key)
        if earlier is not None:
            if earlier["step"] != step:  # an entry from before fingerprints
                raise IdempotencyKeyReused("this idempotency key was used for another step", {"step": earlier["step"]})
            release_if_final(desk, current)
            outcome: dict[str, Any] = earlier["outcome"]
            return outcome
        if not areas.contains(caller.area, current.side_of(step)):
            raise Forbidden(
                "the institution's directorate takes this step"
                if step in INSTITUTION_STEPS
                else "the referring side withdraws a referral"
            )
        if step not in TRANSITIONS[current.state]:
            release_if_final(desk, current)
            raise InvalidTransition(
                f"a {current.state} referral cannot take the step {step}",
                {"state": current.state, "allowed": current.allowed_steps()},
            )
        if step == "place":
            take_place_for(desk, current)
        taken = current.step(step, body, key, caller.user_id)
        if desk.referrals.advance(current, taken):
            release_if_final(desk, current.after(taken))
            return taken.outcome
    raise Conflict("the referral kept changing during this step: try again")


def release_stale_places(desk: ReferralDesk) -> None:
    """Give back places still held by ended, withdrawn or refused referrals (after a crash)."""
    released = 0
    for _, holder in list(desk.institutions.holdings()):
        held_by = desk.referrals.get(holder)
        if held_by is not None and held_by.final:
            released += desk.institutions.release(holder)
    if released:
        log.warning("released places of closed referrals", extra={"places": released})


def take_place_for(desk: ReferralDesk, referral: Referral) -> None:
    """Take a place for the referral (error details are text: nameko sends exception arguments as text)."""
    kind = referral.place_kind
    where = {"institution": referral.institution, **({"place_kind": kind} if kind else {})}
    taken = desk.institutions.reserve(referral.institution, referral.id, kind)
    if taken is Reservation.FULL:
        raise Conflict("the institution has no place left" + (" of this kind" if kind else ""), where)
    if taken is Reservation.UNKNOWN:
        raise Conflict("the institution no longer offers this kind of place", where)


def release_if_final(desk: ReferralDesk, referral: Referral) -> None:
    """A referral in a final state holds no place: give back any it still holds (idempotent)."""
    if referral.final:
        desk.institutions.release(referral.id)
