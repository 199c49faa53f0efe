"""Social-watch (veille) field signal contract."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common import areas

SignalKind = Literal[
    "poverty_pocket", "homeless_person", "street_child", "isolated_elderly", "woman_in_distress", "other"
]


class SignalIn(BaseModel):
    """A precarity signal seen in the field, in a commune."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: SignalKind
    area: str = Field(examples=["/DZ/16/1601"])
    description: str = Field(min_length=3, max_length=2000)
    severity: int = Field(ge=1, le=5)

    @field_validator("area")
    @classmethod
    def _area(cls, value: str) -> str:
        if not areas.is_valid(value) or len(areas.ancestors(value)) < 3:
            raise ValueError("a signal is located in a commune: /DZ/<wilaya>/<commune>")
        return value


class SignalOut(SignalIn):
    model_config = ConfigDict(extra="ignore")  # services may return more than the API shows

    id: str
    status: str
    reported_at: str
