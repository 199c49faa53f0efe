"""The assessment contract refuses answers that contradict each other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from common.contracts.assessment import Assessment
from registry.scoring.features import ANSWERS, FEATURES
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER, SALARIED_OWNERS


@pytest.mark.parametrize(
    ("base", "changes", "reason"),
    [
        (SALARIED_OWNERS, {"housing__tenure": "homeless"}, "dwelling_type is 'none' exactly when"),
        (HOMELESS_ELDER, {"housing__rooms": 1}, "a homeless household has no rooms"),
        (SALARIED_OWNERS, {"family__elderly_living_alone": True}, "elderly person living alone"),
        (SALARIED_OWNERS, {"family__children_out_of_school": 5}, "children_out_of_school exceeds household_size"),
        (SALARIED_OWNERS, {"income__income_sources": []}, "an income needs at least one income source"),
        (SALARIED_OWNERS, {"income__allowances": ["afs", "afs"]}, "codes must not repeat"),
        (SALARIED_OWNERS, {"income__unemployed_adults": 5}, "income.unemployed_adults exceeds family.household_size"),
        (SALARIED_OWNERS, {"autonomy__disability_severity": "severe"}, "disability_severity is 'none' exactly when"),
        (SALARIED_OWNERS, {"housing__tenure": "squat"}, "Input should be"),
        (SALARIED_OWNERS, {"income__monthly_income_dzd": -1}, "greater than or equal to 0"),
    ],
)
def test_contradictions_are_refused(
    assess: Callable[..., Assessment], base: dict[str, Any], changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        assess(base, **changes)


def test_unknown_answers_are_refused(assess: Callable[..., Assessment]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        assess(SALARIED_OWNERS, housing__garden=True)


def test_every_answer_is_a_feature() -> None:
    assert set(ANSWERS) == {
        f"{dimension}.{name}"
        for dimension in ("family", "housing", "income", "autonomy")
        for name in Assessment.model_fields[dimension].annotation.model_fields
    }
    assert FEATURES["housing.tenure"].codes == ("owner", "tenant", "hosted", "precarious", "homeless")
    assert FEATURES["family.household_size"].bounds == (1, 30)
    assert FEATURES["income.income_per_person_dzd"].derived
