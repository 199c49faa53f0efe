"""What an approval claims so that two approvals at once cannot both grant (``adapters.cover_claims`` stores it).

The double-aid check reads the grants already made; two approvals running at the same
moment both read none. So an approval whose need is refused when covered also claims
what it covers: one key per household (its own and the related ones) and per month of
the grant's period, ``<need>|<household>|<YYYY-MM>``. A month claimed by another request
is a clash, whatever the order the two came in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from assistance.domain.double_aid import period_bounds


def months(period: str) -> list[str]:
    """The months ``2026`` or ``2026-03`` spans, as ``YYYY-MM``."""
    first, last = period_bounds(period)
    found, day = [], first
    while day <= last:
        found.append(f"{day.year:04d}-{day.month:02d}")
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return found


def cover_keys(need: str, households: Iterable[str], period: str) -> list[str]:
    return [f"{need}|{household}|{month}" for household in sorted(set(households)) for month in months(period)]


def emergency_keys(need: str, households: Iterable[str], emergency_id: str, slot: int) -> list[str]:
    """The claim of grant number ``slot`` (1..allowed) made to these people under an emergency.

    Two grants at once both count the same grants already made; each then claims the
    first free slot, so no more than the emergency allows are ever granted.
    """
    return [f"{need}|{household}|emergency:{emergency_id}|{slot}" for household in sorted(set(households))]
