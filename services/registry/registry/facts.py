"""Household facts for other services' decisions (``common.contracts.facts``), from stored households.

Pure: a stored document in, a facts dict out. No names, phones or national ids leave.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

# what a facts page reads of each household
PROJECTION = {
    "area": 1,
    "status": 1,
    "members.sex": 1,
    "members.birth_date": 1,
    "members.birth_year": 1,
    "members.relationship": 1,
    "members.categories": 1,
    "members.disability": 1,
    "assessment.income.monthly_income_dzd": 1,
    "assessment.housing.tenure": 1,
    "score": 1,
}


def age_on(member: Mapping[str, Any], day: date) -> int | None:
    """Completed years on ``day``; with a birth year only, the lower bound (birthday not yet passed)."""
    if member.get("birth_date"):
        born = date.fromisoformat(member["birth_date"])
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if member.get("birth_year"):
        return day.year - int(member["birth_year"]) - 1
    return None


def current_categories(member: Mapping[str, Any], day: date) -> list[str]:
    text = day.isoformat()  # validity dates are stored as ISO text
    return sorted(
        {
            entry["category"]
            for entry in member.get("categories") or ()
            if entry.get("valid_from", "") <= text
            and (entry.get("valid_until") is None or entry["valid_until"] >= text)
        }
    )


def categories_of(members: Iterable[Mapping[str, Any]], day: date) -> list[str]:
    """The vulnerable categories any of ``members`` holds on ``day`` (for the registration event)."""
    return sorted({category for member in members for category in current_categories(member, day)})


def household_facts(doc: Mapping[str, Any], day: date, related: list[str] | None = None) -> dict[str, Any]:
    """The facts of one stored household on ``day``."""
    household_id = str(doc["_id"])
    members = []
    for index, member in enumerate(doc.get("members") or ()):
        disability = member.get("disability") or {}
        members.append(
            {
                "person_key": f"{household_id}:{index}",
                "sex": member.get("sex", ""),
                "age": age_on(member, day),
                "relationship": member.get("relationship", ""),
                "categories": current_categories(member, day),
                "disability_severity": disability.get("severity"),
                "disability_percentage": disability.get("percentage"),
            }
        )
    assessment = doc.get("assessment") or {}
    income = (assessment.get("income") or {}).get("monthly_income_dzd")
    score = doc.get("score") or {}
    return {
        "household_id": household_id,
        "area": doc["area"],
        "status": doc.get("status", "active"),
        "as_of": day.isoformat(),
        "members_count": len(members),
        "members": members,
        "categories": sorted({c for m in members for c in m["categories"]}),
        "score": score.get("score"),
        "band": score.get("band"),
        "score_model": score.get("model_version"),
        "assessed": bool(assessment),
        "monthly_income_dzd": income,
        "income_per_member_dzd": round(income / len(members), 2) if income is not None and members else None,
        "tenure": (assessment.get("housing") or {}).get("tenure"),
        "related_households": sorted(related or []),
    }
