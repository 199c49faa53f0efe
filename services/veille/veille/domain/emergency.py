"""Emergency mode: a disaster declared over areas until a date.

While it lasts, the signals of its areas are listed first and assistance opens the urgent-aid
fast track there, within the declared caps (the caps are data of the declaration, which the
``emergency_declared`` event carries). A declaration may name the solidarity campaign raised for it.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from common import areas
from common.contracts.signals import EmergencyIn, UrgentCaps
from common.refusals import invalid


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

    def active(self, now: datetime) -> bool:
        return self.declared_at <= now < self.ends_at

    def covers(self, area: str) -> bool:
        """Whether ``area`` (a commune) lies in one of the declared areas."""
        return any(areas.contains(declared, area) for declared in self.areas)


def declare(declared: EmergencyIn, *, id: str, by: str, at: datetime) -> Emergency:
    """A new emergency; it must end after it is declared."""
    if declared.ends_at <= at:
        raise invalid("emergency_already_over", "an emergency ends after it is declared", ends_at=str(declared.ends_at))
    return Emergency(**declared.model_dump(), id=id, declared_by=by, declared_at=at)
