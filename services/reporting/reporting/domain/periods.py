"""Reporting periods: the quarter (``2026-Q3``) and the year (``2026``) of Algeria's calendar.

A period is read in Algerian time (UTC+1 all year, no summer time): an event at
23:30 UTC on 31 March belongs to the second quarter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from common import refusals

ALGERIA = timezone(timedelta(hours=1))
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A quarter (``quarter`` 1-4) or a whole year (``quarter`` 0)."""

    year: int
    quarter: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-Q3`` or ``2026``; anything else is an unknown period (422 ``unknown_period``)."""
        if isinstance(text, str) and (found := _QUARTER.match(text)):
            return cls(int(found[1]), int(found[2]))
        if isinstance(text, str) and (found := _YEAR.match(text)):
            return cls(int(found[1]))
        raise refusals.invalid("unknown_period", "a period is a quarter like 2026-Q3 or a year like 2026", period=text)

    @classmethod
    def of(cls, moment: datetime) -> Period:
        """The quarter ``moment`` falls in, in Algerian time."""
        local = moment.astimezone(ALGERIA) if moment.tzinfo else moment.replace(tzinfo=UTC).astimezone(ALGERIA)
        return cls(local.year, (local.month - 1) // 3 + 1)

    @property
    def is_quarter(self) -> bool:
        return self.quarter != 0

    @property
    def quarters(self) -> list[str]:
        """The quarter keys the period covers (itself, or the year's four)."""
        return [str(self)] if self.is_quarter else [f"{self.year}-Q{q}" for q in range(1, 5)]

    @property
    def starts(self) -> datetime:
        month = 1 if not self.is_quarter else 3 * (self.quarter - 1) + 1
        return datetime(self.year, month, 1, tzinfo=ALGERIA)

    @property
    def ends(self) -> datetime:
        """The first instant after the period."""
        if not self.is_quarter or self.quarter == 4:
            return datetime(self.year + 1, 1, 1, tzinfo=ALGERIA)
        return datetime(self.year, 3 * self.quarter + 1, 1, tzinfo=ALGERIA)

    def next(self) -> Period:
        """The period after this one (the action plan of a quarter is for the next)."""
        if not self.is_quarter:
            return Period(self.year + 1)
        return Period(self.year + 1, 1) if self.quarter == 4 else Period(self.year, self.quarter + 1)

    def must_have_started(self, now: datetime) -> Period:
        """A period in the future is unknown: nothing can be reported for it yet."""
        if now < self.starts:
            raise refusals.invalid("unknown_period", "this period has not started", period=str(self))
        return self

    def must_be_over(self, now: datetime) -> Period:
        """Only a finished period can be closed."""
        if now < self.ends:
            raise refusals.conflict("period_not_over", "a period can be closed once it has ended", period=str(self))
        return self

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.is_quarter else f"{self.year}"
