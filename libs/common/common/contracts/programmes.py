"""Assistance programme catalogue contract."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common import areas

BenefitType = Literal["cash", "in_kind", "service"]


class ProgrammeIn(BaseModel):
    """A programme published to an area (``/DZ`` for a national one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,47}$", examples=["winter-aid"])
    name_fr: str = Field(min_length=3, max_length=120, examples=["Aide hivernale"])
    name_ar: str = Field(min_length=2, max_length=120, examples=["منحة الشتاء"])
    benefit_type: BenefitType
    area: str = Field(default=areas.NATIONAL, examples=["/DZ"])

    @field_validator("area")
    @classmethod
    def _area(cls, value: str) -> str:
        if not areas.is_valid(value):
            raise ValueError("malformed area path")
        return value


class ProgrammeOut(ProgrammeIn):
    model_config = ConfigDict(extra="ignore")  # services may return more than the API shows

    id: str
    active: bool
