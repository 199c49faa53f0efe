"""Statement imports (collections ``statement_lines`` and ``statement_imports``): the only writer.

A statement line is taken by inserting ``{"_id": "<area>|<line key>", "done": false}`` and
marked done once applied: the unique ``_id`` makes a line count once per directorate however
often (or however concurrently) the same statement is imported, and a line an import took
but did not finish (a crash) is finished by the next import, under the first importer's key
(so the gift it records is the same one). Each import's report is kept, keyed by its
caller's idempotency key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common.clock import now
from common.idempotency import KEY_FIELD, KeyedRequest
from solidarity.adapters.keyed import insert_once

LINES = "statement_lines"
IMPORTS = "statement_imports"


class MongoStatementImports:
    def __init__(self, database: Database[Any]) -> None:
        self.lines: Collection[dict[str, Any]] = database[LINES]
        self.imports: Collection[dict[str, Any]] = database[IMPORTS]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database[IMPORTS].create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)

    def new_id(self) -> str:
        return str(ObjectId())

    def seen(self, area: str, keys: Iterable[str]) -> set[str]:
        ids = [f"{area}|{key}" for key in keys]
        found = self.lines.find({"_id": {"$in": ids}, "done": True}, {"_id": 1})
        return {doc["_id"].split("|", 1)[1] for doc in found}

    def take(self, area: str, key: str, import_id: str, user_id: str) -> str | None:
        line = {"_id": f"{area}|{key}", "import_id": import_id, "user_id": user_id, "done": False, "at": now()}
        try:
            self.lines.insert_one(line)
        except DuplicateKeyError:
            held = self.lines.find_one({"_id": line["_id"]}) or {}
            return None if held.get("done", True) else str(held["user_id"])
        return user_id

    def done(self, area: str, key: str) -> None:
        self.lines.update_one({"_id": f"{area}|{key}"}, {"$set": {"done": True}})

    def save_report(self, report: dict[str, Any], key: KeyedRequest, user_id: str) -> dict[str, Any]:
        doc = {**report, "_id": ObjectId(str(report["id"])), "imported_at": now(), "imported_by": user_id}
        stored, _ = insert_once(self.imports, doc, key, "imported_by")
        return _public(stored)

    def report_by_key(self, key: KeyedRequest) -> dict[str, Any] | None:
        found = self.imports.find_one({KEY_FIELD: key.scoped})
        if found is None or not key.matches(found, "imported_by"):
            return None
        return _public(found)


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    hidden = {"_id", "idempotency_key", "idempotency_fingerprint", "imported_by"}
    return {k: v for k, v in doc.items() if k not in hidden}
