"""Eligibility of a household for a programme, and the amount it would receive.

A programme's eligibility rules are a :class:`RuleSet`: declarative criteria, all of
which must pass, published as numbered versions with an activation date. A version is
never edited once published; a change is a new version, and :func:`rules_in_force`
picks the one that applied on a given day, so a decision can always be explained with
the rules it was taken under. :func:`evaluate` checks every criterion (it does not stop
at the first failure) and gives a reason per criterion in French and Arabic.

:class:`AmountFormula` says what a household receives: a base, a supplement per member
and per member of a category, a cap; in-kind programmes list their items too.

The models live in ``common.contracts.programmes`` (the gateway shows them); this module is
pure: no nameko, no database. ``assistance.eligibility.columns`` does the
same evaluation over whole columns of households with numpy (eligibility runs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from common.contracts.facts import HouseholdFacts, MemberFacts
from common.contracts.labels import label, labels
from common.contracts.programmes import (
    AgeSupplement,
    AmountFormula,
    Assessed,
    BandIn,
    CategoryAny,
    Criterion,
    CriterionResult,
    CriterionValue,
    DisabilitySeverityAtLeast,
    EligibilityResult,
    IncomePerMemberAtMost,
    InKindItem,
    MemberAgeBetween,
    MembersBetween,
    RuleSet,
    ScoreAtLeast,
    TenureIn,
)
from common.errors import Conflict

__all__ = [
    "SEVERITY_ORDER",
    "AgeSupplement",
    "AmountFormula",
    "Assessed",
    "BandIn",
    "CategoryAny",
    "Criterion",
    "CriterionResult",
    "DisabilitySeverityAtLeast",
    "EligibilityResult",
    "InKindItem",
    "IncomePerMemberAtMost",
    "MemberAgeBetween",
    "MembersBetween",
    "RuleSet",
    "ScoreAtLeast",
    "TenureIn",
    "amount_for",
    "as_rule_set",
    "counted_members",
    "evaluate",
    "items_for",
    "programme_formula",
    "programme_versions",
    "rules_in_force",
]

SEVERITY_ORDER: dict[str, int] = {"mild": 1, "moderate": 2, "severe": 3, "profound": 4}
"""Disability severities from the lightest; a criterion asks for one at least this heavy."""


def programme_versions(programme: Mapping[str, Any]) -> list[RuleSet]:
    """The rule versions of a programme as the repository returns it (``get(code)``)."""
    return [as_rule_set(v) for v in programme.get("rules_versions") or []]


def as_rule_set(stored: Mapping[str, Any]) -> RuleSet:
    """A stored version (which also says who published it and when) as the rules alone."""
    return RuleSet.model_validate({k: v for k, v in stored.items() if k in RuleSet.model_fields})


def programme_formula(programme: Mapping[str, Any]) -> AmountFormula:
    """The amount formula of a programme as the repository returns it."""
    return AmountFormula.model_validate(programme.get("formula") or {})


def rules_in_force(versions: Sequence[RuleSet], at: datetime) -> RuleSet:
    """The latest version activated at or before ``at``.

    Raises :class:`common.errors.Conflict` (``reason: no_rules_in_force``) if none was.
    """
    candidates = [v for v in versions if v.activated_at <= at]
    if not candidates:
        raise Conflict("the programme has no eligibility rules in force", {"reason": "no_rules_in_force"})
    return max(candidates, key=lambda v: (v.activated_at, v.version))


def evaluate(rules: RuleSet, facts: HouseholdFacts, *, programme_code: str = "") -> EligibilityResult:
    """Check every criterion of ``rules`` against ``facts``; eligible iff all pass."""
    results = [_check(criterion, facts) for criterion in rules.criteria]
    return EligibilityResult(
        programme_code=programme_code,
        household_id=facts.household_id,
        rules_version=rules.version,
        eligible=all(r.passed for r in results),
        criteria=results,
    )


def counted_members(formula: AmountFormula, members_count: int) -> int:
    """Members the per-member supplement is paid for."""
    extra = max(members_count - formula.members_in_base, 0)
    return extra if formula.max_counted_members is None else min(extra, formula.max_counted_members)


def amount_for(formula: AmountFormula, facts: HouseholdFacts) -> int:
    """The household's amount in DZD under ``formula`` (capped)."""
    amount = formula.base_dzd + formula.per_member_dzd * counted_members(formula, facts.members_count)
    for category, supplement in formula.per_category_dzd.items():
        amount += supplement * sum(1 for m in facts.members if category in m.categories)
    for band in formula.per_age_dzd:
        amount += band.amount_dzd * sum(
            1 for m in facts.members if m.age is not None and band.min_age <= m.age <= band.max_age
        )
    return amount if formula.cap_dzd is None else min(amount, formula.cap_dzd)


def items_for(formula: AmountFormula, facts: HouseholdFacts) -> list[dict[str, Any]]:
    """The in-kind items the household receives, with quantities for its size."""
    return [
        {
            "item": item.item,
            "label_fr": item.label_fr,
            "label_ar": item.label_ar,
            "unit": item.unit,
            "quantity": item.quantity + item.per_member_quantity * facts.members_count,
        }
        for item in formula.in_kind_items
    ]


def _result(criterion: Criterion, passed: bool, value: CriterionValue, fr: str, ar: str) -> CriterionResult:
    verdict_fr = "satisfait" if passed else "non satisfait"
    verdict_ar = "مستوفى" if passed else "غير مستوفى"
    return CriterionResult(
        id=criterion.id,
        kind=criterion.kind,
        passed=passed,
        value=value,
        reason_fr=f"{criterion.label_fr} : {verdict_fr} ({fr})",
        reason_ar=f"{criterion.label_ar}: {verdict_ar} ({ar})",
    )


