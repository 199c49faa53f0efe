"""A declared emergency as assistance sees it: the urgent-aid fast track over its areas until it ends.

Veille declares a disaster (``emergency_declared``); inside the declared areas and
before ``ends_at``, urgent aid is capped at the emergency's ``urgent_cap_dzd`` instead
of the usual cap, and a household may receive up to ``grants_per_household`` urgent
grants during the emergency instead of one per period (``domain.double_aid``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from common.contracts.events import EmergencyDeclared
from common.scope import Scope


@dataclass(frozen=True)
class Emergency:
    id: str
    areas: tuple[str, ...]
    ends_at: datetime
    urgent_cap_dzd: int
    grants_per_household: int
    campaign_id: str | None
    declared_at: datetime

    @classmethod
    def declared(cls, event: EmergencyDeclared, at: datetime) -> Emergency:
        """The emergency an ``emergency_declared`` event announces, as of ``at`` (when it was declared)."""
        return cls(
            id=event.emergency_id,
            areas=tuple(sorted(set(event.areas))),
            ends_at=event.ends_at,
            urgent_cap_dzd=event.urgent_cap_dzd,
            grants_per_household=event.grants_per_household,
            campaign_id=event.campaign_id,
            declared_at=at,
        )

    def applies(self, area: str, at: datetime) -> bool:
        """True if a household of ``area`` is under this emergency at ``at`` (a declared area holds it, not ended)."""
        return at < self.ends_at and any(Scope(declared).contains(area) for declared in self.areas)

    def grant_record(self) -> dict[str, str | None]:
        """What an urgent grant made under this emergency records of it."""
        return {"id": self.id, "campaign_id": self.campaign_id}


def in_force(emergencies: Iterable[Emergency], area: str, at: datetime) -> Emergency | None:
    """The emergency a grant in ``area`` at ``at`` falls under: of several, the highest cap (then the first id)."""
    applying = [one for one in emergencies if one.applies(area, at)]
    return min(applying, key=lambda one: (-one.urgent_cap_dzd, one.id), default=None)
