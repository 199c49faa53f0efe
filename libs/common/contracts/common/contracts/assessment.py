"""Precarity assessment of a household: coded answers in four dimensions.

A social worker fills it in during a home visit; the registry scores it with the active
scoring model (``registry.scoring``). Every answer is a code from a closed list, a flag
or a bounded count, so that scoring models can map each answer to points as data.
Counts are about the members of the household at the time of the visit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MaritalStatus = Literal["married", "single", "divorced", "widowed", "abandoned"]
Tenure = Literal["owner", "tenant", "hosted", "precarious", "homeless"]
DwellingType = Literal["house", "apartment", "traditional", "chalet", "shack", "none"]
DwellingCondition = Literal["good", "degraded", "ruin_risk"]
WaterAccess = Literal["network", "well_or_tanker", "none"]
ElectricityAccess = Literal["network", "informal", "none"]
Sanitation = Literal["sewer", "septic_tank", "none"]
CookingHeating = Literal["natural_gas", "bottled_gas", "none"]
IncomeSource = Literal[
    "salary", "pension", "self_employed", "agriculture", "informal_work", "social_allowance", "family_support"
]
Allowance = Literal["afs", "disability_allowance", "iaig", "dais", "unemployment_allowance", "school_grant", "other"]
Debts = Literal["none", "moderate", "heavy"]
DisabilitySeverity = Literal["none", "light", "moderate", "severe", "total"]
DependencyLevel = Literal["autonomous", "partial", "dependent", "bedridden"]
HealthCoverage = Literal["social_security", "free_care", "none"]

Count = Annotated[int, Field(ge=0, le=30)]


def _distinct(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("codes must not repeat")
    return sorted(values)


class FamilyEnvironment(BaseModel):
    """Who lives together and what weighs on the family."""

    model_config = ConfigDict(extra="forbid")

    household_size: int = Field(ge=1, le=30, description="people living and eating together")
    dependants: Count = Field(description="members without income who rely on others: children, students, elderly")
    head_marital_status: MaritalStatus = Field(description="'abandoned': spouse left without divorce")
    single_parent: bool
    elderly_members: Count = Field(description="members aged 65 or more")
    elderly_living_alone: bool = Field(description="a person aged 65 or more living on their own")
    children_out_of_school: Count = Field(description="children aged 6 to 16 not attending school")
    domestic_violence_signalled: bool

    @model_validator(mode="after")
    def _consistent(self) -> FamilyEnvironment:
        for name in ("dependants", "elderly_members", "children_out_of_school"):
            if getattr(self, name) > self.household_size:
                raise ValueError(f"{name} exceeds household_size")
        if self.elderly_living_alone and (self.household_size != 1 or self.elderly_members != 1):
            raise ValueError("an elderly person living alone is a household of one member aged 65 or more")
        if self.single_parent and self.household_size < 2:
            raise ValueError("a single parent lives with at least one child")
        return self


class Housing(BaseModel):
    """Where and how the household lives."""

    model_config = ConfigDict(extra="forbid")

    tenure: Tenure = Field(description="'hosted': by relatives; 'precarious': occupation without title")
    dwelling_type: DwellingType = Field(description="'traditional': haouch or ksar dwelling; 'none' when homeless")
    rooms: Count = Field(description="habitable rooms, kitchen and bathroom excluded")
    condition: DwellingCondition = Field(description="'ruin_risk': classified as threatening ruin")
    water: WaterAccess
    electricity: ElectricityAccess = Field(description="'informal': unmetered or illegal connection")
    sanitation: Sanitation
    cooking_heating: CookingHeating

    @model_validator(mode="after")
    def _consistent(self) -> Housing:
        if (self.tenure == "homeless") != (self.dwelling_type == "none"):
            raise ValueError("dwelling_type is 'none' exactly when the household is homeless")
        if self.tenure == "homeless" and self.rooms:
            raise ValueError("a homeless household has no rooms")
        return self


class Income(BaseModel):
    """Resources of the whole household, allowances included."""

    model_config = ConfigDict(extra="forbid")

    monthly_income_dzd: int = Field(ge=0, le=5_000_000, description="all members, all sources, in dinars")
    income_sources: Annotated[list[IncomeSource], AfterValidator(_distinct)] = Field(max_length=7)
    unemployed_adults: Count = Field(description="adults of working age looking for work")
    allowances: Annotated[list[Allowance], AfterValidator(_distinct)] = Field(
        max_length=7, description="'afs': allocation forfaitaire de solidarité; 'iaig', 'dais': insertion schemes"
    )
    debts: Debts = Field(description="'heavy': arrears on rent or utilities, or debts above three months' income")

    @model_validator(mode="after")
    def _consistent(self) -> Income:
        if not self.income_sources and self.monthly_income_dzd:
            raise ValueError("an income needs at least one income source")
        return self


class PersonalAutonomy(BaseModel):
    """Health and autonomy of the most affected members."""

    model_config = ConfigDict(extra="forbid")

    disability_severity: DisabilitySeverity = Field(description="highest among members")
    members_with_disability: Count
    chronic_illness_members: Count
    dependency_level: DependencyLevel = Field(description="highest need of help for daily activities among members")
    health_coverage: HealthCoverage = Field(description="'free_care': free care for the uninsured poor")

    @model_validator(mode="after")
    def _consistent(self) -> PersonalAutonomy:
        if (self.disability_severity == "none") != (self.members_with_disability == 0):
            raise ValueError("disability_severity is 'none' exactly when no member has a disability")
        return self


class Assessment(BaseModel):
    """A precarity assessment: the answers a vulnerability score is computed from."""

    model_config = ConfigDict(extra="forbid")

    family: FamilyEnvironment
    housing: Housing
    income: Income
    autonomy: PersonalAutonomy
    assessed_at: datetime = Field(description="date and time of the home visit")
    assessor: str = Field(min_length=1, max_length=120, description="user id of the social worker")

    @model_validator(mode="after")
    def _members(self) -> Assessment:
        size = self.family.household_size
        counts = {
            "income.unemployed_adults": self.income.unemployed_adults,
            "autonomy.members_with_disability": self.autonomy.members_with_disability,
            "autonomy.chronic_illness_members": self.autonomy.chronic_illness_members,
        }
        for name, count in counts.items():
            if count > size:
                raise ValueError(f"{name} exceeds family.household_size")
        return self


# The scored part of an assessment, by dimension name (who and when are not scored).
DIMENSIONS: dict[str, type[BaseModel]] = {
    "family": FamilyEnvironment,
    "housing": Housing,
    "income": Income,
    "autonomy": PersonalAutonomy,
}
