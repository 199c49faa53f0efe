"""Social-watch (veille) contracts: field signals, their steps, emergencies and alert rules on the wire.

A signal's ``category`` is one of the issue's categories. Clients written before categories
(and the signals stored then) name a ``kind`` instead: it is still accepted and translated
(:data:`LEGACY_KINDS`: ``woman_in_distress`` is ``woman_in_danger``, ``other`` a household in
sudden distress); a stored signal of that time is translated the same way when it is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from common import areas

Category = Literal[
    "homeless_person",
    "street_child",
    "isolated_elderly",
    "woman_in_danger",
    "household_in_distress",
    "poverty_pocket",
    "disaster",
]
LegacyKind = Literal[
    "poverty_pocket", "homeless_person", "street_child", "isolated_elderly", "woman_in_distress", "other"
]
LEGACY_KINDS: Mapping[str, Category] = {
    "poverty_pocket": "poverty_pocket",
    "homeless_person": "homeless_person",
    "street_child": "street_child",
    "isolated_elderly": "isolated_elderly",
    "woman_in_distress": "woman_in_danger",
    "other": "household_in_distress",
}
ReporterKind = Literal["agent", "association", "institution", "hotline"]
Status = Literal["new", "triaged", "visit_planned", "visited", "closed"]
Outcome = Literal["case_opened", "referral", "aid_request", "resolved", "unfounded", "duplicate"]
Level = Literal["cell", "wilaya", "ministry"]

_IN = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _commune(value: str) -> str:
    if not areas.is_valid(value) or len(areas.ancestors(value)) < 3:
        raise ValueError("a signal is located in a commune: /DZ/<wilaya>/<commune>")
    return value


class GeoPointIn(BaseModel):
    model_config = _IN

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PersonsIn(BaseModel):
    model_config = _IN

    count: int = Field(default=1, ge=1, le=10_000)
    household_ids: list[str] = Field(default_factory=list, max_length=50, description="registry households matched")


class ReporterIn(BaseModel):
    """Who reported: ``kind`` is public; name, phone and organisation are protected."""

    model_config = _IN

    kind: ReporterKind = "agent"
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    organisation: str | None = Field(default=None, max_length=200)


class ProtectedIn(BaseModel):
    """Child-protection and gender-violence details: only some roles write or read them."""

    model_config = _IN

    child_protection: str | None = Field(default=None, max_length=4000)
    gender_violence: str | None = Field(default=None, max_length=4000)


class SignalIn(BaseModel):
    """A precarity signal seen in the field, in a commune."""

    model_config = _IN

    category: Category | None = Field(default=None, description="required unless the legacy kind is given")
    kind: LegacyKind | None = Field(default=None, description="deprecated: the category before categories")
    area: str = Field(examples=["/DZ/16/1601"])
    point: GeoPointIn | None = None
    description: str = Field(min_length=3, max_length=4000)
    severity: int = Field(ge=1, le=5)
    persons: PersonsIn = Field(default_factory=PersonsIn)
    reporter: ReporterIn = Field(default_factory=ReporterIn)
    protected: ProtectedIn = Field(default_factory=ProtectedIn)

    @field_validator("area")
    @classmethod
    def _area(cls, value: str) -> str:
        return _commune(value)

    @model_validator(mode="after")
    def _category(self) -> SignalIn:
        if self.kind is not None:
            translated = LEGACY_KINDS[self.kind]
            if self.category not in (None, translated):
                raise ValueError("category and the legacy kind disagree")
            self.category = translated
        if self.category is None:
            raise ValueError("a signal names its category")
        return self

    def draft(self) -> dict[str, Any]:
        """The fields of veille's ``SignalDraft`` (the legacy kind translated into the category)."""
        return self.model_dump(exclude={"kind"})


class TriageIn(BaseModel):
    model_config = _IN

    severity: int | None = Field(default=None, ge=1, le=5, description="the corrected severity, if it changes")


class PlanVisitIn(BaseModel):
    model_config = _IN

    planned_for: AwareDatetime


class VisitIn(BaseModel):
    model_config = _IN


class CloseIn(BaseModel):
    """The outcome, naming the case, referral, aid request or original signal it leads to."""

    model_config = _IN

    outcome: Outcome
    case_id: str | None = Field(default=None, max_length=64)
    referral_id: str | None = Field(default=None, max_length=64)
    aid_request_id: str | None = Field(default=None, max_length=64)
    duplicate_of: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=2000)


class BreakGlassIn(BaseModel):
    model_config = _IN

    justification: str = Field(max_length=2000, description="why the protected fields must be read now")


class SignalFilter(BaseModel):
    model_config = _IN

    status: Status | None = None
    category: Category | None = None
    level: Level | None = None
    limit: int = Field(default=200, ge=1, le=500)


class SignalOut(BaseModel):
    """A signal as its caller may see it: ``withheld`` names the protected fields kept from them."""

    model_config = ConfigDict(extra="ignore")  # services may return more than the API shows

    id: str
    category: Category
    severity: int
    area: str
    point: GeoPointIn | None = None
    description: str
    persons: PersonsIn
    reporter: ReporterIn
    protected: ProtectedIn
    status: Status
    level: Level
    assigned_area: str
    priority: int = Field(description="1 in an area under a declared emergency (listed first), else 0")
    reported_at: datetime
    due_at: datetime | None = Field(description="when the step the signal waits for is due")
    triaged_at: datetime | None = None
    visit_planned_for: datetime | None = None
    visited_at: datetime | None = None
    closed_at: datetime | None = None
    closure: CloseIn | None = None
    withheld: list[str]
    break_glass: bool = False


class BreakGlassOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    signal_id: str
    user_id: str
    justification: str
    granted_at: datetime
    expires_at: datetime


class UrgentCaps(BaseModel):
    """The urgent-aid fast track an emergency opens (assistance applies them)."""

    model_config = _IN

    cap_dzd: int = Field(ge=1, le=1_000_000, description="the most one urgent grant gives")
    grants_per_household: int = Field(default=1, ge=1, le=10)


class EmergencyIn(BaseModel):
    """A declared disaster over areas (wilayas or communes) until ``ends_at``."""

    model_config = _IN

    title_fr: str = Field(min_length=3, max_length=200)
    title_ar: str = Field(min_length=3, max_length=200)
    areas: list[str] = Field(min_length=1, max_length=100)
    ends_at: AwareDatetime
    caps: UrgentCaps
    campaign_id: str | None = Field(default=None, max_length=64, description="the solidarity campaign it links")

    @field_validator("areas")
    @classmethod
    def _areas(cls, value: list[str]) -> list[str]:
        for area in value:
            if not areas.is_valid(area) or len(areas.ancestors(area)) < 2:
                raise ValueError("an emergency covers wilayas or communes")
        return sorted(set(value))


class EmergencyOut(EmergencyIn):
    model_config = ConfigDict(extra="ignore")

    id: str
    declared_at: datetime
    active: bool
    ended_at: datetime | None = Field(default=None, description="when it was ended before its date, if it was")


class AlertRuleOut(BaseModel):
    """A published indicator rule, at its version (veille's ``domain.alerts.AlertRule`` checks what it sends)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    version: int
    title_fr: str
    title_ar: str
    metric: str
    aggregate: str
    window_days: int
    comparison: str
    threshold: float
    where: dict[str, bool | str | float]
