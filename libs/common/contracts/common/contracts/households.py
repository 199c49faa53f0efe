"""Household registration contract (gateway body and registry RPC payload)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common import areas
from common.contracts.paging import Cursor
from common.contracts.people import Consent, IndividualIn, IndividualOut, Provenance, VulnerableCategory
from common.text import Address


class HouseholdIn(BaseModel):
    """A household to register: exactly one member is the head."""

    # Personal data must not come back in error texts (pydantic takes this from the outer model).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    area: str = Field(examples=["/DZ/16/1601"], description="commune (or cell) area path")
    address: Address = Field(min_length=3, max_length=300)
    household_ref: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9._/-]{1,64}$", description="the field survey's own reference"
    )
    provenance: Provenance | None = None
    consent: Consent | None = None
    members: list[IndividualIn] = Field(min_length=1, max_length=40)

    @field_validator("area")
    @classmethod
    def _commune(cls, value: str) -> str:
        if not areas.is_valid(value) or len(areas.ancestors(value)) < 3:
            raise ValueError("a household belongs to a commune: /DZ/<wilaya>/<commune>")
        return value

    @model_validator(mode="after")
    def _one_head(self) -> HouseholdIn:
        heads = sum(1 for m in self.members if m.relationship == "head")
        if heads != 1:
            raise ValueError("a household has exactly one head")
        return self


class ScoreOut(BaseModel):
    """A household's vulnerability score and the model version that computed it."""

    model_config = ConfigDict(extra="ignore")

    model_version: str
    score: float
    band: str
    inputs_hash: str
    computed_at: str


class HouseholdOut(BaseModel):
    """A registered household as the registry returns it (national ids only masked)."""

    model_config = ConfigDict(extra="ignore")  # services may return more than the API shows

    id: str
    area: str
    address: str
    household_ref: str | None = None
    provenance: Provenance | None = None
    consent: Consent | None = None
    members: list[IndividualOut]
    status: str = Field(
        description="active, held_for_review (a probable duplicate) or merged (into a household outside your "
        "area when read as itself; one inside it answers instead, with redirected_from)"
    )
    score: ScoreOut | None = None
    created_at: str
    updated_at: str | None = None
    possible_duplicates: list[str] | None = Field(
        default=None,
        description="on registration: the households of your area this one probably duplicates (held for review)",
    )
    possible_duplicates_outside_area: int | None = Field(
        default=None,
        description="on registration: how many more it probably duplicates outside your area (never named)",
    )
    redirected_from: str | None = Field(default=None, description="the id asked for, merged into this household")


class HouseholdUpdate(BaseModel):
    """The fields a caller may change; area, status and authorship are not among them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    address: Address = Field(min_length=3, max_length=300)


class HouseholdFilter(BaseModel):
    """List filters; results are always inside the caller's area as well."""

    model_config = ConfigDict(extra="forbid")

    area: str | None = Field(default=None, description="narrow to an area inside yours", examples=["/DZ/16/1601"])
    status: Literal["active", "held_for_review", "merged"] | None = None
    category: VulnerableCategory | None = Field(
        default=None, description="a member belongs to this vulnerable category today", examples=["elderly"]
    )
    score_min: float | None = Field(default=None, ge=0, le=100, description="vulnerability score at least")
    score_max: float | None = Field(default=None, ge=0, le=100, description="vulnerability score at most")
    band: str | None = Field(default=None, max_length=40, description="vulnerability band of the active model")
    limit: int = Field(default=50, ge=1, le=200)
    after: Cursor | None = None

    @field_validator("area")
    @classmethod
    def _area(cls, value: str | None) -> str | None:
        if value is not None and not areas.is_valid(value):
            raise ValueError("malformed area path")
        return value

    @model_validator(mode="after")
    def _range(self) -> HouseholdFilter:
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise ValueError("score_min is above score_max")
        return self


class HouseholdPage(BaseModel):
    items: list[HouseholdOut]
    next_cursor: str | None
