"""Solidarity campaign contract (Ramadan, winter, school year, disasters)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common import areas
from common.text import Name

CampaignKind = Literal["ramadan", "winter", "school_year", "disaster", "other"]


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: CampaignKind
    name_fr: Name = Field(min_length=3, max_length=120, examples=["Ramadan 1448"])
    name_ar: Name = Field(min_length=2, max_length=120, examples=["رمضان 1448"])
    area: str = Field(default=areas.NATIONAL, examples=["/DZ/16"])
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _checked(self) -> CampaignIn:
        if not areas.is_valid(self.area):
            raise ValueError("malformed area path")
        if self.ends_on < self.starts_on:
            raise ValueError("a campaign ends after it starts")
        return self


class CampaignOut(CampaignIn):
    model_config = ConfigDict(extra="ignore")  # services may return more than the API shows

    id: str
