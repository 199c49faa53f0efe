"""Institutions and their places: the entity, kinds of places, place ids, occupancy, what is shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from common import areas
from common.contracts.referrals import InstitutionIn
from common.scope import Scope

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


def occupancy(doc: Mapping[str, Any], taken: Counter[str | None]) -> dict[str, Any]:
    """Places taken and left, overall and by kind; ``taken`` counts the places held, by kind."""
    capacity, occupied = int(doc["capacity"]), sum(taken.values())
    by_kind = None
    if doc.get("places_by_kind"):
        by_kind = [
            {"kind": kind, "places": places, "occupied": taken[kind], "available": max(0, places - taken[kind])}
            for kind, places in sorted(doc["places_by_kind"].items())
        ]
    return {"capacity": capacity, "occupied": occupied, "available": max(0, capacity - occupied), "by_kind": by_kind}


def fields_of(institution: InstitutionIn) -> dict[str, Any]:
    data = institution.model_dump(mode="json", include=set(EDITABLE))
    return {**data, "code": institution.code, "area_ancestors": areas.ancestors(institution.area)}


@dataclass(frozen=True)
class Institution:
    """An institution with the places it holds taken (``taken``, by kind); ``stored`` keeps every field as read."""

    code: str
    type: str
    area: str
    capacity: int
    places_by_kind: dict[str, int] | None
    taken: Counter[str | None] = field(default_factory=Counter)
    stored: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], taken: Counter[str | None] | None = None) -> Institution:
        return cls(
            code=str(doc["_id"]),
            type=doc["type"],
            area=doc["area"],
            capacity=int(doc["capacity"]),
            places_by_kind=doc.get("places_by_kind"),
            taken=taken if taken is not None else Counter(),
            stored=dict(doc),
        )

    def document(self) -> dict[str, Any]:
        """The stored document (``_id`` is the code), typed fields in place."""
        typed = {"type": self.type, "area": self.area, "capacity": self.capacity}
        return {**self.stored, "_id": self.code, **typed, "places_by_kind": self.places_by_kind}

    @classmethod
    def create(cls, institution: InstitutionIn, user_id: str, at: datetime) -> Institution:
        """An institution added by a user (``manual``: the shipped list never overwrites it)."""
        doc = {"_id": institution.code, **fields_of(institution), "source": "manual"}
        return cls.from_document(doc | {"created_at": at, "updated_at": at, "updated_by": user_id})

    def describes(self, institution: InstitutionIn) -> bool:
        """True if the stored fields are those of ``institution`` (the same creation again)."""
        return all(self.stored.get(k) == v for k, v in fields_of(institution).items())

    def visible_in(self, scope: Scope) -> bool:
        """An institution is seen inside its area's scope (staff are given their wilaya's)."""
        return scope.contains(self.area)

    def fits(self, kind: str | None) -> bool:
        """A placement names one of its kinds of places, or none if it has none."""
        return kind_fits(self.places_by_kind, kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self.places_by_kind or {})

    def occupancy(self) -> dict[str, Any]:
        return occupancy(self.document(), self.taken)

    def public(self) -> dict[str, Any]:
        """The institution as answered: its description, occupancy and last update."""
        doc = self.document()
        data = {name: doc.get(name) for name in ("code", *EDITABLE, "source")}
        data["id"] = self.code
        data["occupancy"] = self.occupancy()
        data["updated_at"] = doc["updated_at"].isoformat() if isinstance(doc.get("updated_at"), datetime) else None
        return data
