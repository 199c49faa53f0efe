"""Household facts: what the registry tells other services to decide on aid.

The registry owns households; assistance decides eligibility and double aid from these
facts, asked for one household (``registry.household_facts``), or for a whole area
streamed in pages of columns (``registry.stream_household_facts``, for batch runs).
No names, phones or national ids: a decision needs none of them, and keeping them in
one service keeps them safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MemberFacts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_key: str = Field(
        description="<household id>:<index in the household>", examples=["66b0c2f1e4a1b2c3d4e5f601:0"]
    )
    sex: str
    age: int | None = Field(description="completed years on the day the facts were computed; None if unknown")
    relationship: str
    categories: list[str] = Field(description="vulnerable categories valid today")
    disability_severity: str | None = None
    disability_percentage: int | None = None


class HouseholdFacts(BaseModel):
    """One household as eligibility rules see it, on ``as_of``."""

    model_config = ConfigDict(extra="forbid")

    household_id: str
    area: str
    status: str = Field(description="active, held_for_review or merged")
    as_of: str = Field(description="ISO date the ages and category periods were computed for")
    members_count: int
    members: list[MemberFacts]
    categories: list[str] = Field(description="every vulnerable category valid today among the members")
    score: float | None = None
    band: str | None = None
    score_model: str | None = None
    assessed: bool = False
    monthly_income_dzd: int | None = Field(default=None, description="from the latest assessment")
    income_per_member_dzd: float | None = None
    tenure: str | None = Field(default=None, description="housing tenure from the latest assessment")
    related_households: list[str] = Field(
        default_factory=list,
        description="the same people registered elsewhere: households merged into this one, sharing a "
        "national id, or pending duplicate review with it (for the no-double-aid check)",
    )


HOUSEHOLD_COLUMNS = (
    "household_id",
    "members_count",
    "score",
    "band",
    "assessed",
    "income_per_member_dzd",
    "tenure",
    "categories",
)
MEMBER_COLUMNS = ("age", "sex", "relationship", "categories", "disability_severity", "disability_percentage")


def facts_to_columns(facts: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """A page of facts as columns, the batch wire form: one list per field instead of one dict per household.

    Household fields keep their names; member fields are prefixed ``member_`` and flattened
    in household order (``members_count`` says how many belong to each). The keys are
    written once per page, not once per household and member: JSON of a page is several
    times smaller and cheaper to encode and decode. ``related_households`` is not carried.
    """
    columns: dict[str, list[Any]] = {name: [f.get(name) for f in facts] for name in HOUSEHOLD_COLUMNS}
    members = [m for f in facts for m in f["members"]]
    for name in MEMBER_COLUMNS:
        columns[f"member_{name}"] = [m.get(name) for m in members]
    return columns


def column_pages(facts: Iterable[Mapping[str, Any]], size: int) -> Iterator[dict[str, list[Any]]]:
    """``facts`` in pages of up to ``size`` households, each in the wire form of :func:`facts_to_columns`."""
    stream = iter(facts)
    while page := list(islice(stream, size)):
        yield facts_to_columns(page)
