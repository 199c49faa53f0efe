"""Programme impact of a quarter in an area: score change of the assisted against comparable households,
targeting error estimates per commune, follow-up visits (not available yet).

Staff and auditors read the raw figures; donors only suppressed ones. An area outside the
caller's answers 404; a malformed, future or annual period answers ``unknown_period``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Protocol

from common import policy, refusals
from common.context import CallerContext
from common.scope import Scope
from reporting.app.ports import Projection
from reporting.app.reports import area_in_sight
from reporting.domain import impact
from reporting.domain.impact import ScoreMark
from reporting.domain.periods import Period
from reporting.domain.suppression import needs_suppression


class ImpactFacts(Protocol):
    """What programme impact reads from the read models."""

    def households(self, scope: Scope, area: str) -> dict[str, str]:
        """Household id -> its area, for the households (not merged away) inside ``area`` and ``scope``."""

    def marks(self, households: list[str], through: str) -> list[ScoreMark]:
        """The score marks of ``households`` in quarters up to ``through``."""

    def grants(self, households: list[str], through: str, programme: str | None) -> list[tuple[str, str]]:
        """(household, quarter) of the grants to ``households`` up to ``through`` (under ``programme`` if given)."""


def read(
    facts: ImpactFacts,
    progress: Projection,
    caller: CallerContext,
    area: str | None,
    period_text: str,
    programme: str | None,
    now: datetime,
    threshold: int,
) -> dict[str, Any]:
    """The impact figures of a quarter in ``area`` (the caller's own by default)."""
    where = area_in_sight(caller, area)
    period = Period.parse(period_text).must_have_started(now)
    if not period.is_quarter:
        raise refusals.invalid(
            "unknown_period", "programme impact is measured over a quarter (2026-Q3)", period=str(period)
        )
    quarter = str(period)
    homes = facts.households(policy.scope(caller), where)
    ids = sorted(homes)
    marks: dict[str, list[ScoreMark]] = defaultdict(list)
    for mark in facts.marks(ids, quarter):
        marks[mark.household_id].append(mark)
    granted: dict[str, set[str]] = defaultdict(set)
    for household, when in facts.grants(ids, quarter, programme or None):
        granted[household].add(when)
    households = [
        impact.standing(
            household,
            homes[household],
            marks[household],
            quarter,
            quarter in granted[household],
            bool(granted[household]),
        )
        for household in ids
    ]
    view = impact.impact_view(
        quarter, where, programme or None, households, suppressed=needs_suppression(caller.roles), threshold=threshold
    )
    return {**view, "as_of": progress.checkpoint().as_of}
