"""Eligibility and amounts of many households at once, as numpy columns (eligibility runs).

:func:`to_columns` turns a page of household facts in the batch wire form (one list per
field, as the registry streams them) into numpy arrays, members with the index of their household;
:func:`passes` then checks each criterion over every household with array operations,
and :func:`amounts` applies the formula the same way. They follow
``assistance.eligibility.evaluate`` and ``amount_for`` exactly; the tests hold them to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args

import numpy as np
import numpy.typing as npt

from common.contracts.people import VULNERABLE_CATEGORIES, Relationship
from common.contracts.programmes import (
    AmountFormula,
    Assessed,
    BandIn,
    CategoryAny,
    Criterion,
    DisabilitySeverityAtLeast,
    IncomePerMemberAtMost,
    MemberAgeBetween,
    MembersBetween,
    RuleSet,
    ScoreAtLeast,
    TenureIn,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
TextArray = npt.NDArray[np.str_]

CATEGORY_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(VULNERABLE_CATEGORIES)}
_SEVERITY_RANK: dict[str | None, int] = {"mild": 1, "moderate": 2, "severe": 3, "profound": 4}
_RELATIONSHIP_CODE: dict[str | None, int] = {name: i + 1 for i, name in enumerate(get_args(Relationship))}


def _bits(categories: Sequence[str]) -> int:
    return sum(CATEGORY_BITS.get(c, 0) for c in set(categories))


def category_mask(categories: Sequence[str]) -> int:
    """The bit mask of ``categories`` (unknown names count for nothing)."""
    return _bits(categories)


@dataclass(frozen=True)
class FactsColumns:
    """Household facts as columns: one row per household, and one per member for ``member_*``.

    Unknown numbers are NaN (score, income) or -1 (age); unknown text is empty, relationships are
    numbered (0 unknown).
    """

    household_ids: list[str]
    members_count: IntArray
    score: FloatArray
    band: TextArray
    assessed: BoolArray
    income_per_member: FloatArray
    tenure: TextArray
    categories: IntArray
    member_household: IntArray
    member_age: IntArray
    member_female: BoolArray
    member_relationship: IntArray
    member_categories: IntArray
    member_severity: IntArray
    member_percentage: IntArray

    def __len__(self) -> int:
        return len(self.household_ids)

    def any_member(self, mask: BoolArray) -> BoolArray:
        """Per household: does at least one of its members satisfy ``mask``?"""
        return self.count_members(mask) > 0

    def count_members(self, mask: BoolArray) -> IntArray:
        """Per household: how many of its members satisfy ``mask``."""
        return np.bincount(self.member_household[mask], minlength=len(self)).astype(np.int64)


def _numbers(values: list[Any]) -> FloatArray:
    """Numbers with None as NaN."""
    return np.array(values, dtype=np.float64) if values else np.zeros(0, dtype=np.float64)


def _whole(values: list[Any], unknown: int) -> IntArray:
    """Whole numbers with None as ``unknown``."""
    numbers = _numbers(values)
    return np.where(np.isnan(numbers), unknown, numbers).astype(np.int64)


def _texts(values: list[Any]) -> TextArray:
    return np.array([v or "" for v in values], dtype=np.str_)


def _masks(values: list[list[str]]) -> IntArray:
    """Category bit masks; most people have no category, so only the others are looked at."""
    masks = np.zeros(len(values), dtype=np.int64)
    cache: dict[tuple[str, ...], int] = {}
    for i in np.flatnonzero(np.fromiter(map(bool, values), dtype=np.bool_, count=len(values))).tolist():
        key = tuple(values[i])
        found = cache.get(key)
        if found is None:
            found = cache[key] = _bits(key)
        masks[i] = found
    return masks


def to_columns(page: Mapping[str, Sequence[Any]]) -> FactsColumns:
    """Numpy columns of a page in the batch wire form (``common.contracts.facts.facts_to_columns``)."""
    counts = _whole(list(page["members_count"]), 0)
    return FactsColumns(
        household_ids=[str(i) for i in page["household_id"]],
        members_count=counts,
        score=_numbers(list(page["score"])),
        band=_texts(list(page["band"])),
        assessed=np.array([bool(a) for a in page["assessed"]], dtype=np.bool_),
        income_per_member=_numbers(list(page["income_per_member_dzd"])),
        tenure=_texts(list(page["tenure"])),
        categories=_masks([c or [] for c in page["categories"]]),
        member_household=np.repeat(np.arange(len(counts), dtype=np.int64), counts),
        member_age=_whole(list(page["member_age"]), -1),
        member_female=np.array([s == "F" for s in page["member_sex"]], dtype=np.bool_),
        member_relationship=np.array(
            [_RELATIONSHIP_CODE.get(r, 0) for r in page["member_relationship"]], dtype=np.int64
        ),
        member_categories=_masks([c or [] for c in page["member_categories"]]),
        member_severity=np.array(
            [_SEVERITY_RANK.get(s, 0) for s in page["member_disability_severity"]], dtype=np.int64
        ),
        member_percentage=_whole(list(page["member_disability_percentage"]), 0),
    )


def passes(criterion: Criterion, cols: FactsColumns) -> BoolArray:
    """Per household: does it pass ``criterion``?"""
    c = criterion
    if isinstance(c, ScoreAtLeast):
        with np.errstate(invalid="ignore"):
            return cols.score >= c.min_score
    if isinstance(c, BandIn):
        return np.isin(cols.band, c.bands)
    if isinstance(c, CategoryAny):
        bits = category_mask(c.categories)
        if c.scope == "household":
            return (cols.categories & bits) != 0
        mask = (cols.member_categories & bits) != 0
        if c.relationships is not None:
            mask &= np.isin(cols.member_relationship, [_RELATIONSHIP_CODE[r] for r in c.relationships])
        return cols.any_member(mask)
    if isinstance(c, MemberAgeBetween):
        mask = (cols.member_age >= c.min_age) & (cols.member_age <= c.max_age) & (cols.member_age >= 0)
        if c.sex is not None:
            mask &= cols.member_female == (c.sex == "F")
        return cols.any_member(mask)
    if isinstance(c, MembersBetween):
        ok = cols.members_count >= c.min_members
        return ok if c.max_members is None else ok & (cols.members_count <= c.max_members)
    if isinstance(c, IncomePerMemberAtMost):
        with np.errstate(invalid="ignore"):
            return cols.income_per_member <= c.max_dzd
    if isinstance(c, TenureIn):
        return np.isin(cols.tenure, c.tenures)
    if isinstance(c, DisabilitySeverityAtLeast):
        mask = cols.member_severity >= _SEVERITY_RANK[c.severity]
        if c.min_percentage is not None:
            mask &= cols.member_percentage >= c.min_percentage
        return cols.any_member(mask)
    assert isinstance(c, Assessed)
    return cols.assessed.copy()


def evaluate_columns(rules: RuleSet, cols: FactsColumns) -> tuple[BoolArray, dict[str, BoolArray]]:
    """``(eligible, passed by criterion id)`` for every household of ``cols``."""
    by_criterion = {c.id: passes(c, cols) for c in rules.criteria}
    eligible = np.ones(len(cols), dtype=np.bool_)
    for passed in by_criterion.values():
        eligible &= passed
    return eligible, by_criterion


def amounts(formula: AmountFormula, cols: FactsColumns) -> IntArray:
    """Per household: what ``formula`` gives, in DZD (as ``amount_for``)."""
    counted = np.maximum(cols.members_count - formula.members_in_base, 0)
    if formula.max_counted_members is not None:
        counted = np.minimum(counted, formula.max_counted_members)
    total = formula.base_dzd + formula.per_member_dzd * counted
    for category, supplement in formula.per_category_dzd.items():
        total = total + supplement * cols.count_members((cols.member_categories & CATEGORY_BITS[category]) != 0)
    for band in formula.per_age_dzd:
        in_band = (cols.member_age >= band.min_age) & (cols.member_age <= band.max_age) & (cols.member_age >= 0)
        total = total + band.amount_dzd * cols.count_members(in_band)
    if formula.cap_dzd is not None:
        total = np.minimum(total, formula.cap_dzd)
    return np.asarray(total, dtype=np.int64)
