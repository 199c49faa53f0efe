"""The programme catalogue: programmes, their versioned eligibility rules, and budgets per area and period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from assistance import budgets
from assistance.base import AssistanceBase
from assistance.eligibility import programme_versions, rules_in_force
from assistance.repository import ProgrammeRepository
from common import areas, policy
from common.context import CallerContext
from common.contracts.programmes import BudgetIn, ProgrammeIn, RuleSet
from common.errors import Conflict, NotFound, ValidationFailed
from common.nameko_ext.entrypoints import rpc
from common.validation import parse

CLOCK_SKEW = timedelta(minutes=5)  # a new version "from now" sent by a client whose clock lags


def offered_to(programme: dict[str, Any], area: str) -> bool:
    """Is ``programme`` offered in ``area``: published above it (a national one reaches every commune) or inside it?"""
    return areas.contains(programme["area"], area) or areas.contains(area, programme["area"])


def with_rules_in_force(programme: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """The programme with ``rules_in_force``: the number of the version that applies at ``at`` (now), or None."""
    try:
        version: int | None = rules_in_force(programme_versions(programme), at or datetime.now(UTC)).version
    except Conflict:
        version = None
    return {**programme, "rules_in_force": version}


def offered_programme(programmes: ProgrammeRepository, caller: CallerContext, code: Any) -> dict[str, Any]:
    """The programme ``code`` if it is offered in the caller's area; NotFound otherwise."""
    programme = programmes.get(code) if isinstance(code, str) else None
    if programme is None or not offered_to(programme, caller.area):
        raise NotFound("programme not found")
    return programme


class ProgrammeEntrypoints(AssistanceBase):
    @rpc
    def create_programme(self, programme: dict[str, Any]) -> dict[str, Any]:
        """Publish a programme; repeating the same call returns the same programme."""
        caller = policy.authorize(self.caller, "programme.manage")
        payload = parse(ProgrammeIn, programme)
        policy.require_within(caller, payload.area)
        return with_rules_in_force(self.programmes.create(payload, caller.user_id))

    @rpc
    def list_programmes(self) -> list[dict[str, Any]]:
        """Programmes offered in or above the caller's area, each with the rules version in force."""
        caller = policy.authorize(self.caller, "programme.read")
        return [with_rules_in_force(p) for p in self.programmes.list(policy.scope(caller))]

    @rpc
    def get_programme(self, code: str) -> dict[str, Any]:
        """One programme with every rules version and the one in force; NotFound if not offered to the caller."""
        caller = policy.authorize(self.caller, "programme.read")
        return with_rules_in_force(offered_programme(self.programmes, caller, code))

    @rpc
    def publish_rules(self, code: str, rules: dict[str, Any]) -> dict[str, Any]:
        """Add the next rules version of a programme (never edits one): ``{"version", "activated_at", "criteria"}``.

        ``version`` is the next number, which makes a repeated call idempotent; a version
        takes effect now or later, never before the previous one.
        """
        caller = policy.authorize(self.caller, "programme.manage")
        programme = offered_programme(self.programmes, caller, code)
        policy.require_within(caller, programme["area"])
        payload = parse(RuleSet, rules)
        not_before = datetime.now(UTC) - CLOCK_SKEW
        return with_rules_in_force(self.programmes.publish_rules(code, payload, caller.user_id, not_before))

    @staticmethod
    def _budget_area(programme: dict[str, Any], area: Any) -> str:
        target = areas.validate(str(area))
        if not areas.contains(programme["area"], target):
            raise ValidationFailed("the programme is not offered in this area", {"field": "area", "area": target})
        return target

    @rpc
    def set_budget(self, code: str, area: str, period: str, amount_dzd: int) -> dict[str, Any]:
        """Set a programme's envelope (``amount_dzd`` allocated) for an area (the caller's or below) and period.

        Setting the same amount again changes nothing; lowering it below what is committed
        or spent is a Conflict.
        """
        caller = policy.authorize(self.caller, "budget.manage")
        programme = offered_programme(self.programmes, caller, code)
        target = self._budget_area(programme, area)
        policy.require_within(caller, target)
        budgets.check_period(programme["period_kind"], period)
        payload = parse(BudgetIn, {"allocated_dzd": amount_dzd})
        return self.programmes.set_budget(programme["code"], target, period, payload.allocated_dzd, caller.user_id)

    @rpc
    def get_budget(self, code: str, area: str, period: str) -> dict[str, Any]:
        """The envelope (allocated, committed, spent, remaining); NotFound outside the caller's area or if unset."""
        caller = policy.authorize(self.caller, "programme.read")
        programme = offered_programme(self.programmes, caller, code)
        target = self._budget_area(programme, area)
        policy.visible(caller, target, "budget")
        budgets.check_period(programme["period_kind"], period)
        budget = self.programmes.get_budget(programme["code"], target, period)
        if budget is None:
            raise NotFound("no budget is set for this programme, area and period")
        return budget
