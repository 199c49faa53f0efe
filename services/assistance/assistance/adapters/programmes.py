"""Programme catalogue storage: programmes with their rule versions, and budgets per area and period.

Programmes are keyed by their code (``_id``).
Rule versions live inside the programme document and are appended with a conditional
update on the version count, so two publishers cannot both write version *n*.

A budget is one document per programme, area and period (``_id = code|area|period``).
Commitments move money from ``remaining_dzd`` to ``committed_dzd`` with one conditional
update of that document (atomic, and refused when the envelope is too small); the ids
of the requests holding a commitment are kept in the same document, so a repeated
commit or release is applied once. A small ``budget_commitments`` record per request
remembers which budget and amount it holds, for :meth:`release` and :meth:`spend`.
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import datetime
from importlib import resources
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from assistance.eligibility import as_rule_set
from common import areas
from common.clock import now
from common.contracts.programmes import AmountFormula, ProgrammeIn, RuleSet
from common.deadlocks import retry_transient
from common.errors import Conflict, NotFound, ValidationFailed
from common.jsonable import jsonable
from common.scope import Scope
from common.scoping import reaching

log = logging.getLogger(__name__)

REFERENCE_USER = "reference-data"
BUDGET_RETRIES = 5


def budget_id(code: str, area: str, period: str) -> str:
    return f"{code}|{area}|{period}"


def _public_programme(doc: dict[str, Any]) -> dict[str, Any]:
    data = {k: jsonable(v) for k, v in doc.items() if k not in ("_id", "area_ancestors", "rules_count")}
    data["id"] = str(doc["_id"])
    data.setdefault("rules_versions", [])
    data["formula"] = AmountFormula.model_validate(data.get("formula") or {}).model_dump(mode="json")
    data.setdefault("need", None)
    data.setdefault("period_kind", "one_off")
    return data


def _public_budget(doc: dict[str, Any]) -> dict[str, Any]:
    keys = ("programme_code", "area", "period", "allocated_dzd", "committed_dzd", "spent_dzd", "remaining_dzd")
    data = {k: doc[k] for k in keys}
    data["updated_at"] = jsonable(doc.get("updated_at"))
    return data


def reference_programmes() -> list[dict[str, Any]]:
    """The illustrative catalogue shipped with the service (``reference/programmes.json``)."""
    text = resources.files("assistance.reference").joinpath("programmes.json").read_text(encoding="utf-8")
    return list(json.loads(text)["programmes"])


class MongoProgrammeRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.programmes: Collection[dict[str, Any]] = database["programmes"]
        self.budgets: Collection[dict[str, Any]] = database["budgets"]
        self.commitments: Collection[dict[str, Any]] = database["budget_commitments"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        repo = MongoProgrammeRepository(database)
        repo.programmes.create_index([("code", ASCENDING)], unique=True)
        repo.programmes.create_index([("area", ASCENDING)])
        repo.programmes.create_index([("area_ancestors", ASCENDING)])
        repo.load_reference(reference_programmes())

    def load_reference(self, programmes: list[dict[str, Any]]) -> int:
        """Create the reference programmes and their first rules, if missing; returns how many were new.

        A programme already stored under the same code is kept as it is (an operator may
        have changed it since); the difference is logged.
        """
        created = 0
        for raw in programmes:
            rules = raw.get("rules")
            programme = ProgrammeIn.model_validate({k: v for k, v in raw.items() if k != "rules"})
            existed = self.programmes.find_one({"code": programme.code}) is not None
            try:
                stored = self.create(programme, REFERENCE_USER)
            except Conflict:
                log.warning("reference programme differs from the stored one; kept", extra={"code": programme.code})
                continue
            created += not existed
            if rules is not None and not stored["rules_versions"]:
                self.publish_rules(programme.code, RuleSet.model_validate({**rules, "version": 1}), REFERENCE_USER)
        return created

    def create(self, programme: ProgrammeIn, user_id: str) -> dict[str, Any]:
        fields = programme.model_dump(mode="json")
        doc = {
            "_id": programme.code,
            **fields,
            "area_ancestors": areas.ancestors(programme.area),
            "active": True,
            "rules_versions": [],
            "rules_count": 0,
            "created_at": now(),
            "created_by": user_id,
        }
        try:
            retry_transient(lambda: self.programmes.insert_one(doc))
        except DuplicateKeyError:
            existing = self.programmes.find_one({"code": programme.code})
            stored = _public_programme(existing) if existing else {}
            if any(stored.get(k) != v for k, v in fields.items()):
                raise Conflict("a different programme already has this code", {"code": programme.code}) from None
            return stored
        return _public_programme(doc)

    def list(self, scope: Scope) -> list[dict[str, Any]]:
        query = reaching(scope)
        return [_public_programme(doc) for doc in self.programmes.find(query).sort("code", ASCENDING)]

    def get(self, code: str) -> dict[str, Any] | None:
        if not isinstance(code, str):
            return None
        doc = self.programmes.find_one({"_id": code}) or self.programmes.find_one({"code": code})
        return _public_programme(doc) if doc else None

    def publish_rules(
        self, code: str, rules: RuleSet, user_id: str, not_before: datetime | None = None
    ) -> dict[str, Any]:
        doc = self.programmes.find_one({"_id": code}) or self.programmes.find_one({"code": code})
        if doc is None:
            raise NotFound("programme not found")
        versions: list[dict[str, Any]] = doc.get("rules_versions") or []
        if rules.version <= len(versions):
            if as_rule_set(versions[rules.version - 1]) == rules:
                return _public_programme(doc)
            raise Conflict(
                "this rules version is already published with other content; publish a new version",
                {"version": rules.version, "next_version": len(versions) + 1},
            )
        if rules.version != len(versions) + 1:
            raise Conflict("rules versions follow each other", {"next_version": len(versions) + 1})
        if versions and rules.activated_at < as_rule_set(versions[-1]).activated_at:
            raise ValidationFailed("a version may not activate before the previous one", {"field": "activated_at"})
        if not_before is not None and rules.activated_at < not_before:
            raise ValidationFailed("a new version may not take effect in the past", {"field": "activated_at"})
        stored = {**rules.model_dump(mode="python"), "published_at": now(), "published_by": user_id}
        count_filter: Any = len(versions) if versions else {"$in": [0, None]}
        updated = self.programmes.find_one_and_update(
            {"_id": doc["_id"], "rules_count": count_filter},
            {"$push": {"rules_versions": stored}, "$set": {"rules_count": len(versions) + 1}},
            return_document=True,
        )
        if updated is None:
            # another publisher got there first: answer as a repeat would
            return self.publish_rules(code, rules, user_id, not_before)
        return _public_programme(updated)

    def set_budget(self, code: str, area: str, period: str, allocated_dzd: int, user_id: str) -> dict[str, Any]:
        key = budget_id(code, area, period)
        at = now()
        with contextlib.suppress(DuplicateKeyError):  # set already: adjusted below
            self.budgets.insert_one(
                {
                    "_id": key,
                    "programme_code": code,
                    "area": area,
                    "area_ancestors": areas.ancestors(area),
                    "period": period,
                    "allocated_dzd": allocated_dzd,
                    "committed_dzd": 0,
                    "spent_dzd": 0,
                    "remaining_dzd": allocated_dzd,
                    "commitments": [],
                    "spent_requests": [],
                    "updated_at": at,
                    "updated_by": user_id,
                }
            )
        for _ in range(BUDGET_RETRIES):
            doc = self.budgets.find_one({"_id": key})
            assert doc is not None
            delta = allocated_dzd - doc["allocated_dzd"]
            if delta == 0:
                return _public_budget(doc)
            if doc["committed_dzd"] + doc["spent_dzd"] > allocated_dzd:
                raise Conflict(
                    "the budget cannot go below what is already committed or spent",
                    {"reason": "below_commitments", "used_dzd": doc["committed_dzd"] + doc["spent_dzd"]},
                )
            guard: dict[str, Any] = {"_id": key, "allocated_dzd": doc["allocated_dzd"]}
            if delta < 0:
                guard["remaining_dzd"] = {"$gte": -delta}
            updated = self.budgets.find_one_and_update(
                guard,
                {
                    "$set": {"allocated_dzd": allocated_dzd, "updated_at": at, "updated_by": user_id},
                    "$inc": {"remaining_dzd": delta},
                },
                return_document=True,
            )
            if updated is not None:
                return _public_budget(updated)
        raise Conflict("the budget is changing; try again", {"reason": "busy"})

    def get_budget(self, code: str, area: str, period: str) -> dict[str, Any] | None:
        doc = self.budgets.find_one({"_id": budget_id(code, area, period)})
        return _public_budget(doc) if doc else None

    def _enclosing_budget(self, code: str, area: str, period: str) -> dict[str, Any]:
        for candidate in reversed(areas.ancestors(area)):
            doc = self.budgets.find_one(
                {"_id": budget_id(code, candidate, period)}, {"commitments": 0, "spent_requests": 0}
            )
            if doc is not None:
                return doc
        raise Conflict(
            "no budget is set for this programme, area and period",
            {"reason": "no_budget", "programme_code": code, "area": area, "period": period},
        )

    def commit(self, programme_code: str, area: str, period: str, amount_dzd: int, request_id: str) -> None:
        if amount_dzd < 0:
            raise ValidationFailed("a commitment is not negative", {"field": "amount_dzd"})
        budget = self._enclosing_budget(programme_code, area, period)
        key = budget["_id"]
        record = self.commitments.find_one({"_id": request_id})
        if record is not None and record["status"] != "released":
            if record["budget_id"] != key or record["amount_dzd"] != amount_dzd:
                raise Conflict(
                    "the request already holds another commitment; release it first",
                    {
                        "reason": "committed_elsewhere",
                        "budget": record["budget_id"],
                        "amount_dzd": record["amount_dzd"],
                    },
                )
            if record["status"] == "spent":
                return
        self.commitments.replace_one(
            {"_id": request_id},
            {"budget_id": key, "amount_dzd": amount_dzd, "status": "committed", "at": now()},
            upsert=True,
        )
        applied = self.budgets.update_one(
            {
                "_id": key,
                "commitments": {"$ne": request_id},
                "spent_requests": {"$ne": request_id},
                "remaining_dzd": {"$gte": amount_dzd},
            },
            {
                "$inc": {"remaining_dzd": -amount_dzd, "committed_dzd": amount_dzd},
                "$push": {"commitments": request_id},
                "$set": {"updated_at": now()},
            },
        )
        if applied.modified_count:
            return
        current = self.budgets.find_one({"_id": key}) or {}
        if request_id in current.get("commitments", ()) or request_id in current.get("spent_requests", ()):
            return
        self.commitments.delete_one({"_id": request_id})
        raise Conflict(
            "the budget of this programme is exhausted for the area and period",
            {
                "reason": "budget_exceeded",
                "programme_code": programme_code,
                "area": current.get("area", area),
                "period": period,
                "remaining_dzd": current.get("remaining_dzd", 0),
                "requested_dzd": amount_dzd,
            },
        )

    def release(self, request_id: str) -> None:
        record = self.commitments.find_one({"_id": request_id})
        if record is None or record["status"] != "committed":
            return
        amount = record["amount_dzd"]
        self.budgets.update_one(
            {"_id": record["budget_id"], "commitments": request_id},
            {
                "$pull": {"commitments": request_id},
                "$inc": {"remaining_dzd": amount, "committed_dzd": -amount},
                "$set": {"updated_at": now()},
            },
        )
        self.commitments.update_one({"_id": request_id}, {"$set": {"status": "released", "at": now()}})

    def spend(self, request_id: str) -> None:
        record = self.commitments.find_one({"_id": request_id})
        if record is None or record["status"] == "released":
            raise Conflict("the request holds no budget commitment", {"reason": "not_committed"})
        amount = record["amount_dzd"]
        self.budgets.update_one(
            {"_id": record["budget_id"], "commitments": request_id},
            {
                "$pull": {"commitments": request_id},
                "$push": {"spent_requests": request_id},
                "$inc": {"committed_dzd": -amount, "spent_dzd": amount},
                "$set": {"updated_at": now()},
            },
        )
        self.commitments.update_one({"_id": request_id}, {"$set": {"status": "spent", "at": now()}})
