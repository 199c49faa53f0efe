"""Institutions and referrals to them (assistance service, gateway bodies and answers).

An institution (a home for the elderly, a children's home, a child protection service, a
centre for women in difficulty, a disability orientation centre) has places, optionally
split by kind (``{"men": 30, "women": 30}``). A household member, named by their person
key ``<household id>:<index>``, is referred to it; the institution's side accepts or
refuses, then places the person (taking a place) and later records the exit.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common import areas, phones
from common.text import Address, Name

InstitutionType = Literal["elderly_home", "children_home", "child_protection", "women_centre", "disability_centre"]
ReferralState = Literal["proposed", "accepted", "refused", "placed", "ended", "withdrawn"]
ReferralStep = Literal["accept", "refuse", "place", "end", "withdraw"]

CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{2,47}$"
KIND_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
PERSON_KEY_PATTERN = r"^[0-9a-f]{24}:[0-9]{1,2}$"
_KIND = re.compile(KIND_PATTERN)

# The lifecycle: state -> {step: next state}. Ended, refused and withdrawn are final.
TRANSITIONS: dict[str, dict[str, str]] = {
    "proposed": {"accept": "accepted", "refuse": "refused", "withdraw": "withdrawn"},
    "accepted": {"place": "placed", "withdraw": "withdrawn"},
    "placed": {"end": "ended"},
    "refused": {},
    "withdrawn": {},
    "ended": {},
}
# Steps taken by the institution's side (a wilaya-level role over the institution's area);
# ``withdraw`` is the referring side's (staff over the person's household).
INSTITUTION_STEPS = frozenset({"accept", "refuse", "place", "end"})
FINAL_STATES = frozenset(state for state, steps in TRANSITIONS.items() if not steps)


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    address: Address = Field(min_length=3, max_length=300)
    phone: str | None = Field(default=None, max_length=32, description="stored as E.164", examples=["021 23 45 67"])
    email: str | None = Field(default=None, pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}\.[a-z]{2,24}$", max_length=254)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        try:
            return phones.normalise_phone(value)
        except phones.InvalidPhone as exc:
            raise ValueError(exc.message) from None


class InstitutionIn(BaseModel):
    """An institution in a wilaya or a commune; ``places_by_kind`` splits ``capacity`` when relevant."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=CODE_PATTERN, examples=["fpa-16-dely-ibrahim"])
    type: InstitutionType
    name_fr: Name = Field(min_length=3, max_length=160, examples=["Foyer pour personnes âgées de Dely Ibrahim"])
    name_ar: Name = Field(min_length=2, max_length=160, examples=["دار الأشخاص المسنين دالي إبراهيم"])
    area: str = Field(description="the wilaya or commune it is in", examples=["/DZ/16/1623"])
    capacity: int = Field(ge=1, le=5000, description="places in all")
    places_by_kind: dict[str, int] | None = Field(
        default=None,
        description="places per kind (for example men/women, boys/girls); they add up to capacity",
        examples=[{"men": 40, "women": 40}],
    )
    admission_criteria: str = Field(min_length=3, max_length=2000)
    contact: Contact

    @field_validator("area")
    @classmethod
    def _area(cls, value: str) -> str:
        if not areas.is_valid(value) or len(areas.ancestors(value)) not in (2, 3):
            raise ValueError("an institution is in a wilaya (/DZ/16) or a commune (/DZ/16/1601)")
        return value

    @field_validator("places_by_kind")
    @classmethod
    def _kinds(cls, value: dict[str, int] | None) -> dict[str, int] | None:
        if value is None:
            return None
        if not 1 <= len(value) <= 8:
            raise ValueError("1 to 8 kinds of places")
        for kind, places in value.items():
            if not _KIND.match(kind) or not isinstance(places, int) or not 1 <= places <= 5000:
                raise ValueError("kinds are short lower-case names with 1 to 5000 places each")
        return value

    @model_validator(mode="after")
    def _split(self) -> InstitutionIn:
        if self.places_by_kind is not None and sum(self.places_by_kind.values()) != self.capacity:
            raise ValueError("places_by_kind must add up to capacity")
        return self


class KindOccupancy(BaseModel):
    kind: str
    places: int
    occupied: int
    available: int


class Occupancy(BaseModel):
    """Places taken by current placements (referrals in state ``placed``)."""

    capacity: int
    occupied: int
    available: int = Field(description="0 when the capacity was lowered below the places taken")
    by_kind: list[KindOccupancy] | None = None


class InstitutionOut(InstitutionIn):
    model_config = ConfigDict(extra="ignore")  # services may return more than the API shows

    id: str = Field(description="the code")
    source: Literal["reference", "manual"] = Field(
        description="reference: from the shipped list (reloaded at start); manual: added or edited by a user"
    )
    occupancy: Occupancy
    updated_at: str


class InstitutionFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: InstitutionType | None = None
    area: str | None = Field(default=None, description="only institutions in this area", examples=["/DZ/31"])

    @field_validator("area")
    @classmethod
    def _area(cls, value: str | None) -> str | None:
        if value is not None and not areas.is_valid(value):
            raise ValueError("malformed area path")
        return value


class ReferralIn(BaseModel):
    """Refer a household member to an institution."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    person_key: str = Field(pattern=PERSON_KEY_PATTERN, examples=["66b0c2f1e4a1b2c3d4e5f601:0"])
    institution: str = Field(pattern=CODE_PATTERN, description="the institution's code")
    reason: str = Field(min_length=3, max_length=2000)
    place_kind: str | None = Field(
        default=None, pattern=KIND_PATTERN, description="required when the institution splits its places by kind"
    )


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    note: str | None = Field(default=None, min_length=1, max_length=1000)


class MotiveIn(BaseModel):
    """Refuse or withdraw: the motive is kept with the referral."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    motive: str = Field(min_length=3, max_length=1000)


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_date: date = Field(description="the first day in the institution")


class EndIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    exit_date: date
    motive: str = Field(min_length=3, max_length=1000)


STEP_BODIES: dict[str, type[BaseModel]] = {
    "accept": AcceptIn,
    "refuse": MotiveIn,
    "place": PlaceIn,
    "end": EndIn,
    "withdraw": MotiveIn,
}


class StepOut(BaseModel):
    """One step of a referral's history."""

    model_config = ConfigDict(extra="ignore")

    step: ReferralStep
    state: ReferralState = Field(description="the state it led to")
    at: str
    by: str
    note: str | None = None
    motive: str | None = None
    date: str | None = Field(default=None, description="placement start or exit date")


class ReferralOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    person_key: str
    household_id: str
    institution: str
    institution_type: InstitutionType
    reason: str
    place_kind: str | None = None
    state: ReferralState
    allowed_steps: list[ReferralStep]
    proposed_at: str
    proposed_by: str
    start_date: str | None = None
    exit_date: str | None = None
    refusal_motive: str | None = None
    withdrawal_motive: str | None = None
    exit_motive: str | None = None
    history: list[StepOut]


class ReferralFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    institution: str | None = Field(default=None, pattern=CODE_PATTERN)
    state: ReferralState | None = None
    limit: int = Field(default=50, ge=1, le=200)
