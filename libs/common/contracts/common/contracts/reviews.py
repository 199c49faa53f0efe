"""The duplicate review queue: pairs of households that are probably one, and the decisions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from common.contracts.households import HouseholdOut


class OutsideArea(BaseModel):
    """Something outside the caller's area: nothing of it is shown, neither id nor area."""

    model_config = ConfigDict(extra="forbid")

    outside_area: Literal[True] = True


class ReviewSide(BaseModel):
    """One household of a review, inside the caller's area."""

    model_config = ConfigDict(extra="ignore")

    household_id: str
    area: str
    member: int | None = Field(default=None, description="index of its member in the strongest pair")


class ReviewOut(BaseModel):
    """A pair to decide: ``held`` (the later one, merged away on ``same``) against ``existing``.

    A side outside the caller's area is ``{"outside_area": true}``; only a caller whose
    area holds both sides decides (else 403 ``cross_area_review``). The evidence is the
    strongest pair of members: their score, the fields that agree and disagree, and why
    the engine would not merge them on its own (``withheld``).
    """

    model_config = ConfigDict(extra="ignore")

    id: str = Field(description="opaque: says nothing of the households")
    held: ReviewSide | OutsideArea
    existing: ReviewSide | OutsideArea
    status: Literal["pending", "same", "different"]
    decision_hint: Literal["match", "possible"]
    score: float
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
    household: HouseholdOut | OutsideArea = Field(
        description="the survivor after a merge, the released household otherwise"
    )


class ScanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: str = Field(description="the nation, a wilaya or a commune inside yours", examples=["/DZ/16"])
