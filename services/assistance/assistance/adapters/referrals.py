"""Referrals to institutions: one document each, its steps kept in its own history.

A step is first *claimed*: a document ``<referral id>:<version>`` inserted in
``referral_steps`` holds what the step writes and the history entry it adds, with the
step's idempotency key and the referral as the step left it (``outcome``). The unique
``_id`` lets one step win from a given version; only then is the referral updated. A
reader that finds a claim for the version it read applies it first, so a crash between
the claim and the update, or an update lost to a concurrent writer, heals on the next
read. The claim also keeps each step's outcome for its replays.

The same key therefore replays the stored outcome, even after later steps. While a
referral is open (proposed, accepted or placed) it holds ``open_key``
(``<person key>|<institution>``), unique: one open referral per person and institution.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from common.clock import now
from common.contracts.referrals import FINAL_STATES, TRANSITIONS, ReferralFilter
from common.deadlocks import retry_transient
from common.errors import Conflict, IdempotencyKeyReused, ValidationFailed
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest
from common.scope import Scope
from common.scoping import within

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


def new_id() -> str:
    return str(ObjectId())


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
    data["proposed_at"] = _iso(doc["proposed_at"])
    data["allowed_steps"] = sorted(TRANSITIONS[doc["state"]])
    data["history"] = [{k: entry.get(k) for k in ENTRY_FIELDS} for entry in doc.get("history") or []]
    return data


def _iso(value: Any) -> str:
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


class ReferralRepository(Protocol):
    def propose(self, doc: dict[str, Any], key: KeyedRequest) -> tuple[dict[str, Any], bool]:
        """Store a new referral once per caller's idempotency key: ``(stored document, created by this call)``.

        IdempotencyKeyReused if the caller used the key for another referral; Conflict if
        the person already has an open referral to the institution.
        """

    def get(self, referral_id: str) -> dict[str, Any] | None:
        """The stored document (with its history and version), any step already claimed applied."""

    def list_in(self, scope: Scope, filters: ReferralFilter) -> list[dict[str, Any]]:
        """Public referrals inside ``scope``, the latest first."""

    def advance(self, doc: dict[str, Any], changes: dict[str, Any], entry: dict[str, Any]) -> bool:
        """Claim and write a step computed from ``doc``; False if another step claimed its version first."""


class MongoReferralRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.referrals = database["referrals"]
        self.steps = database["referral_steps"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        referrals = database["referrals"]
        referrals.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        referrals.create_index([("open_key", ASCENDING)], unique=True, sparse=True)
        referrals.create_index([("area_ancestors", ASCENDING), ("proposed_at", DESCENDING)])
        referrals.create_index([("institution", ASCENDING), ("state", ASCENDING)])

    def propose(self, doc: dict[str, Any], key: KeyedRequest) -> tuple[dict[str, Any], bool]:
        legacy = self.referrals.find_one(key.legacy_query("proposed_by"))
        if legacy is not None:
            return legacy, False
        try:
            retry_transient(lambda: self.referrals.insert_one(doc))
            return doc, True
        except DuplicateKeyError:
            pass
        earlier = self.referrals.find_one({"idempotency_key": key.scoped})
        if earlier is not None:
            if not key.matches(earlier, "proposed_by"):
                raise IdempotencyKeyReused("this idempotency key was used for another referral") from None
            return earlier, False
        open_one = self.referrals.find_one({"open_key": doc["open_key"]}, {"_id": 1})
        raise Conflict(
            "this person already has an open referral to this institution",
            {"referral_id": open_one["_id"]} if open_one else None,
        ) from None

    def get(self, referral_id: str) -> dict[str, Any] | None:
        doc = self.referrals.find_one({"_id": referral_id})
        for _ in TRANSITIONS:  # a referral takes a few steps at most
            if doc is None:
                return None
            claim = self.steps.find_one({"_id": f"{referral_id}:{doc['version']}"})
            if claim is None:
                return doc
            self._apply(claim)
            doc = self.referrals.find_one({"_id": referral_id})
        return doc

    def list_in(self, scope: Scope, filters: ReferralFilter) -> list[dict[str, Any]]:
        query = within(scope)
        if filters.institution:
            query["institution"] = filters.institution
        if filters.state:
            query["state"] = filters.state
        cursor = self.referrals.find(query).sort("proposed_at", DESCENDING).limit(filters.limit)
        return [public(doc) for doc in cursor]

    def advance(self, doc: dict[str, Any], changes: dict[str, Any], entry: dict[str, Any]) -> bool:
        claim = {
            "_id": f"{doc['_id']}:{doc['version']}",
            "referral_id": doc["_id"],
            "version": doc["version"],
            "changes": changes,
            "entry": entry,
        }
        try:
            self.steps.insert_one(claim)
        except DuplicateKeyError:
            return False
        self._apply(claim)
        return True

    def _apply(self, claim: dict[str, Any]) -> None:
        """Write a claimed step into the referral (a no-op if it is there already)."""
        update: dict[str, Any] = {"$set": claim["changes"], "$push": {"history": claim["entry"]}}
        if claim["changes"]["state"] in FINAL_STATES:
            update["$unset"] = {"open_key": ""}
        self.referrals.update_one({"_id": claim["referral_id"], "version": claim["version"]}, update)
