"""Synthetic household facts (``HouseholdFacts`` as dicts) for tests and the eligibility benchmark.

Plausible rather than realistic: household sizes, ages, categories, disabilities, incomes,
tenures and scores drawn so that every criterion of the reference programmes both
passes and fails often enough. No real person is described. Draws are made as arrays
up front, so a million households take seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from common.contracts.people import VULNERABLE_CATEGORIES

TENURES = ("owner", "tenant", "hosted", "precarious", "homeless")
SEVERITIES = ("mild", "moderate", "severe", "profound")
RELATIONSHIPS = ("spouse", "child", "child", "child", "parent", "other")
INCOMES = (0, 0, 5000, 12000, 20000, 35000, 60000)
BAND_EDGES = np.array([25.0, 50.0, 75.0])
BANDS = ("low", "moderate", "high", "extreme")


def facts(count: int, seed: int = 7, area: str = "/DZ/16/1601", start: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` households' facts, ids ``f"{start + i:024x}"`` (sortable like ObjectIds)."""
    rng = np.random.default_rng(seed)
    size_array = np.clip(rng.poisson(3.5, count), 1, 12)
    assessed_array = rng.random(count) < 0.8
    scored = (assessed_array & (rng.random(count) < 0.95)).tolist()
    score_array = np.round(rng.uniform(0, 100, count), 2)
    bands = np.searchsorted(BAND_EDGES, score_array, side="right").tolist()
    scores = score_array.tolist()
    sizes, assessed = size_array.tolist(), assessed_array.tolist()
    incomes = rng.choice(INCOMES, count).tolist()
    tenures = rng.integers(0, len(TENURES), count).tolist()

    total = int(size_array.sum())
    # plain lists: indexing them is several times faster than indexing numpy arrays
    ages = rng.integers(0, 90, total).tolist()
    age_known = (rng.random(total) > 0.03).tolist()
    female = (rng.random(total) < 0.5).tolist()
    relationships = rng.integers(0, len(RELATIONSHIPS), total).tolist()
    has_category = (rng.random(total) < 0.12).tolist()
    category = rng.integers(0, len(VULNERABLE_CATEGORIES), total).tolist()
    severity = rng.integers(0, len(SEVERITIES), total).tolist()
    percentage = rng.choice([50, 80, 100], total).tolist()

    offset = 0
    for i in range(count):
        household_id = f"{start + i:024x}"
        size = sizes[i]
        members: list[dict[str, Any]] = []
        for k in range(offset, offset + size):
            age = ages[k] if age_known[k] else None
            categories = {VULNERABLE_CATEGORIES[category[k]]} if has_category[k] else set()
            if age is not None and age >= 60:
                categories.add("elderly")
            disabled = "disability" in categories
            members.append(
                {
                    "person_key": f"{household_id}:{k - offset}",
                    "sex": "F" if female[k] else "M",
                    "age": age,
                    "relationship": "head" if k == offset else RELATIONSHIPS[relationships[k]],
                    "categories": sorted(categories),
                    "disability_severity": SEVERITIES[severity[k]] if disabled else None,
                    "disability_percentage": percentage[k] if disabled else None,
                }
            )
        offset += size
        income = incomes[i] if assessed[i] else None
        yield {
            "household_id": household_id,
            "area": area,
            "status": "active",
            "as_of": "2026-01-15",
            "members_count": size,
            "members": members,
            "categories": sorted({c for m in members for c in m["categories"]}),
            "score": scores[i] if scored[i] else None,
            "band": BANDS[bands[i]] if scored[i] else None,
            "score_model": "v1" if scored[i] else None,
            "assessed": assessed[i],
            "monthly_income_dzd": income,
            "income_per_member_dzd": round(income / size, 2) if income is not None else None,
            "tenure": TENURES[tenures[i]] if assessed[i] else None,
            "related_households": [],
        }
