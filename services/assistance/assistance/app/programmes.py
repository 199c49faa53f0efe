"""The programme catalogue: programmes, their versioned eligibility rules, and budgets per area and period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from assistance import budgets
from assistance.app.ports import ProgrammeRepository
from assistance.eligibility import programme_versions, rules_in_force
from common import areas, policy
from common.context import CallerContext
from common.contracts.programmes import BudgetIn, ProgrammeIn, RuleSet
from common.errors import Conflict, NotFound, ValidationFailed
from common.scope import Scope
from common.validation import parse

CLOCK_SKEW = timedelta(minutes=5)  # a new version "from now" sent by a client whose clock lags


def with_rules_in_force(programme: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """The programme with ``rules_in_force``: the number of the version that applies at ``at`` (now), or None."""
    try:
        version: int | None = rules_in_force(programme_versions(programme), at or datetime.now(UTC)).version
    except Conflict:
        version = None
    return {**programme, "rules_in_force": version}


def offered_programme(programmes: ProgrammeRepository, caller: CallerContext, code: Any) -> dict[str, Any]:
    """The programme ``code`` if it is offered in the caller's area (``Scope.reaches``); NotFound otherwise."""
    programme = programmes.get(code) if isinstance(code, str) else None
    if programme is None or not policy.scope(caller).reaches(programme["area"]):
        raise NotFound("programme not found")
    return programme


def create(programmes: ProgrammeRepository, caller: CallerContext, payload: ProgrammeIn) -> dict[str, Any]:
    """Publish a programme; repeating the same call returns the same programme."""
    policy.require_within(caller, payload.area)
    return with_rules_in_force(programmes.create(payload, caller.user_id))


def offered(programmes: ProgrammeRepository, caller: CallerContext) -> list[dict[str, Any]]:
    """Programmes offered in or above the caller's area, each with the rules version in force."""
    return [with_rules_in_force(p) for p in programmes.list(policy.scope(caller))]


def publish_rules(programmes: ProgrammeRepository, caller: CallerContext, code: Any, rules: Any) -> dict[str, Any]:
    """Add the next rules version (never edits one); it takes effect now or later, never before the previous one."""
    programme = offered_programme(programmes, caller, code)
    policy.require_within(caller, programme["area"])
    payload = parse(RuleSet, rules)
    not_before = datetime.now(UTC) - CLOCK_SKEW
    return with_rules_in_force(programmes.publish_rules(code, payload, caller.user_id, not_before))


def _budget_area(programme: dict[str, Any], area: Any) -> str:
    target = areas.validate(str(area))
    if not Scope(programme["area"]).contains(target):
        raise ValidationFailed("the programme is not offered in this area", {"field": "area", "area": target})
    return target


def set_budget(
    programmes: ProgrammeRepository, caller: CallerContext, code: Any, area: Any, period: str, amount_dzd: Any
) -> dict[str, Any]:
    """Set a programme's envelope for an area (the caller's or below) and period; lowering it below use: Conflict."""
    programme = offered_programme(programmes, caller, code)
    target = _budget_area(programme, area)
    policy.require_within(caller, target)
    budgets.check_period(programme["period_kind"], period)
    payload = parse(BudgetIn, {"allocated_dzd": amount_dzd})
    return programmes.set_budget(programme["code"], target, period, payload.allocated_dzd, caller.user_id)


def budget(programmes: ProgrammeRepository, caller: CallerContext, code: Any, area: Any, period: str) -> dict[str, Any]:
    """The envelope (allocated, committed, spent, remaining); NotFound outside the caller's area or if unset."""
    programme = offered_programme(programmes, caller, code)
    target = _budget_area(programme, area)
    policy.visible(caller, target, "budget")
    budgets.check_period(programme["period_kind"], period)
    found = programmes.get_budget(programme["code"], target, period)
    if found is None:
        raise NotFound("no budget is set for this programme, area and period")
    return found
