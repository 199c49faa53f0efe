"""The column evaluation (eligibility runs) agrees with the explained one, household by household."""

from __future__ import annotations

import numpy as np
import pytest

from assistance.adapters.programmes import reference_programmes
from assistance.eligibility import AmountFormula, RuleSet, amount_for, as_rule_set, evaluate
from assistance.eligibility.columns import amounts, evaluate_columns, to_columns
from common.contracts.facts import HouseholdFacts, facts_to_columns
from synthetic.facts import facts

HOUSEHOLDS = list(facts(3000, seed=11))
PARSED = [HouseholdFacts.model_validate(f) for f in HOUSEHOLDS]
COLUMNS = to_columns(facts_to_columns(HOUSEHOLDS))
REFERENCE = {p["code"]: p for p in reference_programmes()}


@pytest.mark.parametrize("code", sorted(REFERENCE))
def test_reference_programmes_agree(code: str) -> None:
    programme = REFERENCE[code]
    rules = as_rule_set({**programme["rules"], "version": 1})
    formula = AmountFormula.model_validate(programme["formula"])
    eligible, by_criterion = evaluate_columns(rules, COLUMNS)
    explained = [evaluate(rules, f) for f in PARSED]
    assert eligible.tolist() == [r.eligible for r in explained]
    for criterion in rules.criteria:
        assert by_criterion[criterion.id].tolist() == [
            next(c.passed for c in r.criteria if c.id == criterion.id) for r in explained
        ]
    assert amounts(formula, COLUMNS).tolist() == [amount_for(formula, f) for f in PARSED]
    # the synthetic data exercise both outcomes of every criterion (every household is registered)
    for criterion_id, passed in by_criterion.items():
        assert 0 < np.count_nonzero(passed) <= len(PARSED) - (criterion_id != "registered_household")


def test_every_kind_of_criterion_agrees() -> None:
    labels = {"label_fr": "Critère", "label_ar": "معيار"}
    rules = RuleSet.model_validate(
        {
            "version": 1,
            "activated_at": "2025-01-01T00:00:00Z",
            "criteria": [
                {"kind": "score_at_least", "id": "score", "min_score": 30, **labels},
                {"kind": "band_in", "id": "band", "bands": ["moderate", "high"], **labels},
                {"kind": "category_any", "id": "cat", "categories": ["elderly", "indigent"], **labels},
                {
                    "kind": "category_any",
                    "id": "head_cat",
                    "scope": "member",
                    "relationships": ["head"],
                    "categories": ["disability", "woman_in_difficulty"],
                    **labels,
                },
                {"kind": "member_age_between", "id": "girl", "min_age": 6, "max_age": 18, "sex": "F", **labels},
                {"kind": "members_between", "id": "size", "min_members": 2, "max_members": 5, **labels},
                {"kind": "income_per_member_at_most", "id": "income", "max_dzd": 4000, **labels},
                {"kind": "tenure_in", "id": "tenure", "tenures": ["hosted", "precarious"], **labels},
                {
                    "kind": "disability_severity_at_least",
                    "id": "dis",
                    "severity": "moderate",
                    "min_percentage": 80,
                    **labels,
                },
                {"kind": "assessed", "id": "assessed", **labels},
            ],
        }
    )
    _, by_criterion = evaluate_columns(rules, COLUMNS)
    for household, row in zip(PARSED, range(len(PARSED)), strict=True):
        explained = evaluate(rules, household)
        assert [c.passed for c in explained.criteria] == [bool(by_criterion[c.id][row]) for c in rules.criteria]
    formula = AmountFormula.model_validate(
        {
            "base_dzd": 1000,
            "per_member_dzd": 300,
            "members_in_base": 2,
            "max_counted_members": 3,
            "per_category_dzd": {"elderly": 700, "disability": 900},
            "per_age_dzd": [{"min_age": 0, "max_age": 5, "amount_dzd": 400}],
            "cap_dzd": 5000,
        }
    )
    assert amounts(formula, COLUMNS).tolist() == [amount_for(formula, f) for f in PARSED]


def test_no_households_gives_empty_columns() -> None:
    empty = to_columns(facts_to_columns([]))
    rules = as_rule_set({**REFERENCE["afs"]["rules"], "version": 1})
    eligible, _ = evaluate_columns(rules, empty)
    assert eligible.tolist() == []
