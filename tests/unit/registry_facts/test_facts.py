"""Household facts: ages, current categories, income per member, and nothing personal."""

from __future__ import annotations

from datetime import date
from typing import Any

from common.contracts.facts import HouseholdFacts
from registry.facts import age_on, household_facts

DAY = date(2026, 6, 15)

STORED: dict[str, Any] = {
    "_id": "66b0c2f1e4a1b2c3d4e5f601",
    "area": "/DZ/16/1601",
    "status": "active",
    "members": [
        {
            "given_name_lat": "Zohra",
            "family_name_lat": "Saadi",
            "sex": "F",
            "birth_date": "1950-06-16",
            "relationship": "head",
            "phone": "+213550112233",
            "national_id_hash": "h" * 64,
            "categories": [
                {"category": "elderly", "valid_from": "2010-06-16"},
                {"category": "indigent", "valid_from": "2020-01-01", "valid_until": "2026-06-14"},
                {"category": "woman_in_difficulty", "valid_from": "2026-07-01"},
            ],
            "disability": {"type": "motor", "severity": "severe", "percentage": 80},
        },
        {"given_name_lat": "Amel", "family_name_lat": "Saadi", "sex": "F", "birth_year": 2010, "relationship": "child"},
    ],
    "assessment": {"income": {"monthly_income_dzd": 9000}, "housing": {"tenure": "hosted"}},
    "score": {"model_version": "v2", "score": 71.5, "band": "high"},
}


def test_ages_count_completed_years_and_a_year_alone_is_a_lower_bound() -> None:
    assert age_on({"birth_date": "1950-06-16"}, DAY) == 75  # birthday tomorrow
    assert age_on({"birth_date": "1950-06-15"}, DAY) == 76
    assert age_on({"birth_year": 2010}, DAY) == 15
    assert age_on({}, DAY) is None


def test_facts_keep_what_decisions_need_and_only_current_categories() -> None:
    facts = HouseholdFacts.model_validate(household_facts(STORED, DAY, ["b", "a"]))
    head, child = facts.members
    assert head.categories == ["elderly"]  # indigent ended yesterday, the other starts next month
    assert head.disability_severity == "severe" and head.disability_percentage == 80
    assert (head.age, child.age) == (75, 15)
    assert facts.categories == ["elderly"] and facts.members_count == 2
    assert facts.income_per_member_dzd == 4500 and facts.tenure == "hosted"
    assert (facts.score, facts.band, facts.score_model, facts.assessed) == (71.5, "high", "v2", True)
    assert facts.related_households == ["a", "b"]


def test_no_name_phone_or_national_id_leaves() -> None:
    text = repr(household_facts(STORED, DAY))
    for personal in ("Zohra", "Saadi", "+213550112233", "h" * 64):
        assert personal not in text


def test_an_unassessed_household_has_no_income_facts() -> None:
    bare = {"_id": "x", "area": "/DZ/31/3101", "members": [STORED["members"][1]]}
    facts = household_facts(bare, DAY)
    assert facts["assessed"] is False and facts["income_per_member_dzd"] is None and facts["score"] is None
