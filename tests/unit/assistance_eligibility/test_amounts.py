"""Amount formulas: base, per member, per category, per age, caps; in-kind quantities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from assistance.eligibility import AmountFormula, amount_for, items_for
from common.contracts.facts import HouseholdFacts
from tests.unit.assistance_eligibility.conftest import member


def formula(**fields: Any) -> AmountFormula:
    return AmountFormula.model_validate(fields)


def test_base_and_per_member(household: Callable[..., HouseholdFacts]) -> None:
    three = household()
    assert amount_for(formula(base_dzd=3000), three) == 3000
    assert amount_for(formula(base_dzd=3000, per_member_dzd=120), three) == 3000 + 3 * 120
    assert amount_for(formula(base_dzd=3000, per_member_dzd=120, members_in_base=1), three) == 3000 + 2 * 120
    assert amount_for(formula(per_member_dzd=100, members_in_base=5), three) == 0


def test_counted_members_are_limited(household: Callable[..., HouseholdFacts]) -> None:
    eight = household(members=[member(person_key=f"h1:{i}") for i in range(8)])
    afs = formula(base_dzd=3000, per_member_dzd=120, members_in_base=1, max_counted_members=4)
    assert amount_for(afs, eight) == 3000 + 4 * 120


def test_per_category_and_per_age_supplements(household: Callable[..., HouseholdFacts]) -> None:
    facts = household(
        members=[
            member(categories=["disability"], disability_severity="severe", disability_percentage=100),
            member(person_key="h1:1", age=8, categories=["disability"]),
            member(person_key="h1:2", age=15),
            member(person_key="h1:3", age=None),
        ]
    )
    assert amount_for(formula(per_category_dzd={"disability": 10000}), facts) == 20000
    school = formula(per_age_dzd=[{"min_age": 6, "max_age": 18, "amount_dzd": 5000}])
    assert amount_for(school, facts) == 10000


def test_the_cap_applies_last(household: Callable[..., HouseholdFacts]) -> None:
    capped = formula(base_dzd=10000, per_member_dzd=2000, members_in_base=1, cap_dzd=11000)
    assert amount_for(capped, household()) == 11000
    assert amount_for(formula(base_dzd=10000, cap_dzd=0), household()) == 0
    assert amount_for(formula(base_dzd=500, cap_dzd=11000), household()) == 500


def test_in_kind_items_scale_with_the_household(household: Callable[..., HouseholdFacts]) -> None:
    basket = formula(
        base_dzd=7000,
        in_kind_items=[
            {
                "item": "semolina",
                "label_fr": "Semoule",
                "label_ar": "سميد",
                "unit": "kg",
                "quantity": 10,
                "per_member_quantity": 2,
            },
            {"item": "oil", "label_fr": "Huile", "label_ar": "زيت", "unit": "l", "quantity": 5},
        ],
    )
    items = items_for(basket, household())
    assert [(i["item"], i["quantity"]) for i in items] == [("semolina", 16), ("oil", 5)]
    assert items[0]["label_ar"] == "سميد"
    assert items_for(formula(base_dzd=1), household()) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"base_dzd": -1},
        {"cap_dzd": -5},
        {"per_category_dzd": {"disability": -100}},
        {"per_category_dzd": {"rich": 100}},
        {"per_age_dzd": [{"min_age": 18, "max_age": 6, "amount_dzd": 1}]},
        {"in_kind_items": [{"item": "x y", "label_fr": "X", "label_ar": "س", "unit": "kg"}]},
        {"unknown": 1},
    ],
)
def test_malformed_formulas_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        formula(**fields)
