"""Fixtures of the scoring tests: the shipped models and hand-written assessments."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from common.contracts.assessment import Assessment
from registry.scoring.model import ScoringModel, builtin_models

# A salaried couple with two children, owners of a connected apartment.
SALARIED_OWNERS: dict[str, Any] = {
    "family": {
        "household_size": 4,
        "dependants": 2,
        "head_marital_status": "married",
        "single_parent": False,
        "elderly_members": 0,
        "elderly_living_alone": False,
        "children_out_of_school": 0,
        "domestic_violence_signalled": False,
    },
    "housing": {
        "tenure": "owner",
        "dwelling_type": "apartment",
        "rooms": 3,
        "condition": "good",
        "water": "network",
        "electricity": "network",
        "sanitation": "sewer",
        "cooking_heating": "natural_gas",
    },
    "income": {
        "monthly_income_dzd": 95_000,
        "income_sources": ["salary"],
        "unemployed_adults": 0,
        "allowances": ["school_grant"],
        "debts": "none",
    },
    "autonomy": {
        "disability_severity": "none",
        "members_with_disability": 0,
        "chronic_illness_members": 0,
        "dependency_level": "autonomous",
        "health_coverage": "social_security",
    },
    "assessed_at": datetime(2025, 3, 2, 10, 30, tzinfo=UTC),
    "assessor": "worker.1601",
}

# A widow of 78 sleeping rough, without income, papers or health cover.
HOMELESS_ELDER: dict[str, Any] = {
    **SALARIED_OWNERS,
    "family": {
        "household_size": 1,
        "dependants": 0,
        "head_marital_status": "widowed",
        "single_parent": False,
        "elderly_members": 1,
        "elderly_living_alone": True,
        "children_out_of_school": 0,
        "domestic_violence_signalled": False,
    },
    "housing": {
        "tenure": "homeless",
        "dwelling_type": "none",
        "rooms": 0,
        "condition": "good",
        "water": "none",
        "electricity": "none",
        "sanitation": "none",
        "cooking_heating": "none",
    },
    "income": {
        "monthly_income_dzd": 0,
        "income_sources": [],
        "unemployed_adults": 0,
        "allowances": [],
        "debts": "none",
    },
    "autonomy": {
        "disability_severity": "none",
        "members_with_disability": 0,
        "chronic_illness_members": 0,
        "dependency_level": "autonomous",
        "health_coverage": "none",
    },
}


def with_answers(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``base`` with ``dimension__field=value`` answers replaced."""
    data = copy.deepcopy(base)
    for key, value in changes.items():
        dimension, name = key.split("__")
        data[dimension][name] = value
    return data


@pytest.fixture(scope="session")
def models() -> dict[str, ScoringModel]:
    return builtin_models()


@pytest.fixture
def assess() -> Callable[..., Assessment]:
    def make(base: dict[str, Any] = SALARIED_OWNERS, **changes: Any) -> Assessment:
        return Assessment.model_validate(with_answers(base, **changes))

    return make
