"""Referrals as rules: who sees one (the household's area and the institution's wilaya), what a step writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common import areas
from common.clock import now
from common.contracts.referrals import TRANSITIONS
from common.errors import ValidationFailed
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest

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


def new_referral(
    *,
    referral_id: str,
    person_key: str,
    household_area: str,
    institution: dict[str, Any],
    reason: str,
    place_kind: str | None,
    user_id: str,
    idempotency_key: KeyedRequest,
) -> dict[str, Any]:
    """A proposed referral, seen inside the household's area and the institution's wilaya."""
    household_id = person_key.split(":")[0]
    reach = institution_reach(institution["area"])
    at = now()
    return {
        "_id": referral_id,
        "person_key": person_key,
        "household_id": household_id,
        "household_area": household_area,
        "institution": institution["code"],
        "institution_type": institution["type"],
        "institution_wilaya": reach[-1],
        "reason": reason,
        "place_kind": place_kind,
        "state": "proposed",
        "version": 1,
        "area_ancestors": sorted(set(areas.ancestors(household_area)) | set(reach)),
        "open_key": f"{person_key}|{institution['code']}",
        **idempotency_key.stamp(),
        "proposed_at": at,
        "proposed_by": user_id,
        "updated_at": at,
        "history": [],
    }


def public(doc: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {field: doc.get(field) for field in PUBLIC_FIELDS}
    data["id"] = doc["_id"]
    data["proposed_at"] = iso_text(doc["proposed_at"])
    data["allowed_steps"] = sorted(TRANSITIONS[doc["state"]])
    data["history"] = [{k: entry.get(k) for k in ENTRY_FIELDS} for entry in doc.get("history") or []]
    return data


def iso_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def replay(doc: dict[str, Any], idempotency_key: KeyedRequest) -> dict[str, Any] | None:
    """The history entry its caller wrote under ``idempotency_key``, if any (another request's: refused)."""
    entry = idempotency_key.entry_in(doc.get("history") or [])
    return dict(entry) if entry is not None else None


def apply_step(
    doc: dict[str, Any], step: str, body: dict[str, Any], idempotency_key: KeyedRequest, user_id: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What ``step`` writes: ``(fields to set, history entry)``; the entry's ``outcome`` is the result.

    The step must be allowed from the referral's state (the caller checks it).
    """
    state = TRANSITIONS[doc["state"]][step]
    at = now()
    entry: dict[str, Any] = {"step": step, "state": state, "at": at.isoformat(), "by": user_id}
    entry |= {"key": idempotency_key.scoped, FINGERPRINT_FIELD: idempotency_key.fingerprint}
    changes: dict[str, Any] = {"state": state, "version": doc["version"] + 1, "updated_at": at}
    if step == "accept":
        entry["note"] = body.get("note")
    elif step == "refuse":
        changes["refusal_motive"] = entry["motive"] = body["motive"]
    elif step == "withdraw":
        changes["withdrawal_motive"] = entry["motive"] = body["motive"]
    elif step == "place":
        changes["start_date"] = entry["date"] = body["start_date"]
    elif step == "end":
        if doc.get("start_date") and body["exit_date"] < doc["start_date"]:
            raise ValidationFailed("the exit date is before the placement's start", {"start_date": doc["start_date"]})
        changes["exit_date"] = entry["date"] = body["exit_date"]
        changes["exit_motive"] = entry["motive"] = body["motive"]
    after = {**doc, **changes, "history": [*(doc.get("history") or []), entry]}
    entry["outcome"] = public(after)
    return changes, entry
