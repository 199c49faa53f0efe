"""Case work's entities: team members, cases and their visits — what a new one holds, its rules, what is shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from assistance.domain.ids import new_id
from common import areas
from common.clock import now
from common.contracts.casework import PLAN_AHEAD_DAYS, PLAN_BACK_DAYS, TeamMemberIn
from common.errors import InvalidTransition, ValidationFailed
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest
from common.scope import Scope

CASE_FIELDS = ("household_id", "cell", "lead", "team", "goals", "status", "opened_by", "closed_by", "closure_note")
VISIT_FIELDS = ("case_id", "cell", "planned_for", "purpose", "visitor", "status", "planned_by")
VISIT_RECORD_FIELDS = ("visited_on", "outcome", "recorded_by")
MEMBER_FIELDS = ("user_id", "display_name", "discipline", "active_from", "active_until", "cell", "updated_by")


def is_active(member: Mapping[str, Any], day: date) -> bool:
    today = day.isoformat()
    return bool(
        member["active_from"] <= today and (member.get("active_until") is None or member["active_until"] >= today)
    )


def iso_text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


@dataclass(frozen=True)
class TeamMember:
    """A member of a cell's team over a period; ``active`` is whether the period holds the day it was read for."""

    user_id: str
    cell: str
    active: bool
    stored: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any], day: date) -> TeamMember:
        return cls(user_id=doc["user_id"], cell=doc["cell"], active=is_active(doc, day), stored=dict(doc))

    def document(self) -> dict[str, Any]:
        return {**self.stored, "user_id": self.user_id, "cell": self.cell}

    @classmethod
    def appoint(cls, cell: str, member: TeamMemberIn, by: str, at: datetime, day: date) -> TeamMember:
        """``member`` in ``cell``'s team (replacing their earlier period and discipline there)."""
        doc = {**member.model_dump(mode="json"), "cell": cell, "area_ancestors": areas.ancestors(cell)}
        return cls.from_document(doc | {"updated_at": at, "updated_by": by}, day)

    @property
    def display_name(self) -> str | None:
        return self.stored.get("display_name")

    @property
    def discipline(self) -> str | None:
        return self.stored.get("discipline")

    def public(self) -> dict[str, Any]:
        doc = self.document()
        data = {name: doc.get(name) for name in MEMBER_FIELDS}
        data["active"] = self.active
        data["updated_at"] = iso_text(doc["updated_at"])
        return data


def done_under(key: KeyedRequest, doc: Mapping[str, Any], author_field: str, prefix: str) -> bool:
    """Whether the closing or recording ``doc`` holds (``<prefix>_key``) was this caller's under ``key``.

    IdempotencyKeyReused if the caller did it under this key with another request.
    """
    held = {"by": doc.get(author_field), "key": doc.get(f"{prefix}_key")}
    return key.matches({**held, FINGERPRINT_FIELD: doc.get(f"{prefix}_fingerprint")}, "by", "key")


@dataclass(frozen=True)
class Visit:
    """A visit planned in a case (``planned``, then ``recorded`` or ``cancelled``); ``stored`` keeps every field."""

    id: str
    case_id: str
    cell: str
    status: str
    planned_for: str
    stored: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Visit:
        return cls(
            id=str(doc["_id"]),
            case_id=doc["case_id"],
            cell=doc["cell"],
            status=doc["status"],
            planned_for=doc["planned_for"],
            stored=dict(doc),
        )

    def document(self) -> dict[str, Any]:
        typed = {"case_id": self.case_id, "cell": self.cell, "planned_for": self.planned_for, "status": self.status}
        return {**self.stored, "_id": self.id, **typed}

    def recorded_under(self, key: KeyedRequest) -> bool:
        """Whether this caller recorded it under ``key`` (the same key with another record: refused)."""
        return done_under(key, self.stored, "recorded_by", "record")

    def must_be_planned(self) -> None:
        if self.status != "planned":
            raise InvalidTransition(f"the visit is {self.status}", {"state": self.status, "allowed": []})

    def days_overdue(self, day: date) -> int:
        return (day - date.fromisoformat(self.planned_for)).days

    def public(self) -> dict[str, Any]:
        doc = self.document()
        data: dict[str, Any] = {name: doc.get(name) for name in (*VISIT_FIELDS, *VISIT_RECORD_FIELDS)}
        data["id"] = self.id
        data["planned_at"] = iso_text(doc["planned_at"])
        data["recorded_at"] = iso_text(doc.get("recorded_at"))
        return data


