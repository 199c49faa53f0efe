"""Household registration contract (gateway body and registry RPC payload)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common import areas

Sex = Literal["F", "M"]
Relationship = Literal["head", "spouse", "child", "parent", "sibling", "grandchild", "other"]


class MemberIn(BaseModel):
    """A person, named in Arabic script, in Latin transliteration, or both."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    given_name_ar: str | None = Field(default=None, max_length=80, examples=["محمد"])
    family_name_ar: str | None = Field(default=None, max_length=80, examples=["بن علي"])
    given_name_lat: str | None = Field(default=None, max_length=80, examples=["Mohamed"])
    family_name_lat: str | None = Field(default=None, max_length=80, examples=["Benali"])
    sex: Sex
    birth_date: date | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    relationship: Relationship

    @model_validator(mode="after")
    def _named(self) -> MemberIn:
        if not ((self.given_name_ar and self.family_name_ar) or (self.given_name_lat and self.family_name_lat)):
            raise ValueError("a member needs a given and a family name in Arabic or Latin script")
        if self.birth_date and self.birth_year and self.birth_date.year != self.birth_year:
            raise ValueError("birth_date and birth_year disagree")
        return self


class HouseholdIn(BaseModel):
    """A household to register: exactly one member is the head."""

    # Personal data must not come back in error texts (pydantic takes this from the outer model).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    area: str = Field(examples=["/DZ/16/1601"], description="commune (or cell) area path")
    address: str = Field(min_length=3, max_length=300)
    members: list[MemberIn] = Field(min_length=1, max_length=40)

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


class HouseholdOut(HouseholdIn):
    """A registered household as the registry returns it."""

    model_config = ConfigDict(extra="ignore")  # services may return more than the API shows

    id: str
    status: str
    created_at: str


class HouseholdUpdate(BaseModel):
    """The fields a caller may change; area, status and authorship are not among them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    address: str = Field(min_length=3, max_length=300)


class HouseholdFilter(BaseModel):
    """List filters; results are always inside the caller's area as well."""

    model_config = ConfigDict(extra="forbid")

    area: str | None = Field(default=None, description="narrow to an area inside yours", examples=["/DZ/16/1601"])
    status: Literal["active", "merged", "archived"] | None = None
    limit: int = Field(default=50, ge=1, le=200)
    after: str | None = Field(default=None, description="cursor: the next_cursor of the previous page")

    @field_validator("area")
    @classmethod
    def _area(cls, value: str | None) -> str | None:
        if value is not None and not areas.is_valid(value):
            raise ValueError("malformed area path")
        return value


class HouseholdPage(BaseModel):
    items: list[HouseholdOut]
    next_cursor: str | None
