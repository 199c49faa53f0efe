"""Assistance programme catalogue contract: programmes, eligibility rules, amount formulas, budgets.

A programme answers one *need* (the no-double-aid check compares needs across
programmes and wilayas), pays by a declarative :class:`AmountFormula`, and decides
eligibility by versioned :class:`RuleSet` s: every criterion must pass, and a published
version is never edited (a change is a new version with a later activation date).
The evaluation itself lives in ``assistance.eligibility``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common import areas
from common.contracts.assessment import Tenure
from common.contracts.people import Relationship, Severity, Sex, VulnerableCategory
from common.text import Name

BenefitType = Literal["cash", "in_kind", "service"]
Need = Literal[
    "income_support",
    "disability_support",
    "medical_care",
    "school_year",
    "ramadan_food",
    "winter_heating",
    "urgent",
    "leaving_care",
]
PeriodKind = Literal["monthly", "yearly", "one_off", "campaign"]

PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2]))?$"
"""``2026`` (yearly, one-off and campaign programmes) or ``2026-03`` (monthly ones)."""

CriterionValue = int | float | bool | str | list[str] | None


class _Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,47}$", examples=["no_income"], description="stable within a programme")
    label_fr: str = Field(min_length=3, max_length=200, examples=["Revenu par personne faible"])
    label_ar: str = Field(min_length=2, max_length=200, examples=["دخل ضعيف للفرد"])


class ScoreAtLeast(_Criterion):
    """The household's vulnerability score is at least ``min_score`` (unscored fails)."""

    kind: Literal["score_at_least"] = "score_at_least"
    min_score: float = Field(ge=0, le=100)


class BandIn(_Criterion):
    """The household's vulnerability band is one of ``bands`` (unscored fails)."""

    kind: Literal["band_in"] = "band_in"
    bands: list[str] = Field(min_length=1)


class CategoryAny(_Criterion):
    """A vulnerable category among ``categories`` applies today.

    ``scope="household"`` looks at the household's categories (any member's);
    ``scope="member"`` asks for one member with such a category and, when
    ``relationships`` is given, with one of those relationships (e.g. the head).
    """

    kind: Literal["category_any"] = "category_any"
    categories: list[VulnerableCategory] = Field(min_length=1)
    scope: Literal["household", "member"] = "household"
    relationships: list[Relationship] | None = None

    @model_validator(mode="after")
    def _relationships_need_member_scope(self) -> CategoryAny:
        if self.relationships is not None and self.scope != "member":
            raise ValueError("relationships only apply with scope 'member'")
        return self


class MemberAgeBetween(_Criterion):
    """Some member (of ``sex`` if given) is aged ``min_age`` to ``max_age`` included; unknown ages never match."""

    kind: Literal["member_age_between"] = "member_age_between"
    min_age: int = Field(default=0, ge=0, le=130)
    max_age: int = Field(default=130, ge=0, le=130)
    sex: Sex | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MemberAgeBetween:
        if self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        return self


class MembersBetween(_Criterion):
    """The household counts ``min_members`` to ``max_members`` members (no upper bound if None)."""

    kind: Literal["members_between"] = "members_between"
    min_members: int = Field(default=1, ge=1, le=100)
    max_members: int | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> MembersBetween:
        if self.max_members is not None and self.min_members > self.max_members:
            raise ValueError("min_members is above max_members")
        return self


class IncomePerMemberAtMost(_Criterion):
    """Monthly income per member is at most ``max_dzd`` (an unassessed income fails)."""

    kind: Literal["income_per_member_at_most"] = "income_per_member_at_most"
    max_dzd: int = Field(ge=0)


class TenureIn(_Criterion):
    """The housing tenure from the latest assessment is one of ``tenures`` (unknown fails)."""

    kind: Literal["tenure_in"] = "tenure_in"
    tenures: list[Tenure] = Field(min_length=1)


class DisabilitySeverityAtLeast(_Criterion):
    """Some member's disability is at least ``severity`` and, if given, at least ``min_percentage``."""

    kind: Literal["disability_severity_at_least"] = "disability_severity_at_least"
    severity: Severity = "mild"
    min_percentage: int | None = Field(default=None, ge=1, le=100, description="taux d'incapacité on the card")


class Assessed(_Criterion):
    """The household has a social assessment (enquête sociale) on file."""

    kind: Literal["assessed"] = "assessed"


Criterion = Annotated[
    ScoreAtLeast
    | BandIn
    | CategoryAny
    | MemberAgeBetween
    | MembersBetween
    | IncomePerMemberAtMost
    | TenureIn
    | DisabilitySeverityAtLeast
    | Assessed,
    Field(discriminator="kind"),
]


class RuleSet(BaseModel):
    """One version of a programme's eligibility rules: every criterion must pass.

    Versions are numbered from 1, take effect at ``activated_at`` (timezone-aware) and
    are immutable once published.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    activated_at: datetime
    criteria: list[Criterion] = Field(min_length=1, max_length=50)

    @field_validator("activated_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("activated_at needs a timezone")
        return value.replace(microsecond=0)  # as stored: a repeat must compare equal

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, value: list[Any]) -> list[Any]:
        ids = [criterion.id for criterion in value]
        if len(ids) != len(set(ids)):
            raise ValueError("criterion ids repeat")
        return value


class PublishedRuleSet(RuleSet):
    """A stored version, with who published it and when."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    published_at: datetime | None = None
    published_by: str | None = None


