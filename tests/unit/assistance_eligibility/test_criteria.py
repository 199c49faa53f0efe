"""Every criterion passes and fails for the right reason, told in French and Arabic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from assistance.eligibility import Criterion, RuleSet, evaluate
from common.contracts.facts import HouseholdFacts
from tests.unit.assistance_eligibility.conftest import at, member

CRITERION: TypeAdapter[Any] = TypeAdapter(Criterion)
LABELS = {"label_fr": "Critère d'essai", "label_ar": "معيار تجريبي"}


def check(facts: HouseholdFacts, **criterion: Any) -> Any:
    rules = RuleSet(
        version=1, activated_at=at(2025), criteria=[CRITERION.validate_python({"id": "crit", **LABELS, **criterion})]
    )
    result = evaluate(rules, facts, programme_code="p")
    assert result.programme_code == "p"
    assert result.household_id == facts.household_id
    assert result.rules_version == 1
    (only,) = result.criteria
    assert result.eligible is only.passed
    verdict_fr, verdict_ar = ("satisfait", "مستوفى") if only.passed else ("non satisfait", "غير مستوفى")
    assert only.reason_fr.startswith(f"Critère d'essai : {verdict_fr} (")
    assert only.reason_ar.startswith(f"معيار تجريبي: {verdict_ar} (")
    return only


def test_score_at_least(household: Callable[..., HouseholdFacts]) -> None:
    assert check(household(score=62.5), kind="score_at_least", min_score=60).passed
    failed = check(household(score=42.0), kind="score_at_least", min_score=60)
    assert (failed.passed, failed.value) == (False, 42.0)
    assert "score 42, seuil 60" in failed.reason_fr
    assert "النقطة 42، العتبة 60" in failed.reason_ar
    unscored = check(household(score=None, band=None), kind="score_at_least", min_score=0)
    assert not unscored.passed
    assert "non évalué" in unscored.reason_fr
    assert "غير مقيّمة" in unscored.reason_ar


def test_band_in(household: Callable[..., HouseholdFacts]) -> None:
    assert check(household(band="high"), kind="band_in", bands=["high", "extreme"]).passed
    failed = check(household(band="low"), kind="band_in", bands=["high", "extreme"])
    assert not failed.passed
    assert "attendue : élevée, extrême" in failed.reason_fr
    assert "مرتفعة، قصوى" in failed.reason_ar
    assert not check(household(band=None, score=None), kind="band_in", bands=["low"]).passed


def test_category_any_in_the_household(household: Callable[..., HouseholdFacts]) -> None:
    elderly = household(members=[member(age=70, categories=["elderly"])])
    passed = check(elderly, kind="category_any", categories=["elderly", "disability"])
    assert passed.passed
    assert passed.value == ["elderly"]
    assert "catégories : personne âgée ;" in passed.reason_fr and "شخص مسن" in passed.reason_ar
    failed = check(household(), kind="category_any", categories=["elderly"])
    assert not failed.passed
    assert "catégories : aucune" in failed.reason_fr
    assert "الفئات: لا شيء" in failed.reason_ar


def test_category_any_for_a_member_with_a_relationship(household: Callable[..., HouseholdFacts]) -> None:
    child_in_difficulty = household(
        members=[member(), member(person_key="h1:1", relationship="child", age=16, categories=["woman_in_difficulty"])]
    )
    criterion = {"kind": "category_any", "scope": "member", "categories": ["woman_in_difficulty"]}
    assert check(child_in_difficulty, **criterion).passed
    assert not check(child_in_difficulty, **criterion, relationships=["head"]).passed
    head = household(members=[member(categories=["woman_in_difficulty"])])
    assert check(head, **criterion, relationships=["head"]).passed


def test_member_age_between(household: Callable[..., HouseholdFacts]) -> None:
    passed = check(household(), kind="member_age_between", min_age=6, max_age=18)
    assert (passed.passed, passed.value) == (True, 2)
    assert "2 membre(s) de 6 à 18 ans" in passed.reason_fr
    assert not check(household(), kind="member_age_between", min_age=60, max_age=130).passed
    boys = check(household(), kind="member_age_between", min_age=6, max_age=18, sex="M")
    assert boys.value == 1
    unknown_age = household(members=[member(age=None)])
    assert not check(unknown_age, kind="member_age_between", min_age=0, max_age=130).passed


def test_members_between(household: Callable[..., HouseholdFacts]) -> None:
    assert check(household(), kind="members_between", min_members=3, max_members=3).passed
    failed = check(household(), kind="members_between", min_members=4)
    assert (failed.passed, failed.value) == (False, 3)
    assert "attendu au moins 4" in failed.reason_fr
    assert "المطلوب على الأقل 4" in failed.reason_ar
    assert not check(household(), kind="members_between", min_members=1, max_members=2).passed


def test_income_per_member_at_most(household: Callable[..., HouseholdFacts]) -> None:
    assert check(household(income_per_member_dzd=3000.0), kind="income_per_member_at_most", max_dzd=3000).passed
    failed = check(household(income_per_member_dzd=3000.5), kind="income_per_member_at_most", max_dzd=3000)
    assert not failed.passed
    assert "plafond 3,000 DA" in failed.reason_fr
    unknown = check(
        household(monthly_income_dzd=None, income_per_member_dzd=None), kind="income_per_member_at_most", max_dzd=10**6
    )
    assert not unknown.passed
    assert "revenu non évalué" in unknown.reason_fr
    assert "الدخل غير مقيّم" in unknown.reason_ar


def test_tenure_in(household: Callable[..., HouseholdFacts]) -> None:
    assert check(household(tenure="precarious"), kind="tenure_in", tenures=["precarious", "homeless"]).passed
    failed = check(household(tenure="owner"), kind="tenure_in", tenures=["precarious", "homeless"])
    assert (failed.passed, failed.value) == (False, "owner")
    assert not check(household(tenure=None), kind="tenure_in", tenures=["owner"]).passed


def test_disability_severity_at_least(household: Callable[..., HouseholdFacts]) -> None:
    def with_disability(severity: str, percentage: int | None) -> HouseholdFacts:
        disabled = member(
            person_key="h1:1",
            relationship="child",
            categories=["disability"],
            disability_severity=severity,
            disability_percentage=percentage,
        )
        return household(members=[member(), disabled])

    full = {"kind": "disability_severity_at_least", "severity": "severe", "min_percentage": 100}
    passed = check(with_disability("profound", 100), **full)
    assert (passed.passed, passed.value) == (True, "profound")
    assert not check(with_disability("profound", 80), **full).passed
    assert not check(with_disability("moderate", 100), **full).passed
    failed = check(household(), **full)
    assert "aucun membre avec un handicap sévère, 100 % au moins" in failed.reason_fr
    assert "شديدة" in failed.reason_ar
    assert check(with_disability("mild", None), kind="disability_severity_at_least").passed


def test_assessed(household: Callable[..., HouseholdFacts]) -> None:
    assert check(household(), kind="assessed").passed
    failed = check(household(assessed=False), kind="assessed")
    assert failed.reason_fr.endswith("(pas d'enquête sociale)")
    assert failed.reason_ar.endswith("(لا يوجد تحقيق اجتماعي)")


def test_every_criterion_is_reported_even_after_a_failure(household: Callable[..., HouseholdFacts]) -> None:
    rules = RuleSet.model_validate(
        {
            "version": 3,
            "activated_at": "2025-01-01T00:00:00+01:00",
            "criteria": [
                {"kind": "score_at_least", "id": "score", "min_score": 90, **LABELS},
                {"kind": "assessed", "id": "assessed", **LABELS},
                {"kind": "tenure_in", "id": "tenure", "tenures": ["homeless"], **LABELS},
            ],
        }
    )
    result = evaluate(rules, household())
    assert [c.id for c in result.criteria] == ["score", "assessed", "tenure"]
    assert result.failed == ["score", "tenure"]
    assert not result.eligible
    assert result.rules_version == 3


@pytest.mark.parametrize(
    "criterion",
    [
        {"kind": "score_at_least", "id": "crit", "min_score": 101},
        {"kind": "band_in", "id": "crit", "bands": []},
        {"kind": "category_any", "id": "crit", "categories": ["unknown"]},
        {"kind": "category_any", "id": "crit", "categories": ["elderly"], "relationships": ["head"]},
        {"kind": "member_age_between", "id": "crit", "min_age": 20, "max_age": 10},
        {"kind": "members_between", "id": "crit", "min_members": 5, "max_members": 2},
        {"kind": "tenure_in", "id": "crit", "tenures": ["castle"]},
        {"kind": "disability_severity_at_least", "id": "crit", "severity": "total"},
        {"kind": "assessed", "id": "Bad id"},
        {"kind": "no_such_kind", "id": "crit"},
        {"kind": "assessed", "id": "crit", "extra": 1},
    ],
)
def test_malformed_criteria_are_refused(criterion: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CRITERION.validate_python({**LABELS, **criterion})


def test_a_well_formed_criterion_is_accepted() -> None:
    """The refusals above are for the reason each case names, not for a bad id or label."""
    assert CRITERION.validate_python({**LABELS, "kind": "assessed", "id": "crit"}).id == "crit"
