"""Household facts and rules for the eligibility tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from common.contracts.facts import HouseholdFacts


def member(**overrides: Any) -> dict[str, Any]:
    return {
        "person_key": "h1:0",
        "sex": "F",
        "age": 40,
        "relationship": "head",
        "categories": [],
        "disability_severity": None,
        "disability_percentage": None,
        **overrides,
    }


@pytest.fixture
def household() -> Callable[..., HouseholdFacts]:
    """Facts of a household of a 40-year-old woman and two children, assessed and scored; override any field."""

    def make(**overrides: Any) -> HouseholdFacts:
        members = overrides.pop(
            "members",
            [
                member(),
                member(person_key="h1:1", age=12, relationship="child", sex="M"),
                member(person_key="h1:2", age=7, relationship="child"),
            ],
        )
        data: dict[str, Any] = {
            "household_id": "h1",
            "area": "/DZ/16/1601",
            "status": "active",
            "as_of": "2026-01-15",
            "members_count": len(members),
            "members": members,
            "categories": sorted({c for m in members for c in m["categories"]}),
            "score": 62.5,
            "band": "high",
            "score_model": "v1",
            "assessed": True,
            "monthly_income_dzd": 9000,
            "income_per_member_dzd": 3000.0,
            "tenure": "tenant",
            **overrides,
        }
        return HouseholdFacts.model_validate(data)

    return make


def at(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)
