"""Vulnerability scores from a scoring model: one assessment explained, or a batch as columns.

:func:`score` walks the model's rules over one assessment and keeps every step (value seen,
points given, dimension totals), so a social worker can be told why a household scores
what it does. :func:`score_columns` computes the same scores for a batch with numpy, table
lookups and searches instead of Python loops. Points and weights are integers, so both
paths compute ``score × 100`` exactly and agree to the last bit; the tests hold them to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from common.contracts.assessment import DIMENSIONS, Assessment
from registry.scoring import features
from registry.scoring.features import FEATURES, Column, Columns, Value
from registry.scoring.model import MAX_POINTS, DimensionName, LookupRule, Rule, ScoringModel, SetRule

DIMENSION_ORDER: tuple[DimensionName, ...] = cast(tuple[DimensionName, ...], tuple(DIMENSIONS))
IntArray = npt.NDArray[np.int64]


class RulePoints(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    feature: str
    value: int | float | bool | str | list[str]
    points: int


class DimensionScore(BaseModel):
    """``points`` is what the rules gave, ``capped`` what counts (at most 100)."""

    model_config = ConfigDict(frozen=True)

    dimension: str
    weight: int
    points: int
    capped: int
    contribution: float
    rules: list[RulePoints]


class ScoreResult(BaseModel):
    """A score with the model that produced it, the answers it came from and how."""

    model_config = ConfigDict(frozen=True)

    model_version: str
    score: float
    band: str
    inputs_hash: str
    dimensions: list[DimensionScore]

    def stored(self, computed_at: datetime) -> dict[str, Any]:
        """The ``score`` sub-document kept with the household."""
        return stored_score(self.model_version, self.score, self.band, self.inputs_hash, computed_at)


def stored_score(
    model_version: str, score: float, band: str, inputs_hash: str, computed_at: datetime
) -> dict[str, Any]:
    return {
        "model_version": model_version,
        "score": score,
        "band": band,
        "inputs_hash": inputs_hash,
        "computed_at": computed_at,
    }


def _band_index(model: ScoringModel, hundredths: int) -> int:
    index = 0
    for i, band in enumerate(model.bands):
        if band.start * 100 <= hundredths:
            index = i
    return index


def _points(rule: Rule, value: Value, constants: dict[str, float]) -> int:
    if isinstance(rule, LookupRule):
        key = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return rule.points[key]
    if isinstance(rule, SetRule):
        return rule.of(cast(frozenset[str], value))
    number = cast(float, value)  # a banded rule's feature is numeric (the model's contract test checks it)
    for bound, band in zip(rule.bounds(constants), rule.bands, strict=False):
        if number < bound:
            return band.points
    return rule.bands[-1].points


def _shown(value: Value) -> int | float | bool | str | list[str]:
    return sorted(value) if isinstance(value, frozenset) else value


def score(model: ScoringModel, assessment: Assessment) -> ScoreResult:
    """Score one assessment, keeping every rule's points."""
    found = features.values(assessment)
    dimensions = []
    hundredths = 0
    for name in DIMENSION_ORDER:
        dimension = model.dimensions[name]
        rules = [
            RulePoints(
                rule=rule.id,
                feature=rule.feature,
                value=_shown(found[rule.feature]),
                points=_points(rule, found[rule.feature], model.constants),
            )
            for rule in dimension.rules
        ]
        points = sum(r.points for r in rules)
        capped = min(points, MAX_POINTS)
        hundredths += dimension.weight * capped
        dimensions.append(
            DimensionScore(
                dimension=name,
                weight=dimension.weight,
                points=points,
                capped=capped,
                contribution=dimension.weight * capped / 100,
                rules=rules,
            )
        )
    return ScoreResult(
        model_version=model.version,
        score=hundredths / 100,
        band=model.bands[_band_index(model, hundredths)].name,
        inputs_hash=features.inputs_hash(assessment),
        dimensions=dimensions,
    )


# --- batches ------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchScores:
    """Scores of a batch, row for row; ``hundredths`` is the exact score times 100."""

    model_version: str
    band_names: tuple[str, ...]
    hundredths: IntArray
    bands: IntArray
    dimensions: IntArray  # capped points, one column per DIMENSION_ORDER entry

    @property
    def scores(self) -> npt.NDArray[np.float64]:
        return self.hundredths / 100

    def band_labels(self) -> list[str]:
        return np.asarray(self.band_names, dtype=object)[self.bands].tolist()


def _lookup_table(rule: LookupRule) -> IntArray:
    """Points by code index, or by flag (0, 1)."""
    feature = FEATURES[rule.feature]
    keys = ("false", "true") if feature.kind == "flag" else feature.codes
    return np.array([rule.points[k] for k in keys], dtype=np.int64)


def _set_table(rule: SetRule) -> IntArray:
    """Points by bitmask: bit ``i`` set when the list holds the feature's ``i``-th code."""
    codes = FEATURES[rule.feature].codes
    masks = range(2 ** len(codes))
    return np.array([rule.of(c for i, c in enumerate(codes) if m >> i & 1) for m in masks], dtype=np.int64)


def _column_points(rule: Rule, column: Column, constants: dict[str, float]) -> IntArray:
    if isinstance(rule, LookupRule):
        return _lookup_table(rule)[column]
    if isinstance(rule, SetRule):
        return _set_table(rule)[column]
    points = np.array([b.points for b in rule.bands], dtype=np.int64)
    return points[np.searchsorted(np.array(rule.bounds(constants)), column, side="right")]


def score_columns(model: ScoringModel, found: Columns) -> BatchScores:
    """Score every row of ``found`` (see ``features.columns``) at once."""
    rows = len(found["family.household_size"])
    capped = np.zeros((rows, len(DIMENSION_ORDER)), dtype=np.int64)
    hundredths = np.zeros(rows, dtype=np.int64)
    for j, name in enumerate(DIMENSION_ORDER):
        dimension = model.dimensions[name]
        points = np.zeros(rows, dtype=np.int64)
        for rule in dimension.rules:
            points += _column_points(rule, found[rule.feature], model.constants)
        capped[:, j] = np.minimum(points, MAX_POINTS)
        hundredths += dimension.weight * capped[:, j]
    starts = np.array([b.start * 100 for b in model.bands[1:]], dtype=np.int64)
    return BatchScores(
        model_version=model.version,
        band_names=model.band_names,
        hundredths=hundredths,
        bands=np.searchsorted(starts, hundredths, side="right").astype(np.int64),
        dimensions=capped,
    )


def score_many(model: ScoringModel, assessments: Sequence[Mapping[str, Any]]) -> BatchScores:
    """Score stored assessments (``Assessment.model_dump()`` dicts) as one batch."""
    return score_columns(model, features.columns(assessments))
