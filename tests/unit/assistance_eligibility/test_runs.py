"""An eligibility run over pages: counts, failures per criterion, eligible households in chunks."""

from __future__ import annotations

from assistance.adapters.programmes import reference_programmes
from assistance.eligibility import AmountFormula, amount_for, as_rule_set, evaluate
from assistance.eligibility.runs import run_eligibility
from common.contracts.facts import HouseholdFacts, facts_to_columns
from synthetic.facts import facts

AFS = next(p for p in reference_programmes() if p["code"] == "afs")
RULES = as_rule_set({**AFS["rules"], "version": 1})
FORMULA = AmountFormula.model_validate(AFS["formula"])


def test_run_counts_and_chunks() -> None:
    households = list(facts(2500, seed=3))
    saved: list[tuple[int, list[str], list[int]]] = []
    progress: list[int] = []
    pages = [facts_to_columns(households[i : i + 700]) for i in range(0, len(households), 700)]
    pages.append(facts_to_columns([]))
    result = run_eligibility(
        pages,
        RULES,
        FORMULA,
        lambda n, ids, amounts: saved.append((n, ids, amounts)),
        lambda state: progress.append(state["households"]),
        chunk_size=100,
    )
    parsed = [HouseholdFacts.model_validate(h) for h in households]
    explained = [evaluate(RULES, h) for h in parsed]
    expected = [h.household_id for h, r in zip(parsed, explained, strict=True) if r.eligible]
    assert result["households"] == 2500
    assert result["eligible"] == len(expected) > 100
    assert result["not_eligible"] == 2500 - len(expected)
    assert result["rules_version"] == 1
    for criterion in RULES.criteria:
        assert result["failed_by"][criterion.id] == sum(
            1 for r in explained if not next(c.passed for c in r.criteria if c.id == criterion.id)
        )
    assert [n for n, _, _ in saved] == list(range(len(saved))) == list(range(result["chunks"]))
    assert all(len(ids) == 100 for _, ids, _ in saved[:-1])
    assert 0 < len(saved[-1][1]) <= 100
    assert [i for _, ids, _ in saved for i in ids] == expected
    by_id = {h.household_id: h for h in parsed}
    assert [a for _, _, amounts in saved for a in amounts] == [amount_for(FORMULA, by_id[i]) for i in expected]
    assert result["amount_dzd"] == sum(amount_for(FORMULA, by_id[i]) for i in expected)
    assert progress == [700, 1400, 2100, 2500]


def test_a_run_over_nothing_saves_nothing() -> None:
    saved: list[int] = []
    result = run_eligibility(iter([]), RULES, FORMULA, lambda n, ids, amounts: saved.append(n))
    assert (result["households"], result["eligible"], result["chunks"], saved) == (0, 0, 0, [])
