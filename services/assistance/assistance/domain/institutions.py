"""Institutions and their places as rules: kinds of places, place ids, occupancy, what is shown."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from enum import StrEnum
from typing import Any

from common import areas
from common.contracts.referrals import InstitutionIn

EDITABLE = ("type", "name_fr", "name_ar", "area", "capacity", "places_by_kind", "admission_criteria", "contact")


class Reservation(StrEnum):
    TAKEN = "taken"  # this call took the place
    HELD = "held"  # the referral already held one (a repeated or resumed placement)
    FULL = "full"
    UNKNOWN = "unknown"  # no such institution, or no such kind of place


def kind_fits(places_by_kind: dict[str, int] | None, kind: str | None) -> bool:
    """A placement names one of the institution's kinds of places, or none if it has none."""
    return kind in places_by_kind if places_by_kind else kind is None


def place_ids(code: str, places_by_kind: dict[str, int] | None, capacity: int, kind: str | None) -> list[str]:
    """The places a placement of ``kind`` may take, lowest first."""
    if places_by_kind and kind is not None:
        return [f"{code}#{kind}#{n}" for n in range(places_by_kind[kind])]
    return [f"{code}#{n}" for n in range(capacity)]


def occupancy(doc: dict[str, Any], taken: Counter[str | None]) -> dict[str, Any]:
    """Places taken and left, overall and by kind; ``taken`` counts the places held, by kind."""
    capacity, occupied = int(doc["capacity"]), sum(taken.values())
    by_kind = None
    if doc.get("places_by_kind"):
        by_kind = [
            {"kind": kind, "places": places, "occupied": taken[kind], "available": max(0, places - taken[kind])}
            for kind, places in sorted(doc["places_by_kind"].items())
        ]
    return {"capacity": capacity, "occupied": occupied, "available": max(0, capacity - occupied), "by_kind": by_kind}


def public(doc: dict[str, Any], taken: Counter[str | None]) -> dict[str, Any]:
    data = {field: doc.get(field) for field in ("code", *EDITABLE, "source")}
    data["id"] = doc["_id"]
    data["occupancy"] = occupancy(doc, taken)
    data["updated_at"] = doc["updated_at"].isoformat() if isinstance(doc["updated_at"], datetime) else None
    return data


def fields_of(institution: InstitutionIn) -> dict[str, Any]:
    data = institution.model_dump(mode="json", include=set(EDITABLE))
    return {**data, "code": institution.code, "area_ancestors": areas.ancestors(institution.area)}
