"""Institutions and their places: each place is a document, taken by inserting it.

An institution of capacity N has the places ``<code>#0`` … ``<code>#N-1`` (or
``<code>#<kind>#<n>`` per kind when its places are split by kind). A placement takes a
place by *inserting* its document, ``{"_id": place, "holder": referral id}``: the unique
``_id`` lets one insert win when two placements race for the last place, and a unique
index on ``holder`` lets a referral hold one place at most, however often its placement
is repeated. Releasing deletes the holder's document. Occupancy is the count of these
documents: it is computed from the placements themselves.

Why not a counter with a conditional ``$inc``: a counter can drift from the placements
it counts, where the places' documents cannot.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from functools import partial
from importlib import resources
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from assistance.domain.institutions import Institution, Reservation, fields_of, kind_fits, place_ids
from common.clock import now
from common.contracts.referrals import InstitutionIn
from common.deadlocks import retry_transient
from common.errors import Conflict
from common.scope import Scope
from common.scoping import within

REFERENCE_FILE = "institutions.json"


def reference_institutions() -> list[InstitutionIn]:
    """The shipped (illustrative) list, validated like user input."""
    text = resources.files("assistance.reference").joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    return [InstitutionIn.model_validate(item) for item in json.loads(text)["institutions"]]


class MongoInstitutionRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.institutions = database["institutions"]
        self.places = database["institution_places"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        repo = MongoInstitutionRepository(database)
        repo.institutions.create_index([("area_ancestors", ASCENDING)])
        repo.places.create_index([("holder", ASCENDING)], unique=True)
        repo.places.create_index([("institution", ASCENDING)])
        repo.load_reference(reference_institutions())

    def load_reference(self, found: list[InstitutionIn]) -> int:
        """Insert or refresh the reference entries; those a user edited (``manual``) are left alone.

        One write per entry: the list is short, and an entry a user edited meanwhile meets
        the unique ``_id`` and is skipped alone.
        """
        at = now()
        loaded = 0
        for institution in found:
            try:
                self.institutions.update_one(
                    {"_id": institution.code, "source": "reference"},
                    {"$set": {**fields_of(institution), "updated_at": at}},
                    upsert=True,
                )
                loaded += 1
            except DuplicateKeyError:
                continue  # edited by a user since: theirs wins
        return loaded

    def _taken(self, codes: list[str]) -> dict[str, Counter[str | None]]:
        taken: dict[str, Counter[str | None]] = {code: Counter() for code in codes}
        query = {"institution": codes[0]} if len(codes) == 1 else {"institution": {"$in": codes}}
        for place in self.places.find(query, {"institution": 1, "kind": 1}):
            taken[place["institution"]][place.get("kind")] += 1
        return taken

    def get(self, code: str) -> Institution | None:
        doc = self.institutions.find_one({"_id": code})
        return Institution.from_document(doc, self._taken([code])[code]) if doc else None

    def list_in(self, scope: Scope, type_: str | None, area: str | None) -> list[Institution]:
        query: dict[str, Any] = within(scope)
        if area is not None:
            query = {"$and": [within(scope), within(Scope(area))]}
        if type_ is not None:
            query["type"] = type_
        docs = list(self.institutions.find(query).sort("_id", ASCENDING))
        taken = self._taken([doc["_id"] for doc in docs]) if docs else {}
        return [Institution.from_document(doc, taken[doc["_id"]]) for doc in docs]

    def create(self, institution: InstitutionIn, user_id: str) -> Institution:
        created = Institution.create(institution, user_id, now())
        try:
            self.institutions.insert_one(created.document())
        except DuplicateKeyError:
            existing = self.get(institution.code)
            if existing is None or not existing.describes(institution):
                raise Conflict("another institution has this code", {"code": institution.code}) from None
            return existing
        return created

    def update(self, institution: InstitutionIn, user_id: str) -> Institution | None:
        if self.institutions.find_one({"_id": institution.code}, {"_id": 1}) is None:
            return None
        kinds = institution.places_by_kind
        kept = {
            place
            for kind in (list(kinds) if kinds else [None])
            for place in place_ids(institution.code, kinds, institution.capacity, kind)
        }
        held = [place["_id"] for place in self.places.find({"institution": institution.code}, {"_id": 1})]
        if stranded := sorted(place for place in held if place not in kept):
            raise Conflict("places the new capacity drops are taken", {"places": stranded})
        fields = {**fields_of(institution), "source": "manual", "updated_at": now(), "updated_by": user_id}
        self.institutions.update_one({"_id": institution.code}, {"$set": fields})
        return self.get(institution.code)

    def reserve(self, code: str, holder: str, kind: str | None) -> Reservation:
        doc = self.institutions.find_one({"_id": code}, {"capacity": 1, "places_by_kind": 1})
        if doc is None or not kind_fits(doc.get("places_by_kind"), kind):
            return Reservation.UNKNOWN
        if self.places.find_one({"holder": holder}, {"_id": 1}) is not None:
            return Reservation.HELD
        taken = {place["_id"] for place in self.places.find({"institution": code}, {"_id": 1})}
        for place in place_ids(code, doc.get("places_by_kind"), doc["capacity"], kind):
            if place in taken:
                continue
            try:
                claim = {"_id": place, "institution": code, "kind": kind, "holder": holder, "taken_at": now()}
                retry_transient(partial(self.places.insert_one, claim))
                return Reservation.TAKEN
            except DuplicateKeyError:  # taken meanwhile, or this holder won a place in a racing call
                if self.places.find_one({"holder": holder}, {"_id": 1}) is not None:
                    return Reservation.HELD
        return Reservation.FULL

    def release(self, holder: str) -> bool:
        return bool(self.places.delete_one({"holder": holder}).deleted_count)

    def holdings(self) -> Iterator[tuple[str, str]]:
        for place in self.places.find({}, {"institution": 1, "holder": 1}):
            yield place["institution"], place["holder"]
