"""A referral to an institution: who sees it (the household's area and the institution's wilaya), its steps.

A step never writes: :meth:`Referral.step` answers a :class:`ReferralStep` (the fields to set
and the history entry, whose ``outcome`` is the referral as answered after it), which the
repository claims and writes (``adapters.referrals``). :meth:`Referral.document` gives back
exactly what :meth:`Referral.from_document` read, with the typed fields in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assistance.domain.institutions import Institution
from common import areas
from common.clock import now
from common.contracts.referrals import FINAL_STATES, INSTITUTION_STEPS, TRANSITIONS
from common.errors import ValidationFailed
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest
from common.scope import Scope

PUBLIC_FIELDS = (
    "person_key",
    "household_id",
    "institution",
    "institution_type",
    "reason",
    "place_kind",
    "state",
    "proposed_by",
    "start_date",
    "exit_date",
    "refusal_motive",
    "withdrawal_motive",
    "exit_motive",
)
ENTRY_FIELDS = ("step", "state", "at", "by", "note", "motive", "date")


def institution_reach(area: str) -> list[str]:
    """An institution serves its wilaya: ``/DZ/16/1623`` -> ``["/DZ", "/DZ/16"]``."""
    return areas.ancestors(area)[:2]


def iso_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@dataclass(frozen=True)
class ReferralStep:
    """What a step writes: the fields it sets and the history entry it adds (``entry["outcome"]`` is the answer)."""

    changes: dict[str, Any]
    entry: dict[str, Any]

    @property
    def outcome(self) -> dict[str, Any]:
        return dict(self.entry["outcome"])


@dataclass(frozen=True)
class Referral:
    """One person referred to one institution; ``stored`` keeps every other field as read."""

    id: str
    person_key: str
    household_id: str
    household_area: str
    institution: str
    institution_wilaya: str
    place_kind: str | None
    state: str
    version: int
    area_ancestors: tuple[str, ...]
    stored: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Referral:
        return cls(
            id=str(doc["_id"]),
            person_key=doc["person_key"],
            household_id=doc["household_id"],
            household_area=doc["household_area"],
            institution=doc["institution"],
            institution_wilaya=doc["institution_wilaya"],
            place_kind=doc.get("place_kind"),
            state=doc["state"],
            version=int(doc["version"]),
            area_ancestors=tuple(doc["area_ancestors"]),
            stored=dict(doc),
        )

    def document(self) -> dict[str, Any]:
        """The stored document, typed fields in place (``area_ancestors`` a list, as stored)."""
        typed = {
            "person_key": self.person_key,
            "household_id": self.household_id,
            "household_area": self.household_area,
            "institution": self.institution,
            "institution_wilaya": self.institution_wilaya,
            "place_kind": self.place_kind,
            "state": self.state,
            "version": self.version,
            "area_ancestors": list(self.area_ancestors),
        }
        return {**self.stored, "_id": self.id, **typed}

    @classmethod
    def propose(
        cls,
        *,
        referral_id: str,
        person_key: str,
        household_area: str,
        institution: Institution,
        reason: str,
        place_kind: str | None,
        user_id: str,
        idempotency_key: KeyedRequest,
    ) -> Referral:
        """A proposed referral, seen inside the household's area and the institution's wilaya."""
        reach = institution_reach(institution.area)
        at = now()
        return cls.from_document(
            {
                "_id": referral_id,
                "person_key": person_key,
                "household_id": person_key.split(":")[0],
                "household_area": household_area,
                "institution": institution.code,
                "institution_type": institution.type,
                "institution_wilaya": reach[-1],
                "reason": reason,
                "place_kind": place_kind,
                "state": "proposed",
                "version": 1,
                "area_ancestors": sorted(set(areas.ancestors(household_area)) | set(reach)),
                "open_key": f"{person_key}|{institution.code}",
                **idempotency_key.stamp(),
                "proposed_at": at,
                "proposed_by": user_id,
                "updated_at": at,
                "history": [],
            }
        )

    # what is read of it

    @property
    def open_key(self) -> str | None:
        """``<person key>|<institution>`` while open (unique: one open referral per person and institution)."""
        return self.stored.get("open_key")

    @property
    def start_date(self) -> str | None:
        return self.stored.get("start_date")

    @property
    def history(self) -> list[dict[str, Any]]:
        return list(self.stored.get("history") or [])

    @property
    def final(self) -> bool:
        """Ended, withdrawn or refused: it holds no place."""
        return self.state in FINAL_STATES

    def allowed_steps(self) -> list[str]:
        return sorted(TRANSITIONS[self.state])

    def visible_in(self, scope: Scope) -> bool:
        """Seen from the household's area and from the institution's wilaya (both are in its ancestors)."""
        return scope.area in self.area_ancestors

    def side_of(self, step: str) -> str:
        """The area whose staff take ``step``: the institution's wilaya, or the referring household's area."""
        return self.institution_wilaya if step in INSTITUTION_STEPS else self.household_area

    def public(self) -> dict[str, Any]:
        """The referral as answered (also kept in each history entry, the outcome a replay answers)."""
        doc = self.stored
        data: dict[str, Any] = {name: doc.get(name) for name in PUBLIC_FIELDS}
        data |= {"person_key": self.person_key, "household_id": self.household_id, "institution": self.institution}
        data |= {"place_kind": self.place_kind, "state": self.state}
        data["id"] = self.id
        data["proposed_at"] = iso_text(doc["proposed_at"])
        data["allowed_steps"] = self.allowed_steps()
        data["history"] = [{k: entry.get(k) for k in ENTRY_FIELDS} for entry in self.history]
        return data

    def replay(self, idempotency_key: KeyedRequest) -> dict[str, Any] | None:
        """The history entry its caller wrote under ``idempotency_key``, if any (another request's: refused)."""
        entry = idempotency_key.entry_in(self.history)
        return dict(entry) if entry is not None else None

    # steps

    def step(self, step: str, body: Mapping[str, Any], idempotency_key: KeyedRequest, user_id: str) -> ReferralStep:
        """What ``step`` writes; the entry's ``outcome`` is the referral after it.

        The step must be allowed from the referral's state (the caller checks it).
        """
        state = TRANSITIONS[self.state][step]
        at = now()
        entry: dict[str, Any] = {"step": step, "state": state, "at": at.isoformat(), "by": user_id}
        entry |= {"key": idempotency_key.scoped, FINGERPRINT_FIELD: idempotency_key.fingerprint}
        changes: dict[str, Any] = {"state": state, "version": self.version + 1, "updated_at": at}
        if step == "accept":
            entry["note"] = body.get("note")
        elif step == "refuse":
            changes["refusal_motive"] = entry["motive"] = body["motive"]
        elif step == "withdraw":
            changes["withdrawal_motive"] = entry["motive"] = body["motive"]
        elif step == "place":
            changes["start_date"] = entry["date"] = body["start_date"]
        elif step == "end":
            if self.start_date and body["exit_date"] < self.start_date:
                raise ValidationFailed("the exit date is before the placement's start", {"start_date": self.start_date})
            changes["exit_date"] = entry["date"] = body["exit_date"]
            changes["exit_motive"] = entry["motive"] = body["motive"]
        entry["outcome"] = self.after(ReferralStep(changes, entry)).public()
        return ReferralStep(changes, entry)

    def after(self, taken: ReferralStep) -> Referral:
        """The referral as ``taken`` leaves it (its entry added to the history)."""
        return Referral.from_document({**self.document(), **taken.changes, "history": [*self.history, taken.entry]})
