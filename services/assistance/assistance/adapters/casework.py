"""Case work of the proximity cells: teams, cases, visits and the caseload soft limit.

Four collections: ``team_members`` (keyed ``<cell>|<user id>``), ``cells`` (the soft
limit, keyed by the cell's area), ``cases`` and ``visits``. Visits are documents of their
own, not an array in the case, so "planned and overdue in this cell" is one plain query
through the ``cell``/``status``/``planned_for`` index.

Closing a case and recording (or cancelling) a visit are final, and decided by an
insert: ``case_closures`` and ``visit_outcomes`` are keyed by the case's or visit's id,
so one closing or one outcome wins however many race, and it carries the idempotency
key its replays are recognised by. The case or visit is updated after; a reader that
finds the decision not yet applied applies it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from assistance.domain.casework import Case, TeamMember, Visit
from common.clock import now
from common.contracts.casework import DEFAULT_SOFT_LIMIT, CaseFilter, TeamMemberIn, commune_area
from common.deadlocks import retry_transient
from common.errors import Conflict, IdempotencyKeyReused
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest
from common.scope import Scope
from common.scoping import within


class MongoCaseworkRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.members = database["team_members"]
        self.cells = database["cells"]
        self.cases = database["cases"]
        self.visits = database["visits"]
        self.closures = database["case_closures"]
        self.outcomes = database["visit_outcomes"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database["team_members"].create_index([("cell", ASCENDING)])
        cases = database["cases"]
        cases.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        cases.create_index([("open_key", ASCENDING)], unique=True, sparse=True)
        cases.create_index([("area_ancestors", ASCENDING), ("opened_at", DESCENDING)])
        cases.create_index([("cell", ASCENDING), ("status", ASCENDING)])
        cases.create_index([("household_id", ASCENDING)])  # a household's cases
        visits = database["visits"]
        visits.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        visits.create_index([("cell", ASCENDING), ("status", ASCENDING), ("planned_for", ASCENDING)])
        visits.create_index([("case_id", ASCENDING)])

    def team(self, cell: str, day: date) -> list[TeamMember]:
        found = self.members.find({"cell": cell}).sort("user_id", ASCENDING)
        return [TeamMember.from_document(doc, day) for doc in found]

    def set_member(self, cell: str, member: TeamMemberIn, user_id: str, day: date) -> TeamMember:
        appointed = TeamMember.appoint(cell, member, user_id, now(), day)
        self.members.replace_one({"_id": f"{cell}|{member.user_id}"}, appointed.document(), upsert=True)
        return appointed

    def soft_limit(self, cell: str) -> int:
        doc = self.cells.find_one({"_id": cell}, {"soft_limit": 1})
        return int(doc["soft_limit"]) if doc else DEFAULT_SOFT_LIMIT

    def set_soft_limit(self, cell: str, soft_limit: int, user_id: str) -> int:
        self.cells.update_one(
            {"_id": cell},
            {"$set": {"soft_limit": soft_limit, "updated_at": now(), "updated_by": user_id}},
            upsert=True,
        )
        return soft_limit

    def open_case(self, case: Case, key: KeyedRequest) -> tuple[Case, bool]:
        legacy = self.cases.find_one(key.legacy_query("opened_by"))
        if legacy is not None:
            return Case.from_document(legacy), False
        try:
            retry_transient(lambda: self.cases.insert_one(case.document()))
            return case, True
        except DuplicateKeyError:
            pass
        earlier = self.cases.find_one({"idempotency_key": key.scoped})
        if earlier is not None:
            if not key.matches(earlier, "opened_by"):
                raise IdempotencyKeyReused("this idempotency key was used for another case") from None
            return Case.from_document(earlier), False
        open_one = self.cases.find_one({"open_key": case.open_key}, {"_id": 1})
        raise Conflict(
            "this household already has an open case", {"case_id": open_one["_id"]} if open_one else None
        ) from None

    def get_case(self, case_id: str) -> Case | None:
        doc = self.cases.find_one({"_id": case_id})
        if doc is not None and doc["status"] == "open" and (closure := self.closures.find_one({"_id": case_id})):
            self._apply_closure(closure)
            doc = self.cases.find_one({"_id": case_id})
        return Case.from_document(doc) if doc is not None else None

    def list_cases(self, scope: Scope, filters: CaseFilter) -> list[Case]:
        query = within(scope)
        if filters.commune:
            query = {"$and": [within(scope), {"cell": commune_area(filters.commune)}]}
        for field in ("status", "lead", "household_id"):
            if (value := getattr(filters, field)) is not None:
                query[field] = value
        cursor = self.cases.find(query).sort("opened_at", DESCENDING).limit(filters.limit)
        return [Case.from_document(doc) for doc in cursor]

    def caseload(self, cell: str) -> tuple[int, Counter[str], Counter[str]]:
        involved: Counter[str] = Counter()
        leading: Counter[str] = Counter()
        count = 0
        for doc in self.cases.find({"cell": cell, "status": "open"}, {"lead": 1, "team": 1}):
            count += 1
            involved.update(set(doc["team"]))
            leading[doc["lead"]] += 1
        return count, involved, leading

    def close_case(self, case_id: str, note: str, key: KeyedRequest, user_id: str) -> Case | None:
        closure: dict[str, Any] = {"_id": case_id, "key": key.scoped, FINGERPRINT_FIELD: key.fingerprint}
        closure |= {"note": note, "by": user_id, "at": now()}
        try:
            self.closures.insert_one(closure)
        except DuplicateKeyError:
            return None
        self._apply_closure(closure)
        return self.get_case(case_id)

    def _apply_closure(self, closure: dict[str, Any]) -> None:
        closed = {
            "status": "closed",
            "closed_at": closure["at"],
            "closed_by": closure["by"],
            "closure_note": closure["note"],
            "close_key": closure["key"],
            "close_fingerprint": closure.get(FINGERPRINT_FIELD),
        }
        self.cases.update_one({"_id": closure["_id"]}, {"$set": closed, "$unset": {"open_key": ""}})
        for visit in self.visits.find({"case_id": closure["_id"], "status": "planned"}, {"_id": 1}):
            cancelled = {"_id": visit["_id"], "status": "cancelled", "at": closure["at"]}
            try:
                self.outcomes.insert_one(cancelled)
            except DuplicateKeyError:
                continue  # recorded just before the closing: the record stands
            self._apply_outcome(cancelled)

    def plan_visit(self, visit: Visit) -> tuple[Visit, bool]:
        doc = visit.document()
        try:
            retry_transient(lambda: self.visits.insert_one(doc))
            return visit, True
        except DuplicateKeyError:
            earlier = self.visits.find_one({"idempotency_key": doc["idempotency_key"]})
            if earlier is None or earlier.get(FINGERPRINT_FIELD) != doc[FINGERPRINT_FIELD]:
                raise IdempotencyKeyReused("this idempotency key was used for another visit") from None
            return Visit.from_document(earlier), False

    def get_visit(self, visit_id: str) -> Visit | None:
        doc = self.visits.find_one({"_id": visit_id})
        if doc is not None and doc["status"] == "planned" and (outcome := self.outcomes.find_one({"_id": visit_id})):
            self._apply_outcome(outcome)
            doc = self.visits.find_one({"_id": visit_id})
        return Visit.from_document(doc) if doc is not None else None

    def visit_for_key(self, key: KeyedRequest) -> Visit | None:
        found = self.visits.find_one({"idempotency_key": key.scoped}) or self.visits.find_one(
            key.legacy_query("planned_by")
        )
        return Visit.from_document(found) if found is not None and key.matches(found, "planned_by") else None

    def record_visit(
        self, visit_id: str, visited_on: str, outcome: str, key: KeyedRequest, user_id: str
    ) -> Visit | None:
        recorded = {
            "_id": visit_id,
            "status": "recorded",
            "key": key.scoped,
            FINGERPRINT_FIELD: key.fingerprint,
            "visited_on": visited_on,
            "outcome": outcome,
            "by": user_id,
            "at": now(),
        }
        try:
            self.outcomes.insert_one(recorded)
        except DuplicateKeyError:
            return None
        self._apply_outcome(recorded)
        return self.get_visit(visit_id)

    def _apply_outcome(self, outcome: dict[str, Any]) -> None:
        change: dict[str, Any] = {"status": outcome["status"]}
        if outcome["status"] == "recorded":
            change |= {
                "visited_on": outcome["visited_on"],
                "outcome": outcome["outcome"],
                "recorded_at": outcome["at"],
                "recorded_by": outcome["by"],
                "record_key": outcome["key"],
                "record_fingerprint": outcome.get(FINGERPRINT_FIELD),
            }
        self.visits.update_one({"_id": outcome["_id"]}, {"$set": change})

    def overdue(self, cell: str, day: date) -> list[Visit]:
        query = {"cell": cell, "status": "planned", "planned_for": {"$lt": day.isoformat()}}
        found = list(self.visits.find(query).sort("planned_for", ASCENDING))
        case_ids = sorted({visit["case_id"] for visit in found})
        still_open = {doc["_id"] for doc in self.cases.find({"_id": {"$in": case_ids}, "status": "open"}, {"_id": 1})}
        decided = {doc["_id"] for doc in self.outcomes.find({"_id": {"$in": [v["_id"] for v in found]}}, {"_id": 1})}
        return [
            Visit.from_document(visit)
            for visit in found
            if visit["case_id"] in still_open and visit["_id"] not in decided
        ]