class InKindItem(BaseModel):
    """One item of an in-kind benefit: ``quantity`` plus ``per_member_quantity`` per member."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str = Field(pattern=r"^[a-z][a-z0-9_]{1,47}$", examples=["semolina"])
    label_fr: str = Field(min_length=2, max_length=120, examples=["Semoule"])
    label_ar: str = Field(min_length=2, max_length=120, examples=["سميد"])
    unit: str = Field(min_length=1, max_length=20, examples=["kg"])
    quantity: float = Field(default=0, ge=0)
    per_member_quantity: float = Field(default=0, ge=0)
    unit_value_dzd: int = Field(default=0, ge=0, description="what one unit costs (informative)")


class AgeSupplement(BaseModel):
    """``amount_dzd`` for each member aged ``min_age`` to ``max_age`` included (e.g. per schoolchild)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_age: int = Field(ge=0, le=130)
    max_age: int = Field(ge=0, le=130)
    amount_dzd: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> AgeSupplement:
        if self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        return self


class AmountFormula(BaseModel):
    """What a household receives, in DZD (for in-kind and service programmes: their value).

    ``base_dzd + per_member_dzd × counted members + Σ per_category_dzd[c] × members in c
    + Σ per_age_dzd[i].amount × members in its age range``, at most ``cap_dzd``. Counted
    members are those beyond ``members_in_base``, at most ``max_counted_members`` of them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_dzd: int = Field(default=0, ge=0)
    per_member_dzd: int = Field(default=0, ge=0)
    members_in_base: int = Field(default=0, ge=0, le=100, description="members the base already covers")
    max_counted_members: int | None = Field(default=None, ge=0, le=100)
    per_category_dzd: dict[VulnerableCategory, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    per_age_dzd: list[AgeSupplement] = Field(default_factory=list, max_length=10)
    cap_dzd: int | None = Field(default=None, ge=0)
    in_kind_items: list[InKindItem] = Field(default_factory=list, max_length=50)


class ProgrammeIn(BaseModel):
    """A programme published to an area (``/DZ`` for a national one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,47}$", examples=["winter-aid"])
    name_fr: Name = Field(min_length=3, max_length=120, examples=["Aide hivernale"])
    name_ar: Name = Field(min_length=2, max_length=120, examples=["منحة الشتاء"])
    benefit_type: BenefitType
    area: str = Field(default=areas.NATIONAL, examples=["/DZ"])
    need: Need | None = Field(
        default=None, description="the need it answers (no double aid for one need); none: the programme is its own"
    )
    period_kind: PeriodKind = Field(default="one_off", description="budget periods: YYYY-MM if monthly, else YYYY")
    formula: AmountFormula = Field(default_factory=AmountFormula)

    @field_validator("area")
    @classmethod
    def _area(cls, value: str) -> str:
        if not areas.is_valid(value):
            raise ValueError("malformed area path")
        return value


class ProgrammeOut(ProgrammeIn):
    model_config = ConfigDict(extra="ignore")  # services may return more than the API shows

    id: str
    active: bool
    rules_versions: list[PublishedRuleSet] = Field(default_factory=list)
    rules_in_force: int | None = Field(default=None, description="the version that applies now, if any")


class BudgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allocated_dzd: int = Field(ge=0, le=10**13, strict=True, examples=[150_000_000])


class BudgetOut(BaseModel):
    """A programme's envelope for one area and period; ``remaining = allocated − committed − spent``."""

    programme_code: str
    area: str
    period: str = Field(examples=["2026-03", "2026"])
    allocated_dzd: int
    committed_dzd: int
    spent_dzd: int
    remaining_dzd: int
    updated_at: str | None = None


class CriterionResult(BaseModel):
    """One criterion checked: the value seen and why it passed or failed, in French and Arabic."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    passed: bool
    value: CriterionValue
    reason_fr: str
    reason_ar: str


class EligibilityResult(BaseModel):
    """Every criterion of the rules in force, with the outcome: eligible iff all passed."""

    model_config = ConfigDict(frozen=True)

    programme_code: str
    household_id: str
    rules_version: int
    eligible: bool
    criteria: list[CriterionResult]
    amount_dzd: int | None = Field(default=None, description="what the formula gives the household")
    items: list[dict[str, Any]] = Field(default_factory=list, description="in-kind items with quantities")

    @property
    def failed(self) -> list[str]:
        """Ids of the criteria that failed."""
        return [c.id for c in self.criteria if not c.passed]


class EligibilityRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: str = Field(examples=["/DZ/16"])

    @field_validator("area")
    @classmethod
    def _area(cls, value: str) -> str:
        if not areas.is_valid(value):
            raise ValueError("malformed area path")
        return value


class EligibilityRunHouseholds(BaseModel):
    """One chunk of the households a run found eligible, with their amounts; ``next_chunk`` is None at the end."""

    household_ids: list[str]
    amounts_dzd: list[int]
    chunk: int
    next_chunk: int | None
