"""No double aid: one grant per need and period for the same people, wherever registered.

A grant covers a period (``2026`` or ``2026-03``: the programme's budget period). Two
grants for the same need clash when their periods overlap and they went to the same
household or to households the registry relates to it (merged, sharing a national id,
or pending duplicate review), in any wilaya. What the checker is shown is only that
such a grant exists, its programme and its period: never the other household.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from common.errors import ValidationFailed


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of ``2026`` or ``2026-03``."""
    try:
        if len(period) == 4:
            year = int(period)
            return date(year, 1, 1), date(year, 12, 31)
        year, month = int(period[:4]), int(period[5:7])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except (ValueError, IndexError):
        raise ValidationFailed("a period is YYYY or YYYY-MM", {"period": period}) from None


def overlaps(a: str, b: str) -> bool:
    (a_start, a_end), (b_start, b_end) = period_bounds(a), period_bounds(b)
    return a_start <= b_end and b_start <= a_end


@dataclass(frozen=True)
class Verdict:
    findings: list[dict[str, Any]]
    policy: str

    @property
    def refused(self) -> bool:
        return bool(self.findings) and self.policy == "refuse"

    @property
    def flagged(self) -> bool:
        return bool(self.findings) and self.policy == "flag"


def findings(
    grants: Iterable[Mapping[str, Any]], period: str, own_households: set[str], request_id: str
) -> list[dict[str, Any]]:
    """The grants (other than ``request_id``) whose period overlaps ``period``, stripped to what may be shown."""
    found = {
        (grant["programme"], grant["need"], grant["period"], grant["household_id"] not in own_households)
        for grant in grants
        if grant["id"] != request_id and overlaps(grant["period"], period)
    }
    return [
        {"programme": programme, "need": need, "period": when, "related": related}
        for programme, need, when, related in sorted(found)
    ]


def judge(found: list[dict[str, Any]], policy: str) -> Verdict:
    return Verdict(findings=found, policy=policy)


def named_here(found: list[dict[str, Any]], offered: Callable[[str], bool]) -> list[dict[str, Any]]:
    """The findings with a programme not ``offered`` here unnamed (no ``programme``): need and period tell enough.

    A related household may be helped in another wilaya by a programme of its own area;
    naming it would tell this area of a programme it cannot even read.
    """
    named = [f if offered(f["programme"]) else {k: v for k, v in f.items() if k != "programme"} for f in found]
    return [dict(items) for items in dict.fromkeys(tuple(f.items()) for f in named)]


def verdict(
    grants: Iterable[Mapping[str, Any]],
    period: str,
    own_households: set[str],
    request_id: str,
    policy: str,
    offered: Callable[[str], bool],
) -> Verdict:
    """The double-aid verdict on granting ``period`` given the ``grants`` already made to these people."""
    return judge(named_here(findings(grants, period, own_households, request_id), offered), policy)


def emergency_verdict(
    grants: Iterable[Mapping[str, Any]],
    emergency_id: str,
    allowed: int,
    own_households: set[str],
    request_id: str,
    offered: Callable[[str], bool],
) -> Verdict:
    """Under a declared emergency: refused once these people hold ``allowed`` grants made under it.

    The emergency replaces "one grant per period": grants made outside it do not count,
    and the findings shown once the allowance is used are the emergency's grants.
    """
    under = [grant for grant in grants if grant.get("emergency_id") == emergency_id and grant["id"] != request_id]
    if len(under) < allowed:
        return Verdict(findings=[], policy="refuse")
    shown = {
        (grant["programme"], grant["need"], grant["period"], grant["household_id"] not in own_households)
        for grant in under
    }
    found = [
        {"programme": programme, "need": need, "period": when, "related": related}
        for programme, need, when, related in sorted(shown)
    ]
    return Verdict(findings=named_here(found, offered), policy="refuse")
