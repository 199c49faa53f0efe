"""Cases, visits and team members as rules: what a new one holds, who is active, what is shown."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from assistance.domain.ids import new_id
from common import areas
from common.clock import now
from common.idempotency import KeyedRequest

CASE_FIELDS = ("household_id", "cell", "lead", "team", "goals", "status", "opened_by", "closed_by", "closure_note")
VISIT_FIELDS = ("case_id", "cell", "planned_for", "purpose", "visitor", "status", "planned_by")
VISIT_RECORD_FIELDS = ("visited_on", "outcome", "recorded_by")
MEMBER_FIELDS = ("user_id", "display_name", "discipline", "active_from", "active_until", "cell", "updated_by")


def is_active(member: dict[str, Any], day: date) -> bool:
    today = day.isoformat()
    return bool(
        member["active_from"] <= today and (member.get("active_until") is None or member["active_until"] >= today)
    )


def iso_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def public_member(doc: dict[str, Any], day: date) -> dict[str, Any]:
    data = {field: doc.get(field) for field in MEMBER_FIELDS}
    data["active"] = is_active(doc, day)
    data["updated_at"] = iso_text(doc["updated_at"])
    return data


def public_case(doc: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {field: doc.get(field) for field in CASE_FIELDS}
    data["id"] = doc["_id"]
    data["opened_at"] = iso_text(doc["opened_at"])
    data["closed_at"] = iso_text(doc.get("closed_at"))
    return data


def public_visit(doc: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {field: doc.get(field) for field in (*VISIT_FIELDS, *VISIT_RECORD_FIELDS)}
    data["id"] = doc["_id"]
    data["planned_at"] = iso_text(doc["planned_at"])
    data["recorded_at"] = iso_text(doc.get("recorded_at"))
    return data


def new_case(
    *,
    household_id: str,
    household_area: str,
    lead: str,
    team: list[str],
    goals: list[str],
    user_id: str,
    key: KeyedRequest,
) -> dict[str, Any]:
    """An open case followed by the cell of the household's commune; the lead is part of the team."""
    return {
        "_id": new_id(),
        "household_id": household_id,
        "cell": areas.ancestors(household_area)[:3][-1],
        "area_ancestors": areas.ancestors(household_area),
        "lead": lead,
        "team": [lead, *(member for member in team if member != lead)],
        "goals": goals,
        "status": "open",
        "open_key": household_id,
        **key.stamp(),
        "opened_at": now(),
        "opened_by": user_id,
    }


def new_visit(
    *, case: dict[str, Any], planned_for: str, purpose: str, visitor: str, user_id: str, key: KeyedRequest
) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "case_id": case["_id"],
        "cell": case["cell"],
        "area_ancestors": case["area_ancestors"],
        "planned_for": planned_for,
        "purpose": purpose,
        "visitor": visitor,
        "status": "planned",
        **key.stamp(),
        "planned_at": now(),
        "planned_by": user_id,
    }
