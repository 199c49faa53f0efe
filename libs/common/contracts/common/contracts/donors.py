"""Donors (persons, companies, associations) as the API takes and shows them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common import areas
from common.text import Name


class DonorIn(BaseModel):
    """A donor record: staff register walk-in donors in their area; a donor user registers themself."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["person", "company", "association"]
    name: Name = Field(min_length=2, max_length=200)
    area: str = Field(examples=["/DZ/16"], description="where the donor is registered")
    registration: str | None = Field(default=None, max_length=64, description="a company's or association's number")
    consent_channels: list[Literal["email", "sms", "post", "phone"]] = Field(default_factory=list)
    consent_on: date | None = None
    anonymous_public: bool = Field(default=False, description="shown as 'a benefactor' on public lists and checks")

    @model_validator(mode="after")
    def _checked(self) -> DonorIn:
        if not areas.is_valid(self.area):
            raise ValueError("malformed area path")
        return self


class ConsentIn(BaseModel):
    """The channels the donor agrees to be contacted through (empty: withdrawn) and how they appear in public."""

    model_config = ConfigDict(extra="forbid")

    consent_channels: list[Literal["email", "sms", "post", "phone"]] = Field(default_factory=list)
    consent_on: date | None = Field(default=None, description="default: today")
    anonymous_public: bool | None = Field(default=None, description="None: unchanged")


class DonorOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    kind: str
    name: str
    area: str
    registration: str | None = None
    self_service: bool = Field(description="the record is a platform user's own (the donor role)")
    consent_channels: list[str]
    consent_on: date | None = None
    anonymous_public: bool


class DonorPage(BaseModel):
    items: list[DonorOut]
    total: int = Field(description="how many the caller sees in all (the page holds the newest)")
