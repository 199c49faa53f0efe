"""The duplicate review queue: pairs of households that are probably one, and the decisions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common.contracts.households import HouseholdOut


class ReviewOut(BaseModel):
    """A pair to decide: ``held`` (the later one, merged away on ``same``) against ``existing``.

    The evidence is the strongest pair of members: their score, the fields that agree and
    disagree, and why the engine would not merge them on its own (``withheld``).
    """

    model_config = ConfigDict(extra="ignore")

    id: str
    held: str
    existing: str
    status: Literal["pending", "same", "different"]
    decision_hint: Literal["match", "possible"]
    score: float
    member_pair: list[str]
    agreeing: list[str]
    disagreeing: list[str]
    withheld: str | None = None
    opened_at: str
    decided_by: str | None = None
    decided_at: str | None = None


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["same", "different"] = Field(
        description="same: merge the held household into the existing one; different: release it"
    )


class ReviewOutcome(BaseModel):
    review: ReviewOut
    household: HouseholdOut = Field(description="the survivor after a merge, the released household otherwise")


class ScanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: str = Field(description="the nation, a wilaya or a commune inside yours", examples=["/DZ/16"])
