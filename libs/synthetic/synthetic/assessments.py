"""Plausible random assessments, for tests and benchmarks; never for real households.

A hidden precarity level per household drives every answer, so answers hang together
the way they do in the field (no income with informal housing, chronic illness with
dependency) and scores spread over every band. Every assessment satisfies the contract.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from registry.scoring.features import ANSWERS

Ints = npt.NDArray[np.int64]


def _pick(rng: np.random.Generator, level: npt.NDArray[np.float64], cuts: list[float], noise: float = 0.12) -> Ints:
    """An index into a code list ordered from best to worst, likelier worse for higher levels."""
    return np.digitize(level + rng.normal(0.0, noise, level.size), cuts).astype(np.int64)


def _lists(feature: str, masks: Ints) -> list[list[str]]:
    """The code list of each bitmask (bit ``i`` for the feature's ``i``-th code)."""
    codes = ANSWERS[feature].codes
    by_mask = [[c for i, c in enumerate(codes) if mask >> i & 1] for mask in range(2 ** len(codes))]
    return [by_mask[m] for m in masks.tolist()]


def _mask(flags: dict[str, npt.NDArray[np.bool_]], feature: str) -> Ints:
    mask = np.zeros(next(iter(flags.values())).size, dtype=np.int64)
    for i, code in enumerate(ANSWERS[feature].codes):
        if code in flags:
            mask |= flags[code].astype(np.int64) << i
    return mask


def assessments(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """``count`` assessments as ``Assessment.model_dump()`` would store them."""
    rng = np.random.default_rng(seed)
    level = rng.beta(2.0, 4.0, count)

    def u() -> npt.NDArray[np.float64]:
        return rng.random(count)

    size = np.clip(rng.poisson(4.2, count), 1, 12)
    alone = (size == 1) & (u() < 0.55)
    elderly = np.where(alone, 1, np.minimum(rng.binomial(2, 0.15, count), size))
    dependants = np.minimum(rng.binomial(size, 0.45), size)
    out_of_school = np.minimum(rng.binomial(2, level * 0.35), size)
    single_parent = (size >= 2) & (u() < 0.03 + 0.25 * level)
    marital = np.where(single_parent, 2 + rng.integers(0, 3, count), np.where(size == 1, 1 + 2 * (u() < 0.6), 0))
    violence = u() < 0.01 + 0.06 * level

    tenure = _pick(rng, level, [0.3, 0.48, 0.62, 0.82])
    homeless = tenure == 4
    dwelling = np.where(
        homeless,
        5,
        np.where(level + rng.normal(0, 0.15, count) > 0.62, 2 + rng.integers(0, 3, count), rng.integers(0, 2, count)),
    )
    rooms = np.where(homeless, 0, np.clip(np.round(size / (1.2 + 2.5 * (1 - level)) + rng.integers(0, 2, count)), 1, 8))
    condition = _pick(rng, level, [0.45, 0.7])
    water, electricity, sanitation, heating = (_pick(rng, level, [0.5, 0.75]) for _ in range(4))
    for column in (water, electricity, sanitation, heating):
        column[homeless] = 2

    sources = {
        "salary": u() < 0.75 * (1 - level),
        "pension": (elderly > 0) & (u() < 0.6),
        "self_employed": u() < 0.1,
        "agriculture": u() < 0.06,
        "informal_work": u() < 0.5 * level,
        "social_allowance": u() < 0.4 * level,
        "family_support": u() < 0.3 * level,
    }
    source_mask = _mask(sources, "income.income_sources")
    income = np.where(source_mask == 0, 0, np.round(rng.lognormal(11.2, 0.5, count) * (1.15 - level), -2))
    unemployed = np.minimum(rng.binomial(2, level * 0.6), size)
    disabled = np.minimum(rng.binomial(size, 0.03 + 0.08 * level), size)
    allowances = {
        "afs": u() < 0.45 * level,
        "disability_allowance": (disabled > 0) & (u() < 0.5),
        "iaig": u() < 0.05,
        "dais": u() < 0.05,
        "unemployment_allowance": (unemployed > 0) & (u() < 0.3),
        "school_grant": (dependants > 0) & (u() < 0.5 * level),
        "other": u() < 0.02,
    }
    debts = _pick(rng, level, [0.45, 0.7])

    severity = np.where(disabled == 0, 0, 1 + rng.integers(0, 4, count))
    chronic = np.minimum(rng.binomial(size, 0.06 + 0.1 * level), size)
    dependency = np.where(severity + chronic > 0, _pick(rng, level, [0.4, 0.6, 0.8]), 0)
    coverage = np.where(sources["salary"] | sources["pension"], 0, 1 + (u() < 0.3))

    def codes(feature: str, index: Ints) -> list[str]:
        return np.asarray(ANSWERS[feature].codes, dtype=object)[index].tolist()

    columns = zip(
        size.tolist(),
        dependants.tolist(),
        codes("family.head_marital_status", marital),
        single_parent.tolist(),
        elderly.tolist(),
        alone.tolist(),
        out_of_school.tolist(),
        violence.tolist(),
        codes("housing.tenure", tenure),
        codes("housing.dwelling_type", dwelling),
        rooms.astype(np.int64).tolist(),
        codes("housing.condition", condition),
        codes("housing.water", water),
        codes("housing.electricity", electricity),
        codes("housing.sanitation", sanitation),
        codes("housing.cooking_heating", heating),
        income.astype(np.int64).tolist(),
        _lists("income.income_sources", source_mask),
        unemployed.tolist(),
        _lists("income.allowances", _mask(allowances, "income.allowances")),
        codes("income.debts", debts),
        codes("autonomy.disability_severity", severity),
        disabled.tolist(),
        chronic.tolist(),
        codes("autonomy.dependency_level", dependency),
        codes("autonomy.health_coverage", coverage),
        (rng.integers(0, 730 * 24, count)).tolist(),
        strict=True,
    )
    epoch = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        {
            "family": {
                "household_size": c[0],
                "dependants": c[1],
                "head_marital_status": c[2],
                "single_parent": c[3],
                "elderly_members": c[4],
                "elderly_living_alone": c[5],
                "children_out_of_school": c[6],
                "domestic_violence_signalled": c[7],
            },
            "housing": {
                "tenure": c[8],
                "dwelling_type": c[9],
                "rooms": c[10],
                "condition": c[11],
                "water": c[12],
                "electricity": c[13],
                "sanitation": c[14],
                "cooking_heating": c[15],
            },
            "income": {
                "monthly_income_dzd": c[16],
                "income_sources": list(c[17]),
                "unemployed_adults": c[18],
                "allowances": list(c[19]),
                "debts": c[20],
            },
            "autonomy": {
                "disability_severity": c[21],
                "members_with_disability": c[22],
                "chronic_illness_members": c[23],
                "dependency_level": c[24],
                "health_coverage": c[25],
            },
            "assessed_at": epoch + timedelta(hours=c[26]),
            "assessor": "synthetic",
        }
        for c in columns
    ]
