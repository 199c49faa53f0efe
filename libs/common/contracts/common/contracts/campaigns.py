"""Solidarity campaign contract (Ramadan, winter, school year, disasters, permanent appeals).

``kind`` ``other`` is the name campaigns had before the domain named it ``permanent``: it is
still accepted on input and read as ``permanent`` (stored campaigns were migrated).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common import areas
from common.text import Name

CampaignKind = Literal["ramadan", "winter", "school_year", "disaster", "permanent", "other"]
ITEM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # a stored field name: no dots, no dollar
Amount = str | int
"""An amount in major units, as text or a whole number (``"1500.50"``, ``1500``); parsed exactly by the service."""


class AmountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Amount = Field(examples=["1500.50"])
    currency: str = Field(default="DZD", min_length=3, max_length=3)


class GoalsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: AmountIn | None = None
    items: dict[str, int] = Field(default_factory=dict, examples=[{"food_parcel": 5000}])

    @model_validator(mode="after")
    def _item_names(self) -> GoalsIn:
        for item in self.items:
            if not ITEM_NAME.fullmatch(item):
                raise ValueError("an item is named with lowercase letters, digits, '_' or '-'")
        return self


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: CampaignKind
    name_fr: Name = Field(min_length=3, max_length=120, examples=["Ramadan 1448"])
    name_ar: Name = Field(min_length=2, max_length=120, examples=["رمضان 1448"])
    area: str = Field(default=areas.NATIONAL, examples=["/DZ/16"], description="the directorate that runs it")
    starts_on: date
    ends_on: date | None = Field(default=None, description="None only for a permanent campaign")
    published_areas: list[str] = Field(default_factory=list, max_length=100, description="default: its own area")
    currencies: list[str] = Field(default_factory=lambda: ["DZD"], min_length=1, max_length=5)
    categories: list[str] = Field(default_factory=list, max_length=20, description="vulnerable categories targeted")
    goals: GoalsIn | None = None
    spent_by: str | None = Field(default=None, max_length=100, description="the programme or distribution spending it")

    @model_validator(mode="after")
    def _checked(self) -> CampaignIn:
        if not areas.is_valid(self.area) or not all(areas.is_valid(a) for a in self.published_areas):
            raise ValueError("malformed area path")
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("a campaign ends after it starts")
        return self


class GoalProgressOut(BaseModel):
    goal: str
    reached: int = Field(description="minor units (amount) or quantity")
    target: int
    percent: int


class CampaignOut(CampaignIn):
    model_config = ConfigDict(extra="ignore")  # services may return more than the API shows

    id: str
    state: Literal["draft", "open", "closed", "archived"] = "open"


class ProgressOut(BaseModel):
    campaign_id: str
    goals: list[GoalProgressOut]
    raised: dict[str, int] = Field(description="currency -> minor units received")
    gifts: int


class CampaignStepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Literal["open", "closed", "archived"]
