"""Receipt numbers: one counter per issuing directorate and year (collection ``receipt_counters``).

Taking a number is one atomic ``$inc`` (``{_id: "DAS-16/2026", next: 124}``), so concurrent
issuers never share a number. The counter alone cannot keep the register complete: a
process that dies between the ``$inc`` and the write of its register entry leaves a hole.
The register (``adapters.receipts``) closes such holes: the recovery step voids every number
a counter handed out that has no entry once it is stale (see :meth:`MongoReceiptNumbers.issued`),
and a late issuer whose number was voided takes the next one (its entry's insert fails on
the ``_id``). So the register lists every number handed out, valid or void.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database

from common.clock import now
from solidarity.domain.receipts import ReceiptNumber

COUNTERS = "receipt_counters"


@dataclass(frozen=True, slots=True)
class Counter:
    """Where one issuer's sequence of one year stands: the last number handed out, and when."""

    issuer: str
    year: int
    last: int
    at: datetime


class MongoReceiptNumbers:
    def __init__(self, database: Database[Any]) -> None:
        self.counters: Collection[dict[str, Any]] = database[COUNTERS]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        """Counters are found by ``_id`` only."""

    def take(self, issuer: str, year: int) -> ReceiptNumber:
        """The next number of ``issuer`` in ``year`` (1 for the first), never handed out twice."""
        doc = self.counters.find_one_and_update(
            {"_id": f"{issuer}/{year}"},
            {"$inc": {"last": 1}, "$set": {"at": now()}, "$setOnInsert": {"issuer": issuer, "year": year}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return ReceiptNumber(issuer, year, int(doc["last"]))

    def issued(self) -> list[Counter]:
        """Every counter: the register holds an entry for each number up to ``last``."""
        return [Counter(doc["issuer"], doc["year"], doc["last"], doc["at"]) for doc in self.counters.find({})]
