"""Authorisation in one place: which role may do what, and where.

Services call :func:`authorize` at the top of every entrypoint that acts for a user and
pass the caller's :func:`scope` to every query (repositories translate it, see
``common.scoping``). Objects outside the caller's area answer :class:`NotFound`, exactly
as if they did not exist (:func:`visible`, :func:`visible_or_404`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from common import areas
from common.context import CallerContext
from common.errors import Forbidden, NotFound, Unauthenticated
from common.scope import Scope

T = TypeVar("T")

NATIONAL_OFFICER = "national-officer"
WILAYA_DIRECTOR = "wilaya-director"
WILAYA_AGENT = "wilaya-agent"
CELL_COORDINATOR = "cell-coordinator"
SOCIAL_WORKER = "social-worker"
DONOR = "donor"
AUDITOR = "auditor"

STAFF = frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT, CELL_COORDINATOR, SOCIAL_WORKER})
READERS = STAFF | {AUDITOR}

# operation -> roles allowed to perform it (auditors never write).
PERMISSIONS: dict[str, frozenset[str]] = {
    "household.register": STAFF,
    "household.read": READERS,
    "household.update": STAFF,
    "household.assess": STAFF,
    "household.import": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT, CELL_COORDINATOR}),
    "review.read": READERS,
    "review.decide": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT, CELL_COORDINATOR}),
    "review.scan": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR}),
    "scoring.read": READERS,
    "scoring.manage": frozenset({NATIONAL_OFFICER}),
    "job.read": READERS,
    "report.read": READERS,
    # reporting (issue 13): an area closes its own report and enters its action plan; donors read published figures
    "report.close": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, CELL_COORDINATOR}),
    "report.publish": READERS | {DONOR},
    "report.rebuild": frozenset({NATIONAL_OFFICER}),
    # assistance (issue 5): makers register, diagnose and propose; checkers approve by amount
    "aid.read": READERS,
    "aid.request": STAFF,
    "aid.propose": STAFF,
    "aid.approve": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, CELL_COORDINATOR}),
    "aid.urgent": frozenset({CELL_COORDINATOR, WILAYA_DIRECTOR}),
    "aid.disburse": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT}),
    "aid.follow_up": STAFF,
    "budget.manage": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR}),
    "eligibility.run": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT}),
    "institution.read": READERS,
    "institution.manage": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR}),
    "referral.manage": STAFF,
    "casework.read": READERS,
    "casework.manage": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, CELL_COORDINATOR}),
    "casework.visit": STAFF,
    "programme.manage": frozenset({NATIONAL_OFFICER}),
    "programme.read": READERS,
    "campaign.manage": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR}),
    "campaign.read": READERS | {DONOR},
    # solidarity (issue 12): staff record for walk-in donors in their area; a donor only for themself
    "donor.manage": STAFF,
    "donor.read": READERS,
    "donor.self": frozenset({DONOR}),
    "gift.record": STAFF | {DONOR},
    "gift.read": READERS | {DONOR},
    "gift.cancel": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT}),
    "pledge.manage": STAFF | {DONOR},
    "pledge.read": READERS | {DONOR},
    "statement.import": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT}),
    # receipts (issue 12): staff issue at the counter; only the finance side voids and re-issues;
    # a donor reads, downloads and asks for the annual receipt of their own gifts only
    "receipt.read": READERS | {DONOR},
    "receipt.issue": STAFF,
    "receipt.cancel": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT}),
    "receipt.annual": STAFF | {DONOR},
    # bequests (issue 12): donors declare and read their own; acceptance is further checked
    # against the authority the configured thresholds name for the bequest's value
    "bequest.read": READERS | {DONOR},
    "bequest.declare": STAFF | {DONOR},
    "bequest.revoke": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT, CELL_COORDINATOR, DONOR}),
    "bequest.manage": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT, CELL_COORDINATOR}),
    "bequest.decide": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, CELL_COORDINATOR}),
    "signal.report": STAFF,
    "signal.read": READERS,
    # veille (issue 14): field work by staff; protected fields by the roles that act on them
    "signal.handle": STAFF,
    "signal.break_glass": STAFF,
    "signal.reporter_identity.read": frozenset({CELL_COORDINATOR, WILAYA_DIRECTOR, NATIONAL_OFFICER}),
    "signal.reporter_identity.write": STAFF,
    "signal.child_protection.read": frozenset({CELL_COORDINATOR, SOCIAL_WORKER, WILAYA_DIRECTOR}),
    "signal.child_protection.write": frozenset({CELL_COORDINATOR, SOCIAL_WORKER}),
    "signal.gender_violence.read": frozenset({CELL_COORDINATOR, SOCIAL_WORKER}),
    "signal.gender_violence.write": frozenset({CELL_COORDINATOR, SOCIAL_WORKER}),
    "emergency.declare": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR}),
    "emergency.read": READERS,
    "alert.read": READERS,
    "alert.manage": frozenset({NATIONAL_OFFICER}),
    "alert.acknowledge": frozenset({NATIONAL_OFFICER, WILAYA_DIRECTOR, WILAYA_AGENT, CELL_COORDINATOR}),
    "audit.read": frozenset({AUDITOR}),
    "area.read": READERS | {DONOR},
    "area.manage": frozenset({NATIONAL_OFFICER}),
}


def authorize(caller: CallerContext | None, operation: str) -> CallerContext:
    """Return the caller if one of its roles allows ``operation``; raise otherwise."""
    if caller is None:
        raise Unauthenticated("this operation needs a caller")
    allowed = PERMISSIONS[operation]
    if not caller.has_any_role(*allowed):
        raise Forbidden(f"your role does not allow {operation}")
    return caller


def scope(caller: CallerContext) -> Scope:
    """Where the caller may see and act: its area and everything below it."""
    return Scope(caller.area)


def require_within(caller: CallerContext, area: str) -> None:
    """A write may only target the caller's own area or below it."""
    if not areas.contains(caller.area, area):
        raise Forbidden("the target area is outside your area", {"area": area})


def visible(caller: CallerContext, area: str, what: str = "object") -> None:
    """Raise NotFound for an object outside the caller's area (never confirm it exists)."""
    if not areas.contains(caller.area, area):
        raise NotFound(f"{what} not found")


def visible_or_404(found: T | None, in_sight: Callable[[T], bool], what: str = "object") -> T:
    """The object if it exists and ``in_sight`` of the caller; NotFound otherwise, the same answer in both cases.

    ``in_sight`` is usually ``lambda x: scope.contains(x.area)``, or the entity's own
    ``visible_in(scope)`` when it is seen from more than one area (a referral).
    """
    if found is None or not in_sight(found):
        raise NotFound(f"{what} not found")
    return found
