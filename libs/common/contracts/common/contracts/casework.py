"""Case work of the proximity cells (assistance service, gateway bodies and answers).

A cell works in a commune (``/DZ/16/1601``, named in URLs by its code ``1601``). Its team
members have a discipline and an active period; a case is a household the cell follows,
with a lead worker, the members involved and goals; visits are planned, then recorded.
A worker's caseload is the number of open cases they are involved in, measured against
the cell's soft limit (a warning, never a refusal).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common.text import Name

Discipline = Literal["doctor", "psychologist", "sociologist", "social_worker", "legal_adviser"]
CaseStatus = Literal["open", "closed"]
VisitStatus = Literal["planned", "recorded", "cancelled"]

COMMUNE_PATTERN = r"^[0-9]{4}$"
USER_PATTERN = r"^[A-Za-z0-9._@-]{1,64}$"
HOUSEHOLD_PATTERN = r"^[0-9a-f]{24}$"
DEFAULT_SOFT_LIMIT = 25
PLAN_BACK_DAYS = 30  # a visit may be planned late, up to this many days in the past
PLAN_AHEAD_DAYS = 366

UserId = Annotated[str, Field(pattern=USER_PATTERN)]
Goal = Annotated[str, Field(min_length=3, max_length=300)]


def commune_area(code: str) -> str:
    """``1601`` -> ``/DZ/16/1601`` (a commune's code starts with its wilaya's)."""
    return f"/DZ/{code[:2]}/{code}"


class TeamMemberIn(BaseModel):
    """A member of a cell's team; posting the same user again updates them (to end a period, say)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    user_id: str = Field(pattern=USER_PATTERN, description="the member's account id (token subject)")
    display_name: Name | None = Field(default=None, min_length=2, max_length=120)
    discipline: Discipline
    active_from: date
    active_until: date | None = Field(default=None, description="last active day; none while still active")

    @model_validator(mode="after")
    def _period(self) -> TeamMemberIn:
        if self.active_until is not None and self.active_until < self.active_from:
            raise ValueError("active_until is before active_from")
        return self


class TeamMemberOut(TeamMemberIn):
    model_config = ConfigDict(extra="ignore")

    cell: str
    active: bool = Field(description="active today")
    updated_at: str
    updated_by: str


class CaseIn(BaseModel):
    """Open a case on a household of the commune: the lead and the team are active members of its cell."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    household_id: str = Field(pattern=HOUSEHOLD_PATTERN)
    lead: str = Field(pattern=USER_PATTERN)
    team: list[UserId] = Field(default_factory=list, max_length=12, description="other members involved")
    goals: list[Goal] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _team(self) -> CaseIn:
        if len(set(self.team)) != len(self.team):
            raise ValueError("team members are listed once")
        return self


class CaseloadWarning(BaseModel):
    code: Literal["caseload_above_soft_limit"] = "caseload_above_soft_limit"
    user_id: str
    open_cases: int
    soft_limit: int


class CaseOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    household_id: str
    cell: str
    lead: str
    team: list[str] = Field(description="every member involved, the lead included")
    goals: list[str]
    status: CaseStatus
    opened_at: str
    opened_by: str
    closed_at: str | None = None
    closed_by: str | None = None
    closure_note: str | None = None
    warnings: list[CaseloadWarning] = Field(
        default_factory=list, description="on opening: members whose caseload is now above the cell's soft limit"
    )


class CaseFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commune: str | None = Field(default=None, pattern=COMMUNE_PATTERN)
    status: CaseStatus | None = None
    lead: str | None = Field(default=None, pattern=USER_PATTERN)
    household_id: str | None = Field(default=None, pattern=HOUSEHOLD_PATTERN)
    limit: int = Field(default=50, ge=1, le=200)


class CaseClose(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    note: str = Field(min_length=3, max_length=2000)


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    planned_for: date = Field(description=f"up to {PLAN_BACK_DAYS} days back, up to a year ahead")
    purpose: str = Field(min_length=3, max_length=300)
    visitor: str | None = Field(
        default=None, pattern=USER_PATTERN, description="a member of the case; the lead if none"
    )


class VisitRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    visited_on: date
    outcome: str = Field(min_length=3, max_length=4000, description="outcome notes")


class VisitOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    case_id: str
    cell: str
    planned_for: str
    purpose: str
    visitor: str
    status: VisitStatus
    planned_at: str
    planned_by: str
    visited_on: str | None = None
    outcome: str | None = None
    recorded_at: str | None = None
    recorded_by: str | None = None


class OverdueVisit(VisitOut):
    days_overdue: int


class WorkerLoad(BaseModel):
    user_id: str
    display_name: str | None = None
    discipline: Discipline | None = Field(default=None, description="none for someone no longer on the team")
    active: bool
    open_cases: int = Field(description="open cases the worker is involved in")
    leading: int = Field(description="open cases the worker leads")
    above_soft_limit: bool


class Caseload(BaseModel):
    cell: str
    soft_limit: int
    open_cases: int
    workers: list[WorkerLoad]


class SoftLimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    soft_limit: int = Field(ge=1, le=500, description="open cases per worker above which the cell is warned")
