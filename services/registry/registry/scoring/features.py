"""What a scoring model may look at: the coded answers of an assessment and a few derived numbers.

Every answer field of the assessment contract is a feature named ``<dimension>.<field>``;
its kind and code list come from the contract itself, so a code added there is known here.
Derived features combine answers (persons per room, income per person).

The same values have two representations, kept in step by the tests:

- scalar, for one assessment (:func:`values`): codes as strings, code lists as frozensets;
- columnar, for batches (:func:`columns`): one numpy array per feature, codes as their
  index in the code list, code lists as bitmasks, flags as 0/1, answers as int64 and
  derived numbers as float64.
"""

from __future__ import annotations

import hashlib
import operator
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from common.contracts.assessment import DIMENSIONS, Assessment

FeatureKind = Literal["number", "flag", "code", "codes"]
Value = int | float | bool | str | frozenset[str]
Column = npt.NDArray[Any]
Columns = dict[str, Column]


class UnscorableAnswers(ValueError):
    """Stored answers that do not fit the assessment contract."""


@dataclass(frozen=True)
class Feature:
    name: str
    kind: FeatureKind
    codes: tuple[str, ...] = ()
    bounds: tuple[int, int] | None = None
    derived: bool = False

    @property
    def dimension(self) -> str:
        return self.name.split(".", 1)[0]


def _literal_codes(annotation: Any) -> tuple[str, ...] | None:
    if typing.get_origin(annotation) is Literal:
        return tuple(typing.get_args(annotation))
    return None


def _answer(dimension: str, field: str, info: FieldInfo) -> Feature:
    name = f"{dimension}.{field}"
    annotation = info.annotation
    if annotation is bool:
        return Feature(name, "flag")
    if annotation is int:
        low = next(m.ge for m in info.metadata if isinstance(m, annotated_types.Ge))
        high = next(m.le for m in info.metadata if isinstance(m, annotated_types.Le))
        return Feature(name, "number", bounds=(typing.cast(int, low), typing.cast(int, high)))
    if (codes := _literal_codes(annotation)) is not None:
        return Feature(name, "code", codes)
    if typing.get_origin(annotation) is list and (codes := _literal_codes(typing.get_args(annotation)[0])):
        return Feature(name, "codes", codes)
    raise TypeError(f"{name}: no feature kind for {annotation}")  # a contract change this module must learn


def _answers(models: Mapping[str, type[BaseModel]]) -> dict[str, Feature]:
    return {
        f"{dimension}.{field}": _answer(dimension, field, info)
        for dimension, model in models.items()
        for field, info in model.model_fields.items()
    }


ANSWERS: dict[str, Feature] = _answers(DIMENSIONS)


@dataclass(frozen=True)
class _Derived:
    feature: Feature
    scalar: Callable[[Mapping[str, Any]], float]
    vector: Callable[[Columns], Column]


DERIVED: dict[str, _Derived] = {
    d.feature.name: d
    for d in (
        _Derived(
            Feature("housing.persons_per_room", "number", derived=True),
            lambda v: int(v["family.household_size"]) / max(int(v["housing.rooms"]), 1),
            lambda c: c["family.household_size"] / np.maximum(c["housing.rooms"], 1),
        ),
        _Derived(
            Feature("income.income_per_person_dzd", "number", derived=True),
            lambda v: int(v["income.monthly_income_dzd"]) / int(v["family.household_size"]),
            lambda c: c["income.monthly_income_dzd"] / c["family.household_size"],
        ),
    )
}

FEATURES: dict[str, Feature] = {**ANSWERS, **{name: d.feature for name, d in DERIVED.items()}}


def values(assessment: Assessment) -> dict[str, Value]:
    """Every feature of one assessment, by name."""
    found: dict[str, Value] = {}
    for name, feature in ANSWERS.items():
        dimension, field = name.split(".", 1)
        value = getattr(getattr(assessment, dimension), field)
        found[name] = frozenset(value) if feature.kind == "codes" else value
    for name, derived in DERIVED.items():
        found[name] = derived.scalar(found)
    return found


# --- columnar form ------------------------------------------------------------------

_FLAGS = {False: 0, True: 1}