@dataclass(frozen=True)
class Case:
    """A household followed by the cell of its commune: a lead, a team, goals, visits; open, then closed.

    A case has no ``area`` of its own: it is seen inside the household's commune and above
    (``area_ancestors``).
    """

    id: str
    household_id: str
    cell: str
    lead: str
    team: tuple[str, ...]
    status: str
    area_ancestors: tuple[str, ...]
    stored: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Case:
        return cls(
            id=str(doc["_id"]),
            household_id=doc["household_id"],
            cell=doc["cell"],
            lead=doc["lead"],
            team=tuple(doc["team"]),
            status=doc["status"],
            area_ancestors=tuple(doc["area_ancestors"]),
            stored=dict(doc),
        )

    def document(self) -> dict[str, Any]:
        typed = {"household_id": self.household_id, "cell": self.cell, "lead": self.lead, "team": list(self.team)}
        typed |= {"status": self.status, "area_ancestors": list(self.area_ancestors)}
        return {**self.stored, "_id": self.id, **typed}

    @classmethod
    def open(
        cls,
        *,
        household_id: str,
        household_area: str,
        lead: str,
        team: list[str],
        goals: list[str],
        user_id: str,
        key: KeyedRequest,
    ) -> Case:
        """An open case followed by the cell of the household's commune; the lead is part of the team."""
        return cls.from_document(
            {
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
        )

    @property
    def open_key(self) -> str | None:
        """The household's id while the case is open (unique: one open case per household)."""
        return self.stored.get("open_key")

    def visible_in(self, scope: Scope) -> bool:
        """Seen inside the household's commune and above."""
        return scope.area in self.area_ancestors

    def closed_under(self, key: KeyedRequest) -> bool:
        """Whether this caller closed it under ``key`` (the same key with another note: refused)."""
        return done_under(key, self.stored, "closed_by", "close")

    def must_be_open(self) -> None:
        if self.status != "open":
            raise InvalidTransition("the case is closed", {"state": self.status, "allowed": []})

    def plan(
        self, *, planned_for: date, today: date, purpose: str, visitor: str | None, user_id: str, key: KeyedRequest
    ) -> Visit:
        """A visit of an open case by one of its members (the lead unless named), a few days back to a year ahead."""
        self.must_be_open()
        visitor = visitor or self.lead
        if visitor not in self.team:
            raise ValidationFailed("the visitor must be a member of the case", {"visitor": visitor})
        if not today - timedelta(days=PLAN_BACK_DAYS) <= planned_for <= today + timedelta(days=PLAN_AHEAD_DAYS):
            raise ValidationFailed(
                f"a visit is planned from {PLAN_BACK_DAYS} days back to a year ahead",
                {"planned_for": planned_for.isoformat()},
            )
        return Visit.from_document(
            {
                "_id": new_id(),
                "case_id": self.id,
                "cell": self.cell,
                "area_ancestors": list(self.area_ancestors),
                "planned_for": planned_for.isoformat(),
                "purpose": purpose,
                "visitor": visitor,
                "status": "planned",
                **key.stamp(),
                "planned_at": now(),
                "planned_by": user_id,
            }
        )

    def public(self) -> dict[str, Any]:
        doc = self.document()
        data: dict[str, Any] = {name: doc.get(name) for name in CASE_FIELDS}
        data["id"] = self.id
        data["opened_at"] = iso_text(doc["opened_at"])
        data["closed_at"] = iso_text(doc.get("closed_at"))
        return data
