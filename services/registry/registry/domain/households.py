"""The rules of registration: which probable duplicates are still open, the status they give, which are shown.

The household itself is ``registry.domain.household.Household``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal, get_args

from common.scope import Scope
from registry.duplicates import Finding

HouseholdStatus = Literal["active", "held_for_review", "merged"]
STATUSES: tuple[HouseholdStatus, ...] = get_args(HouseholdStatus)


def still_open(found: Sequence[Finding], settled: Collection[str]) -> list[Finding]:
    """The probable duplicates a reviewer has not already found different: a pair is never asked twice."""
    return [finding for finding in found if finding.household_id not in settled]


def registration_status(found: Sequence[Finding]) -> HouseholdStatus:
    """A household probably registered already waits for its review; any other is active at once."""
    return "held_for_review" if found else "active"


def duplicates_shown(found: Sequence[Finding], scope: Scope) -> tuple[list[str], int]:
    """The ids of the probable duplicates inside ``scope``, and how many lie outside it (only counted)."""
    inside = [finding.household_id for finding in found if scope.contains(finding.area)]
    return inside, len(found) - len(inside)
