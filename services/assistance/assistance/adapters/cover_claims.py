"""The ``aid_cover_claims`` collection: two checkers approving one need for the same people cannot both win.

Keys are ``domain.cover``'s.

The double-aid check reads the grants already made; two approvals running at the same
moment both read none. So an approval whose need is refused when covered also claims
what it covers, by insert: one claim per household (its own and the related ones) and
per month of the grant's period, keyed ``<need>|<household>|<YYYY-MM>``. A month
claimed by another request is a clash, whatever the order the two came in; the loser
takes back the claims it made and is refused. Every claimant inserts its keys in the
same order and stops at the first one taken, as locks are taken in a fixed order: of
approvals racing for the same months, one wins (none could, if each took some).

Claims are given back with the budget: on a rejection, a cancellation or a withdrawal,
and when an approval fails after claiming.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from common.deadlocks import ATTEMPTS, is_write_conflict_entry, pause, retry_transient

DUPLICATE_KEY = 11000


class MongoCoverClaims:
    def __init__(self, database: Database[Any]) -> None:
        self.claims = database["aid_cover_claims"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database["aid_cover_claims"].create_index([("request_id", ASCENDING)])

    def claim(self, request_id: str, keys: list[str]) -> list[str]:
        made: list[str] = []
        ordered = sorted(set(keys))  # one order for every claimant, as locks are taken, so one always wins
        start, refused = 0, 0
        while start < len(ordered):
            chunk = ordered[start:]  # one ordered insert: it stops at the first key taken
            try:
                self.claims.insert_many([{"_id": key, "request_id": request_id} for key in chunk], ordered=True)
                made.extend(chunk)
                start += len(chunk)
                continue
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if errors and is_write_conflict_entry(errors[0]) and refused < ATTEMPTS:
                    refused += 1  # refused without a decision (a deadlock): what is left is sent again
                    made.extend(chunk[: int(errors[0]["index"])])
                    start += int(errors[0]["index"])
                    pause(refused)
                    continue
                if not errors or errors[0].get("code") != DUPLICATE_KEY:
                    raise
                index = int(errors[0]["index"])
            made.extend(chunk[:index])
            holder = self._holder(chunk[index], request_id, made)
            if holder != request_id:
                for key in made:
                    self.claims.delete_one({"_id": key, "request_id": request_id})
                return [holder]
            start += index + 1
        return []

    def _holder(self, key: str, request_id: str, made: list[str]) -> str:
        """Who holds ``key`` now; a claim given back meanwhile is taken for ``request_id``."""
        for _ in range(2):
            found = self.claims.find_one({"_id": key})
            if found is not None:
                return str(found["request_id"])
            try:
                retry_transient(lambda: self.claims.insert_one({"_id": key, "request_id": request_id}))
                made.append(key)
                return request_id
            except DuplicateKeyError:
                continue
        return "unknown"

    def release(self, request_id: str) -> int:
        return self.claims.delete_many({"request_id": request_id}).deleted_count
