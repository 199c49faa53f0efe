"""Donor records (collection ``donors``): the only writer.

A donor linked to a platform user stores its ``user_id`` (unique: one record per user);
walk-in donors registered by staff have none (the field is absent, the index sparse).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from common.clock import now
from common.idempotency import KeyedRequest
from common.refusals import conflict
from common.scope import Scope
from common.scoping import within
from solidarity.adapters.campaigns import day, on
from solidarity.adapters.keyed import insert_once, object_id
from solidarity.domain.donors import Consent, Donor

COLLECTION = "donors"


def document(donor: Donor) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": ObjectId(donor.id),
        "kind": donor.kind,
        "name": donor.name,
        "area": donor.area,
        "area_ancestors": areas.ancestors(donor.area),
        "registration": donor.registration,
        "consent": {"channels": sorted(donor.consent.channels), "given_on": day(donor.consent.given_on)},
        "anonymous_public": donor.anonymous_public,
    }
    if donor.user_id is not None:
        doc["user_id"] = donor.user_id
    return doc


def from_document(doc: dict[str, Any]) -> Donor:
    consent = doc.get("consent") or {}
    given: date | None = on(consent.get("given_on"))
    return Donor(
        id=str(doc["_id"]),
        kind=doc["kind"],
        name=doc["name"],
        area=doc["area"],
        registration=doc.get("registration"),
        user_id=doc.get("user_id"),
        consent=Consent(frozenset(consent.get("channels") or ()), given),
        anonymous_public=bool(doc.get("anonymous_public")),
    )


class MongoDonors:
    def __init__(self, database: Database[Any]) -> None:
        self.donors: Collection[dict[str, Any]] = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        donors = database[COLLECTION]
        donors.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        donors.create_index([("user_id", ASCENDING)], unique=True, sparse=True)
        donors.create_index([("area_ancestors", ASCENDING), ("_id", DESCENDING)])

    def new_id(self) -> str:
        return str(ObjectId())

    def create(self, donor: Donor, key: KeyedRequest, user_id: str) -> Donor:
        doc = {**document(donor), "created_at": now(), "created_by": user_id}
        try:
            stored, _ = insert_once(self.donors, doc, key, "created_by")
        except DuplicateKeyError:  # on user_id: this user has a donor record already
            raise conflict("donor_exists", "this user already has a donor record") from None
        return from_document(stored)

    def get(self, donor_id: str) -> Donor | None:
        oid = object_id(donor_id)
        doc = self.donors.find_one({"_id": oid}) if oid else None
        return from_document(doc) if doc else None

    def of_user(self, user_id: str) -> Donor | None:
        doc = self.donors.find_one({"user_id": user_id})
        return from_document(doc) if doc else None

    def update(self, donor: Donor) -> Donor:
        fields = {k: v for k, v in document(donor).items() if k in ("consent", "anonymous_public")}
        self.donors.update_one({"_id": ObjectId(donor.id)}, {"$set": {**fields, "updated_at": now()}})
        return donor

    def within(self, scope: Scope, limit: int) -> list[Donor]:
        found = self.donors.find(within(scope)).sort("_id", DESCENDING).limit(limit)
        return [from_document(doc) for doc in found]

    def count_within(self, scope: Scope) -> int:
        return self.donors.count_documents(within(scope))
