"""Emergency mode: a disaster declared over areas until a date.

While it lasts, the signals of its areas are listed first and assistance opens the urgent-aid
fast track there, within the declared caps (the caps are data of the declaration, which the
``emergency_declared`` event carries). A declaration may name the solidarity campaign raised for it.

An emergency lasts at most a configured number of days, and who may declare it may end it
early (``emergency_ended``): its end date becomes the moment it was ended. Extending one is
a new declaration.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict

from common import areas
from common.contracts.signals import EmergencyIn, UrgentCaps
from common.refusals import conflict, invalid
from common.scope import Scope


class Emergency(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title_fr: str
    title_ar: str
    areas: tuple[str, ...]
    ends_at: AwareDatetime
    caps: UrgentCaps
    campaign_id: str | None = None
    declared_by: str
    declared_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    ended_by: str | None = None

    def active(self, now: datetime) -> bool:
        return self.declared_at <= now < self.ends_at

    def covers(self, area: str) -> bool:
        """Whether ``area`` (a commune) lies in one of the declared areas."""
        return any(areas.contains(declared, area) for declared in self.areas)

    def within(self, scope: Scope) -> bool:
        """Whether every declared area lies in ``scope`` (who could have declared it there may end it)."""
        return all(scope.contains(area) for area in self.areas)

    def end(self, *, by: str, at: datetime) -> Emergency:
        """This emergency ended at ``at``; one already over (ended, or past its date) is a conflict."""
        if self.ended_at is not None or self.ends_at <= at:
            raise conflict("emergency_already_ended", "this emergency has already ended", ends_at=str(self.ends_at))
        return self.model_copy(update={"ends_at": at, "ended_at": at, "ended_by": by})


def declare(declared: EmergencyIn, *, id: str, by: str, at: datetime, longest: timedelta) -> Emergency:
    """A new emergency; it must end after it is declared, and within ``longest`` of it."""
    if declared.ends_at <= at:
        raise invalid("emergency_already_over", "an emergency ends after it is declared", ends_at=str(declared.ends_at))
    if declared.ends_at - at > longest:
        raise invalid(
            "emergency_too_long", "an emergency lasts at most the configured days; extend it by declaring again",
            max_days=longest.days, ends_at=str(declared.ends_at),
        )  # fmt: skip
    return Emergency(**declared.model_dump(), id=id, declared_by=by, declared_at=at)