class _Masks(dict[tuple[str, ...], int]):
    """Bitmask of a code list, memoised: a batch holds few distinct combinations."""

    def __init__(self, feature: Feature) -> None:
        super().__init__()
        self.feature = feature
        self.bits = {code: 1 << i for i, code in enumerate(feature.codes)}

    def __missing__(self, key: tuple[str, ...]) -> int:
        if len(set(key)) != len(key):
            raise UnscorableAnswers(f"{self.feature.name}: repeated codes {list(key)}")
        mask = 0
        for code in key:
            mask |= self.bits[code]
        self[key] = mask
        return mask


_MASKS = {name: _Masks(f) for name, f in ANSWERS.items() if f.kind == "codes"}
_INDEXES = {name: {code: i for i, code in enumerate(f.codes)} for name, f in ANSWERS.items() if f.kind == "code"}


def _encode(feature: Feature, answers: Iterable[Any], count: int) -> Column:
    if feature.kind == "flag":
        return np.fromiter(map(_FLAGS.__getitem__, answers), np.int8, count)
    if feature.kind == "code":
        return np.fromiter(map(_INDEXES[feature.name].__getitem__, answers), np.int64, count)
    if feature.kind == "codes":
        return np.fromiter(map(_MASKS[feature.name].__getitem__, map(tuple, answers)), np.int64, count)
    numbers = np.asarray(list(answers)) if count else np.zeros(0, dtype=np.int64)
    if numbers.dtype.kind not in "iu":
        raise UnscorableAnswers(f"{feature.name}: not whole numbers")
    low, high = feature.bounds or (0, 0)
    if count and (numbers.min() < low or numbers.max() > high):
        raise UnscorableAnswers(f"{feature.name}: outside {low}..{high}")
    return numbers.astype(np.int64, copy=False)


def columns(assessments: Sequence[Mapping[str, Any]]) -> Columns:
    """Every feature of stored assessments (as ``Assessment.model_dump()`` writes them), as columns.

    Checks what scoring relies on (codes, flags, whole numbers within bounds) and raises
    :class:`UnscorableAnswers` on the first answer that fails; the consistency rules
    between answers are the contract's job when an assessment is written.
    """
    count = len(assessments)
    found: Columns = {}
    try:
        for dimension in DIMENSIONS:
            parts = list(map(operator.itemgetter(dimension), assessments))
            for name, feature in ANSWERS.items():
                if feature.dimension == dimension:
                    answers = map(operator.itemgetter(name.split(".", 1)[1]), parts)
                    found[name] = _encode(feature, answers, count)
    except UnscorableAnswers:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise UnscorableAnswers(f"unscorable answers: {exc!r}") from None
    for name, derived in DERIVED.items():
        found[name] = derived.vector(found)
    return found


# --- inputs hash --------------------------------------------------------------------

_SEED = np.uint64(0x243F6A8885A308D3)


def _word(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _code_words(feature: Feature) -> npt.NDArray[np.uint64]:
    return np.array([_word(f"{feature.name}={code}") for code in feature.codes], dtype=np.uint64)


def _set_words(feature: Feature) -> npt.NDArray[np.uint64]:
    words = [_word(f"{feature.name}={code}") for code in feature.codes]
    table = [sum(w for i, w in enumerate(words) if mask >> i & 1) % 2**64 for mask in range(2 ** len(words))]
    return np.array(table, dtype=np.uint64)


_WORDS = {
    name: _code_words(f) if f.kind == "code" else _set_words(f)
    for name, f in ANSWERS.items()
    if f.kind in ("code", "codes")
}


def _mix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: every input bit flips about half the output bits."""
    h = h + np.uint64(0x9E3779B97F4A7C15)
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def fingerprint(found: Columns) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of every answer of each row, independent of any scoring model.

    Codes are hashed by name, not position, so appending a code to a contract list keeps
    existing hashes; adding an answer field changes them all (one rewrite on next recompute).
    """
    count = len(next(iter(found.values()))) if found else 0
    h = np.full(count, _SEED, dtype=np.uint64)
    for name in sorted(ANSWERS):
        column = found[name]
        word = _WORDS[name][column] if name in _WORDS else column.astype(np.int64).view(np.uint64)
        h = _mix(h ^ word)
    return h


def hex_digests(hashes: npt.NDArray[np.uint64]) -> list[str]:
    return [f"{h:016x}" for h in hashes.tolist()]


def inputs_hash(assessment: Assessment) -> str:
    """The hash of one assessment's answers, as stored with its score."""
    return hex_digests(fingerprint(columns([assessment.model_dump()])))[0]
