"""Individuals: disability, vulnerable categories, consent, provenance, and the person contract.

Code lists are ``Literal`` types (the wire values) with a tuple of the same codes for
screens and documentation. Checks that need more than one model (a category against the
person's age, a consent against the person's minority) live in :func:`category_issues`
and :func:`consent_issues`, so an importer can run them on stored data as well.

The national identification number appears only in :class:`IndividualIn` (plain, hidden
from repr and validation errors). Everything that is stored or returned carries
``national_id_masked`` and, in storage, the keyed hash and ciphertext from
:mod:`common.pii` (see :func:`protected_record`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any, Literal, TypeVar, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from common import phones, pii, text
from common.errors import ValidationFailed

Sex = Literal["F", "M"]
Relationship = Literal["head", "spouse", "child", "parent", "sibling", "grandchild", "other"]

DisabilityType = Literal[
    "motor",
    "visual",
    "hearing",
    "intellectual",  # « handicap mental »
    "psychic",  # « handicap psychique » (mental illness)
    "multiple",
    "other",
]
FunctionalLimitation = Literal[
    "seeing",
    "hearing",
    "mobility",
    "dexterity",
    "self_care",
    "communication",
    "learning",
    "remembering",
    "behaviour",
]
Severity = Literal["mild", "moderate", "severe", "profound"]
VulnerableCategory = Literal[
    "elderly",
    "disability",
    "woman_in_difficulty",
    "child_without_family_support",
    "street_child",
    "indigent",
]
ConsentMethod = Literal["signed_form", "oral_witnessed", "guardian"]
ConsentPurpose = Literal[
    "registration",
    "eligibility_assessment",
    "assistance_delivery",
    "referral",
    "contact",
    "statistics",
]
ProvenanceSource = Literal["field_survey", "walk_in", "referral", "import", "other"]

DISABILITY_TYPES: tuple[str, ...] = get_args(DisabilityType)
FUNCTIONAL_LIMITATIONS: tuple[str, ...] = get_args(FunctionalLimitation)
SEVERITIES: tuple[str, ...] = get_args(Severity)
VULNERABLE_CATEGORIES: tuple[str, ...] = get_args(VulnerableCategory)
CONSENT_METHODS: tuple[str, ...] = get_args(ConsentMethod)
CONSENT_PURPOSES: tuple[str, ...] = get_args(ConsentPurpose)
PROVENANCE_SOURCES: tuple[str, ...] = get_args(ProvenanceSource)

ADULT_AGE = 18
ELDERLY_AGE = 60
CHILD_CATEGORIES: frozenset[str] = frozenset({"child_without_family_support", "street_child"})
MASKED_NIN_PATTERN = r"^\*{14}[0-9]{4}$"

CodeT = TypeVar("CodeT", bound=str)

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _unique(values: list[CodeT]) -> list[CodeT]:
    if len(set(values)) != len(values):
        raise PydanticCustomError("duplicate_code", "each code may appear once")
    return values


class Disability(BaseModel):
    """A disability as the disability card (carte d'handicapé) and the assessment record it."""

    model_config = _STRICT

    type: DisabilityType
    limitations: list[FunctionalLimitation] = Field(default_factory=list, max_length=len(FUNCTIONAL_LIMITATIONS))
    severity: Severity | None = None
    percentage: int | None = Field(default=None, ge=0, le=100, description="taux d'incapacité on the disability card")

    @field_validator("limitations")
    @classmethod
    def _limitations_unique(cls, value: list[FunctionalLimitation]) -> list[FunctionalLimitation]:
        return _unique(value)


class CategoryMembership(BaseModel):
    """Membership of one vulnerable category over a period (open-ended while ``valid_until`` is None)."""

    model_config = _STRICT

    category: VulnerableCategory
    valid_from: date
    valid_until: date | None = None
    basis: str | None = Field(default=None, max_length=200, description="the decision, card or report it rests on")

    @model_validator(mode="after")
    def _period(self) -> CategoryMembership:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise PydanticCustomError("period_reversed", "valid_until is before valid_from")
        return self

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class Consent(BaseModel):
    """The person's answer to the data-processing request (law 18-07), for the listed purposes."""

    model_config = _STRICT

    given: bool
    given_at: AwareDatetime = Field(description="when the person answered, yes or no")
    method: ConsentMethod
    purposes: list[ConsentPurpose] = Field(min_length=1, max_length=len(CONSENT_PURPOSES))
    withdrawn_at: AwareDatetime | None = None

    @field_validator("purposes")
    @classmethod
    def _purposes_unique(cls, value: list[ConsentPurpose]) -> list[ConsentPurpose]:
        return _unique(value)

    @model_validator(mode="after")
    def _withdrawal(self) -> Consent:
        if self.withdrawn_at is not None:
            if not self.given:
                raise PydanticCustomError("withdrawn_without_consent", "only a given consent can be withdrawn")
            if self.withdrawn_at < self.given_at:
                raise PydanticCustomError("withdrawn_before_given", "withdrawn_at is before given_at")
        return self

    @property
    def active(self) -> bool:
        return self.given and self.withdrawn_at is None


class Provenance(BaseModel):
    """Where a record came from and who collected it."""

    model_config = _STRICT

    source: ProvenanceSource
    collector: str = Field(min_length=1, max_length=120, description="agent or organisation that collected it")
    collected_on: date
    survey_ref: str | None = Field(default=None, max_length=64)


@dataclass(frozen=True, slots=True)
class Issue:
    """A cross-field problem: ``field`` is a dotted path (``categories.1``), ``code`` is stable."""

    field: str
    code: str
    message: str


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _age_bounds(day: date, birth_date: date | None, birth_year: int | None) -> tuple[int, int] | None:
    """The youngest and oldest the person can be on ``day``; None if the birth is unknown."""
    if birth_date is not None:
        age = age_on(birth_date, day)
        return age, age
    if birth_year is not None:
        return day.year - birth_year - 1, day.year - birth_year
    return None


def category_issues(
    memberships: Sequence[CategoryMembership],
    *,
    birth_date: date | None,
    birth_year: int | None = None,
    sex: Sex | None = None,
    has_disability: bool | None = None,
) -> list[Issue]:
    """What is wrong with these memberships for this person (empty if nothing is).

    Age rules apply on each membership's ``valid_from`` and only when the birth is known
    (a birth year alone refuses only what is certain): elderly from 60, child categories
    under 18. ``has_disability=False`` refuses the disability category; None skips it.
    """
    issues: list[Issue] = []
    for index, membership in enumerate(memberships):
        where = f"categories.{index}"
        bounds = _age_bounds(membership.valid_from, birth_date, birth_year)
        if birth_date is not None and membership.valid_from < birth_date:
            issues.append(Issue(where, "category_before_birth", "valid_from is before the birth date"))
        elif bounds is not None and membership.category == "elderly" and bounds[1] < ELDERLY_AGE:
            issues.append(Issue(where, "elderly_under_age", f"the elderly category starts at {ELDERLY_AGE}"))
        elif bounds is not None and membership.category in CHILD_CATEGORIES and bounds[0] >= ADULT_AGE:
            issues.append(Issue(where, "child_category_adult", f"child categories end at {ADULT_AGE}"))
        if membership.category == "woman_in_difficulty" and sex == "M":
            issues.append(Issue(where, "woman_category_sex", "woman_in_difficulty applies to women"))
        if membership.category == "disability" and has_disability is False:
            issues.append(Issue(where, "disability_not_recorded", "the disability category needs a disability"))
    issues.extend(_overlaps(memberships))
    return issues


def _overlaps(memberships: Sequence[CategoryMembership]) -> list[Issue]:
    issues: list[Issue] = []
    by_start = sorted(enumerate(memberships), key=lambda pair: (pair[1].category, pair[1].valid_from))
    for (_, earlier), (index, later) in pairwise(by_start):
        if earlier.category == later.category and (
            earlier.valid_until is None or later.valid_from <= earlier.valid_until
        ):
            issues.append(Issue(f"categories.{index}", "category_overlap", "two periods of one category overlap"))
    return issues


def consent_issues(consent: Consent, *, birth_date: date | None, birth_year: int | None = None) -> list[Issue]:
    """A minor's consent is given by a guardian (law 18-07, art. 8)."""
    bounds = _age_bounds(consent.given_at.date(), birth_date, birth_year)
    if bounds is not None and bounds[1] < ADULT_AGE and consent.method != "guardian":
        return [Issue("consent.method", "consent_minor_needs_guardian", "a minor's consent is given by a guardian")]
    return []


class IndividualBase(BaseModel):
    """A person, named in Arabic script, in Latin transliteration, or both."""

    # Phone numbers and national ids are personal data: keep them out of error texts.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    given_name_ar: str | None = Field(default=None, max_length=80, examples=["محمد"])
    family_name_ar: str | None = Field(default=None, max_length=80, examples=["بن علي"])
    given_name_lat: str | None = Field(default=None, max_length=80, examples=["Mohamed"])
    family_name_lat: str | None = Field(default=None, max_length=80, examples=["Benali"])
    sex: Sex
    birth_date: date | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    relationship: Relationship
    phone: str | None = Field(default=None, max_length=32, examples=["0550 12 34 56"], description="stored as E.164")
    disability: Disability | None = None
    categories: list[CategoryMembership] = Field(default_factory=list, max_length=20)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        try:
            return phones.normalise_phone(value)
        except phones.InvalidPhone as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    @model_validator(mode="after")
    def _person(self) -> IndividualBase:
        if not ((self.given_name_ar and self.family_name_ar) or (self.given_name_lat and self.family_name_lat)):
            raise PydanticCustomError(
                "name_missing", "a member needs a given and a family name in Arabic or Latin script"
            )
        if self.birth_date and self.birth_year and self.birth_date.year != self.birth_year:
            raise PydanticCustomError("birth_mismatch", "birth_date and birth_year disagree")
        if self.birth_date and self.birth_date > date.today():
            raise PydanticCustomError("birth_in_future", "birth_date is in the future")
        issues = category_issues(
            self.categories,
            birth_date=self.birth_date,
            birth_year=self.birth_year,
            sex=self.sex,
            has_disability=self.disability is not None,
        )
        if issues:
            raise PydanticCustomError(
                issues[0].code, "{field}: {message}", {"field": issues[0].field, "message": issues[0].message}
            )
        return self


class IndividualIn(IndividualBase):
    """A person as a caller submits it, with the national id in clear (input only)."""

    national_id: str | None = Field(
        default=None,
        repr=False,
        max_length=40,
        description="18 digits, spaces allowed; hashed and encrypted on arrival, never returned",
    )

    @field_validator("given_name_ar", "family_name_ar", "given_name_lat", "family_name_lat", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:
        """Names as submitted are cleaned (:mod:`common.text`); stored ones are answered as they are."""
        return text.clean_name(value)

    @field_validator("national_id")
    @classmethod
    def _national_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return pii.normalise_nin(value)
        except ValidationFailed as exc:
            raise PydanticCustomError("nin_malformed", exc.message) from None


class IndividualOut(IndividualBase):
    """A person as stored and returned: the national id only masked."""

    model_config = ConfigDict(extra="ignore")  # storage holds the hash and ciphertext; they stay inside

    national_id_masked: str | None = Field(default=None, pattern=MASKED_NIN_PATTERN, examples=["**************1234"])


def protected_record(individual: IndividualIn, protector: pii.NationalIdProtector) -> dict[str, Any]:
    """The individual as the registry stores it: the national id replaced by hash, ciphertext and mask."""
    record = individual.model_dump(mode="json", exclude={"national_id"})
    if individual.national_id is not None:
        protected = protector.protect(individual.national_id)
        record |= {
            "national_id_hash": protected.lookup_hash,
            "national_id_enc": protected.ciphertext,
            "national_id_masked": protected.masked,
        }
    return record
