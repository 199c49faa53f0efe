"""A scoring model is data: a versioned JSON file of rules, weights and score bands.

Each of the four dimensions holds rules that turn one feature (see ``features``) into
whole points: a ``lookup`` table for a code or a flag, ``bands`` for a number (bounds
optionally in a unit declared under ``constants``, such as the minimum wage), or a
``set`` table for a list of codes, combined by ``max``, ``min`` or ``sum``. A dimension scores the
sum of its rules' points capped at 100; the score is the weighted mean of the dimensions
(integer weights summing to 100), so it lies in 0..100 with two decimals, and falls in
exactly one band.

Validation is strict and names the culprit: every code of a looked-up feature must be
priced, so a code added to the contract makes the model fail to load until someone
decides what it is worth.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from common.contracts.assessment import DIMENSIONS
from registry.scoring.features import FEATURES, Feature

MODELS_DIR = Path(__file__).parent / "models"
MAX_POINTS = 100

Points = Annotated[int, Field(ge=0, le=MAX_POINTS)]
DimensionName = Literal["family", "housing", "income", "autonomy"]


class ModelError(ValueError):
    """A scoring model that cannot be used, with every reason found."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    feature: str

    def _feature(self, kinds: tuple[str, ...]) -> Feature:
        feature = FEATURES.get(self.feature)
        if feature is None:
            raise ValueError(f"rule {self.id!r}: unknown feature {self.feature!r}")
        if feature.kind not in kinds:
            raise ValueError(
                f"rule {self.id!r}: feature {self.feature!r} is a {feature.kind}, not a {' or '.join(kinds)}"
            )
        return feature

    def _priced(self, points: dict[str, int], codes: tuple[str, ...]) -> None:
        missing = [c for c in codes if c not in points]
        unknown = [c for c in points if c not in codes]
        if missing or unknown:
            raise ValueError(
                f"rule {self.id!r} on {self.feature!r}: must price exactly the codes {list(codes)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {unknown}" if unknown else "")
            )


class LookupRule(_Rule):
    """Points for each code of a code feature, or for ``"true"``/``"false"`` of a flag."""

    kind: Literal["lookup"]
    points: dict[str, Points]

    def check(self, constants: dict[str, float]) -> None:
        feature = self._feature(("code", "flag"))
        self._priced(self.points, ("false", "true") if feature.kind == "flag" else feature.codes)


class Band(_Strict):
    below: float | None = Field(default=None, description="exclusive upper bound; absent on the last band")
    points: Points


class BandsRule(_Rule):
    """Points for the band a number falls in; bounds are multiples of ``unit`` if given."""

    kind: Literal["bands"]
    unit: str | None = None
    bands: list[Band] = Field(min_length=1)

    def check(self, constants: dict[str, float]) -> None:
        self._feature(("number",))
        if self.unit is not None and self.unit not in constants:
            raise ValueError(f"rule {self.id!r}: unit {self.unit!r} is not among constants {sorted(constants)}")
        *bounded, last = self.bands
        if last.below is not None or any(b.below is None for b in bounded):
            raise ValueError(f"rule {self.id!r}: every band but the last needs 'below', the last has none")
        limits = [b.below for b in bounded]
        if any(a >= b for a, b in itertools.pairwise(limits)):  # type: ignore[operator]
            raise ValueError(f"rule {self.id!r}: band bounds must increase, got {limits}")

    def bounds(self, constants: dict[str, float]) -> list[float]:
        """The bands' upper bounds in the feature's own unit."""
        scale = constants[self.unit] if self.unit else 1.0
        return [float(b.below) * scale for b in self.bands[:-1]]  # type: ignore[arg-type]


class SetRule(_Rule):
    """Points for a list of codes: the ``max``, ``min`` or ``sum`` of its codes' points, ``empty`` if none.

    ``min`` prices a household by its best code (a salary next to informal work), ``max``
    by its worst, ``sum`` accumulates.
    """

    kind: Literal["set"]
    points: dict[str, Points]
    combine: Literal["max", "min", "sum"]
    empty: Points = 0

    def check(self, constants: dict[str, float]) -> None:
        feature = self._feature(("codes",))
        self._priced(self.points, feature.codes)

    def of(self, codes: Iterable[str]) -> int:
        prices = [self.points[c] for c in codes]
        if not prices:
            return self.empty
        if self.combine == "sum":
            return sum(prices)
        return max(prices) if self.combine == "max" else min(prices)


