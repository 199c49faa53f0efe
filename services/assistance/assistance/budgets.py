"""Budget periods of a programme (pure).

Monthly programmes are budgeted per month (``2026-03``); yearly, one-off and campaign
programmes per year (``2026``). A commitment is taken in the period of the decision.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from common.errors import ValidationFailed

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^\d{4}$")


def budget_period(period_kind: str, at: date | datetime) -> str:
    """The budget period a commitment made on ``at`` falls in."""
    return f"{at.year:04d}-{at.month:02d}" if period_kind == "monthly" else f"{at.year:04d}"


def check_period(period_kind: str, period: str) -> str:
    """Return ``period`` if it is well formed for ``period_kind``; raise ValidationFailed otherwise."""
    pattern, example = (_MONTH, "2026-03") if period_kind == "monthly" else (_YEAR, "2026")
    if not isinstance(period, str) or not pattern.match(period):
        raise ValidationFailed(
            f"a {period_kind} programme is budgeted per period like {example}", {"field": "period", "period": period}
        )
    return period