def _member_matches(member: MemberFacts, c: CategoryAny) -> bool:
    return any(cat in member.categories for cat in c.categories) and (
        c.relationships is None or member.relationship in c.relationships
    )


def _check(criterion: Criterion, facts: HouseholdFacts) -> CriterionResult:
    c = criterion
    if isinstance(c, ScoreAtLeast):
        if facts.score is None:
            return _result(c, False, None, "ménage non évalué", "الأسرة غير مقيّمة")
        ok = facts.score >= c.min_score
        return _result(
            c,
            ok,
            facts.score,
            f"score {facts.score:g}, seuil {c.min_score:g}",
            f"النقطة {facts.score:g}، العتبة {c.min_score:g}",
        )
    if isinstance(c, BandIn):
        if facts.band is None:
            return _result(c, False, None, "ménage non évalué", "الأسرة غير مقيّمة")
        ok = facts.band in c.bands
        return _result(
            c,
            ok,
            facts.band,
            f"vulnérabilité {label(facts.band, 'fr')}, attendue : {labels(c.bands, 'fr')}",
            f"الهشاشة {label(facts.band, 'ar')}، المطلوب: {labels(c.bands, 'ar')}",
        )
    if isinstance(c, CategoryAny):
        if c.scope == "household":
            found = sorted(set(facts.categories) & set(c.categories))
        else:
            found = sorted(
                {cat for m in facts.members if _member_matches(m, c) for cat in m.categories if cat in c.categories}
            )
        seen = labels(found, "fr") or "aucune"
        seen_ar = labels(found, "ar") or "لا شيء"
        return _result(
            c,
            bool(found),
            found,
            f"catégories : {seen} ; attendues : {labels(c.categories, 'fr')}",
            f"الفئات: {seen_ar}؛ المطلوب: {labels(c.categories, 'ar')}",
        )
    if isinstance(c, MemberAgeBetween):
        n = sum(
            1
            for m in facts.members
            if m.age is not None and c.min_age <= m.age <= c.max_age and (c.sex is None or m.sex == c.sex)
        )
        return _result(
            c,
            n > 0,
            n,
            f"{n} membre(s) de {c.min_age} à {c.max_age} ans",
            f"{n} فرد(أفراد) بين {c.min_age} و{c.max_age} سنة",
        )
    if isinstance(c, MembersBetween):
        n = facts.members_count
        upper = c.max_members if c.max_members is not None else n
        ok = c.min_members <= n <= upper
        bound_fr = f"de {c.min_members} à {c.max_members}" if c.max_members is not None else f"au moins {c.min_members}"
        bound_ar = (
            f"من {c.min_members} إلى {c.max_members}" if c.max_members is not None else f"على الأقل {c.min_members}"
        )
        return _result(c, ok, n, f"{n} membre(s), attendu {bound_fr}", f"{n} فرد، المطلوب {bound_ar}")
    if isinstance(c, IncomePerMemberAtMost):
        income = facts.income_per_member_dzd
        if income is None:
            return _result(c, False, None, "revenu non évalué", "الدخل غير مقيّم")
        ok = income <= c.max_dzd
        return _result(
            c,
            ok,
            income,
            f"{income:,.0f} DA par membre, plafond {c.max_dzd:,} DA",
            f"{income:,.0f} دج للفرد، السقف {c.max_dzd:,} دج",
        )
    if isinstance(c, TenureIn):
        if facts.tenure is None:
            return _result(c, False, None, "logement non évalué", "السكن غير مقيّم")
        ok = facts.tenure in c.tenures
        return _result(
            c,
            ok,
            facts.tenure,
            f"statut d'occupation : {label(facts.tenure, 'fr')}, attendu : {labels(c.tenures, 'fr')}",
            f"وضعية السكن: {label(facts.tenure, 'ar')}، المطلوب: {labels(c.tenures, 'ar')}",
        )
    if isinstance(c, DisabilitySeverityAtLeast):
        best = _heaviest_disability(facts, c)
        rate = f", {c.min_percentage} %" if c.min_percentage is not None else ""
        if best is None:
            return _result(
                c,
                False,
                None,
                f"aucun membre avec un handicap {label(c.severity, 'fr')}{rate} au moins",
                f"لا يوجد فرد بإعاقة {label(c.severity, 'ar')}{rate} على الأقل",
            )
        return _result(
            c, True, best, f"un membre avec un handicap {label(best, 'fr')}", f"فرد بإعاقة {label(best, 'ar')}"
        )
    ok = facts.assessed
    return _result(
        c,
        ok,
        ok,
        "enquête sociale au dossier" if ok else "pas d'enquête sociale",
        "تحقيق اجتماعي في الملف" if ok else "لا يوجد تحقيق اجتماعي",
    )


def _heaviest_disability(facts: HouseholdFacts, c: DisabilitySeverityAtLeast) -> str | None:
    """The heaviest severity among members meeting ``c``, or None."""
    threshold = SEVERITY_ORDER[c.severity]
    best: str | None = None
    for m in facts.members:
        rank = SEVERITY_ORDER.get(m.disability_severity or "", 0)
        if rank < threshold:
            continue
        if c.min_percentage is not None and (m.disability_percentage or 0) < c.min_percentage:
            continue
        if best is None or rank > SEVERITY_ORDER[best]:
            best = m.disability_severity
    return best