Rule = Annotated[LookupRule | BandsRule | SetRule, Field(discriminator="kind")]


class Dimension(_Strict):
    weight: int = Field(ge=0, le=100, description="share of the score, in percent")
    rules: list[Rule]


class ScoreBand(_Strict):
    """A band covers scores from ``from`` (included) up to ``to`` (excluded, but 100 is in the last band)."""

    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)
    start: int = Field(alias="from", ge=0, le=100)
    end: int = Field(alias="to", ge=0, le=100)


class ScoringModel(_Strict):
    """A validated scoring model; ``activated_at`` is null for a draft never used in production."""

    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    activated_at: datetime | None
    description: str = ""
    constants: dict[str, Annotated[float, Field(gt=0)]] = {}
    dimensions: dict[DimensionName, Dimension]
    bands: list[ScoreBand] = Field(min_length=2)

    @model_validator(mode="after")
    def _coherent(self) -> ScoringModel:
        problems = self._dimension_problems() + self._band_problems()
        if self.activated_at is not None and self.activated_at.utcoffset() is None:
            problems.append("activated_at needs a time zone")
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    def _dimension_problems(self) -> list[str]:
        problems = [f"dimension {d!r} is missing" for d in DIMENSIONS if d not in self.dimensions]
        total = sum(d.weight for d in self.dimensions.values())
        if total != 100:
            detail = " + ".join(f"{name} {d.weight}" for name, d in self.dimensions.items())
            problems.append(f"dimension weights must sum to 100, got {total} ({detail})")
        for name, dimension in self.dimensions.items():
            ids = [r.id for r in dimension.rules]
            if len(set(ids)) != len(ids):
                problems.append(f"dimension {name!r}: rule ids repeat: {ids}")
            for rule in dimension.rules:
                try:
                    rule.check(self.constants)
                except ValueError as exc:
                    problems.append(f"dimension {name!r}: {exc}")
                    continue
                if FEATURES[rule.feature].dimension != name:
                    problems.append(f"dimension {name!r}: rule {rule.id!r} looks at {rule.feature!r}, of another one")
        return problems

    def _band_problems(self) -> list[str]:
        names = [b.name for b in self.bands]
        if len(set(names)) != len(names):
            return [f"score band names repeat: {names}"]
        if sorted(self.bands, key=lambda b: (b.start, b.end)) != self.bands:
            return [f"score bands must be listed from the lowest: {names}"]
        problems = [
            f"score band {b.name!r} is empty: from {b.start} to {b.end}" for b in self.bands if b.start >= b.end
        ]
        if self.bands[0].start != 0 or self.bands[-1].end != 100:
            problems.append("score bands must cover 0 to 100")
        for low, high in itertools.pairwise(self.bands):
            if low.end > high.start:
                problems.append(
                    f"score bands {low.name!r} ({low.start}-{low.end}) and "
                    f"{high.name!r} ({high.start}-{high.end}) overlap"
                )
            elif low.end < high.start:
                problems.append(f"scores from {low.end} to {high.start} fall in no score band")
        return problems

    @property
    def band_names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.bands)


def parse_model(data: Any, source: str = "scoring model") -> ScoringModel:
    """Validate a decoded model, or raise :class:`ModelError` listing every problem."""
    try:
        return ScoringModel.model_validate(data)
    except ValidationError as exc:
        reasons = [
            f"{'.'.join(str(p) for p in err['loc']) or '(model)'}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ModelError(f"{source} is invalid:\n  " + "\n  ".join(reasons)) from None


def load_model(path: Path) -> ScoringModel:
    """Read and validate a model file; its version must match its file name."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: cannot read a scoring model: {exc}") from None
    model = parse_model(data, str(path))
    if model.version != path.stem:
        raise ModelError(f"{path}: declares version {model.version!r}, the file name says {path.stem!r}")
    return model


def builtin_models(directory: Path = MODELS_DIR) -> dict[str, ScoringModel]:
    """Every model shipped with the registry, by version."""
    return {path.stem: load_model(path) for path in sorted(directory.glob("*.json"))}


def active_model(models: Iterable[ScoringModel], at: datetime) -> ScoringModel:
    """The model in force at ``at``: the last activated one, drafts excluded."""
    live = [m for m in models if m.activated_at is not None and m.activated_at <= at]
    if not live:
        raise ModelError(f"no scoring model is active at {at.isoformat()}")
    return max(live, key=lambda m: m.activated_at)  # type: ignore[arg-type, return-value]
