"""Vulnerability scores as the API shows them: an assessment's result, a score's explanation, the models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from common.contracts.households import ScoreOut


class RuleOut(BaseModel):
    """One rule of a dimension: the answer (or derived number) it saw and the points it gave."""

    model_config = ConfigDict(extra="ignore")

    rule: str = Field(examples=["tenure"])
    feature: str = Field(examples=["housing.tenure"], description="<dimension>.<answer>, or a derived number")
    value: int | float | bool | str | list[str]
    points: int


class DimensionOut(BaseModel):
    """``points`` is what the rules gave, ``capped`` what counts (at most 100), weighted into ``contribution``."""

    model_config = ConfigDict(extra="ignore")

    dimension: str = Field(examples=["income"])
    weight: int = Field(description="share of the score, in percent")
    points: int
    capped: int
    contribution: float = Field(description="points this dimension adds to the score (0 to 100 in all)")
    rules: list[RuleOut]


class AssessmentResult(BaseModel):
    """The score an assessment was given by the model in force, and how."""

    model_config = ConfigDict(extra="ignore")

    household_id: str
    score: ScoreOut
    explanation: list[DimensionOut]


class ScoreExplanation(BaseModel):
    """A household's stored score, explained by the model version that computed it."""

    model_config = ConfigDict(extra="ignore")

    household_id: str
    redirected_from: str | None = Field(default=None, description="the id asked for, merged into this household")
    model_version: str
    score: float
    band: str
    inputs_hash: str
    computed_at: str
    assessed_at: str = Field(description="date and time of the home visit")
    matches_stored: bool = Field(
        description="the stored answers give the stored score; false until a rescore if they no longer do"
    )
    dimensions: list[DimensionOut]


class ScoreBandOut(BaseModel):
    """Scores from ``from`` (included) to ``to`` (excluded; 100 belongs to the last band)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str = Field(examples=["high"])
    start: int = Field(alias="from", ge=0, le=100)
    end: int = Field(alias="to", ge=0, le=100)


class ScoringModelOut(BaseModel):
    """A shipped scoring model: at most one is ``active``; a ``draft`` was never activated."""

    model_config = ConfigDict(extra="ignore")

    version: str = Field(examples=["v1"])
    activated_at: str | None
    active: bool
    draft: bool
    description: str
    weights: dict[str, int] = Field(description="share of the score of each dimension, in percent")
    bands: list[ScoreBandOut]
