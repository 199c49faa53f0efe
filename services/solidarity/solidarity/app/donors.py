"""Donors: staff register walk-in donors in their area; a donor user registers and reads only their own record.

A caller with the ``donor`` role (and no staff or auditor role) acts as the one donor record
linked to their user id; every other donor record does not exist for them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from common import policy
from common.clock import now
from common.context import CallerContext
from common.contracts.donors import ConsentIn, DonorIn
from common.errors import NotFound
from common.idempotency import KeyedRequest
from solidarity.app.ports import Donors
from solidarity.domain.donors import Donor, new_donor


def is_self_service(caller: CallerContext) -> bool:
    """True for a donor user: they act only for their own donor record."""
    return caller.has_any_role(policy.DONOR) and not caller.has_any_role(*policy.READERS)


def register(donors: Donors, caller: CallerContext, body: DonorIn, key: KeyedRequest) -> Donor:
    """A donor record: a donor user's own (linked to them, once), or a walk-in donor in the staff's area."""
    self_service = is_self_service(caller)
    if not self_service:
        policy.authorize(caller, "donor.manage")
        policy.require_within(caller, body.area)
    donor = new_donor(
        id=donors.new_id(),
        kind=body.kind,
        name=body.name,
        area=body.area,
        registration=body.registration,
        user_id=caller.user_id if self_service else None,
        consent_channels=body.consent_channels,
        consent_on=body.consent_on,
        anonymous_public=body.anonymous_public,
    )
    return donors.create(donor, key, caller.user_id)


def own(donors: Donors, caller: CallerContext) -> Donor:
    """The donor user's own record; NotFound until they registered it."""
    found = donors.of_user(caller.user_id)
    if found is None:
        raise NotFound("donor not found", {"code": "donor_profile_missing"})
    return found


def visible(donors: Donors, caller: CallerContext, donor_id: Any) -> Donor:
    """A donor record the caller may see: their own (donor users), one inside their area (staff, auditors)."""
    found = donors.get(donor_id) if isinstance(donor_id, str) else None
    if is_self_service(caller):
        return policy.visible_or_404(found, lambda d: d.owned_by(caller.user_id), "donor")
    policy.authorize(caller, "donor.read")
    return policy.visible_or_404(found, lambda d: policy.scope(caller).contains(d.area), "donor")


def listed(donors: Donors, caller: CallerContext, limit: int) -> tuple[list[Donor], int]:
    """The donors the caller sees and how many: their own record only (donor users), those of their area (staff)."""
    if is_self_service(caller):
        mine = donors.of_user(caller.user_id)
        return ([mine], 1) if mine else ([], 0)
    policy.authorize(caller, "donor.read")
    scope = policy.scope(caller)
    return donors.within(scope, limit), donors.count_within(scope)


def consent(donors: Donors, caller: CallerContext, donor_id: Any, body: ConsentIn) -> Donor:
    """Set (or withdraw, with no channel) the donor's consent and public anonymity: the donor themself, or staff
    of the donor's area; setting the same again changes nothing."""
    if not is_self_service(caller):
        policy.authorize(caller, "donor.manage")
    donor = visible(donors, caller, donor_id)
    changed = donor.with_consent(body.consent_channels, body.consent_on or now().date())
    if body.anonymous_public is not None:
        changed = replace(changed, anonymous_public=body.anonymous_public)
    if changed.consent.channels == donor.consent.channels and changed.anonymous_public == donor.anonymous_public:
        return donor
    return donors.update(changed)
