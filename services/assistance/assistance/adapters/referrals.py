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

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from assistance.domain.referrals import Referral, ReferralStep
from common.contracts.referrals import FINAL_STATES, TRANSITIONS, ReferralFilter
from common.deadlocks import retry_transient
from common.errors import Conflict, IdempotencyKeyReused
from common.idempotency import KeyedRequest
from common.scope import Scope
from common.scoping import within


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

    def propose(self, referral: Referral, key: KeyedRequest) -> tuple[Referral, bool]:
        legacy = self.referrals.find_one(key.legacy_query("proposed_by"))
        if legacy is not None:
            return Referral.from_document(legacy), False
        try:
            retry_transient(lambda: self.referrals.insert_one(referral.document()))
            return referral, True
        except DuplicateKeyError:
            pass
        earlier = self.referrals.find_one({"idempotency_key": key.scoped})
        if earlier is not None:
            if not key.matches(earlier, "proposed_by"):
                raise IdempotencyKeyReused("this idempotency key was used for another referral") from None
            return Referral.from_document(earlier), False
        open_one = self.referrals.find_one({"open_key": referral.open_key}, {"_id": 1})
        raise Conflict(
            "this person already has an open referral to this institution",
            {"referral_id": open_one["_id"]} if open_one else None,
        ) from None

    def get(self, referral_id: str) -> Referral | None:
        doc = self.referrals.find_one({"_id": referral_id})
        for _ in TRANSITIONS:  # a referral takes a few steps at most
            if doc is None:
                return None
            claim = self.steps.find_one({"_id": f"{referral_id}:{doc['version']}"})
            if claim is None:
                break
            self._apply(claim)
            doc = self.referrals.find_one({"_id": referral_id})
        return Referral.from_document(doc) if doc is not None else None

    def list_in(self, scope: Scope, filters: ReferralFilter) -> list[Referral]:
        query = within(scope)
        if filters.institution:
            query["institution"] = filters.institution
        if filters.state:
            query["state"] = filters.state
        cursor = self.referrals.find(query).sort("proposed_at", DESCENDING).limit(filters.limit)
        return [Referral.from_document(doc) for doc in cursor]

    def advance(self, referral: Referral, taken: ReferralStep) -> bool:
        claim = {
            "_id": f"{referral.id}:{referral.version}",
            "referral_id": referral.id,
            "version": referral.version,
            "changes": taken.changes,
            "entry": taken.entry,
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
