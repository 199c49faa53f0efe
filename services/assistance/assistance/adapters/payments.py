"""Payment lists, payments and reconciliation reports.

A payment is keyed by its reference (``_id``): issuing it twice inserts it once, and the
operator's file finds it with one key lookup. Status changes are guarded on the status
read (``pending``/``sent`` → ``paid``/``failed``), so a file imported twice changes nothing
the second time. Reconciliation reports are kept under the import's idempotency key.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from assistance.domain.payments import Payment, PaymentList
from common.clock import now
from common.errors import Conflict
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest
from common.scope import Scope
from common.scoping import within

PAYMENTS = "payments"
LISTS = "payment_lists"
REPORTS = "reconciliations"
MAX_LISTS_PER_POINT = 100


class MongoPaymentRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.payments: Collection[dict[str, Any]] = database[PAYMENTS]
        self.lists_: Collection[dict[str, Any]] = database[LISTS]
        self.reports: Collection[dict[str, Any]] = database[REPORTS]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database[PAYMENTS].create_index([("list_id", ASCENDING)])
        database[PAYMENTS].create_index([("area_ancestors", ASCENDING), ("status", ASCENDING)])
        database[LISTS].create_index([("period", ASCENDING), ("area", ASCENDING)])

    def issue(self, payment: Payment) -> bool:
        try:
            self.payments.insert_one(payment.document())
        except DuplicateKeyError:
            return False
        return True

    def get(self, reference: str) -> Payment | None:
        doc = self.payments.find_one({"_id": reference}) if isinstance(reference, str) else None
        return Payment.from_document(doc) if doc is not None else None

    def to_reissue(self, scope: Scope) -> list[Payment]:
        query = {**within(scope), "status": "failed", "reissued_as": None}
        return [Payment.from_document(doc) for doc in self.payments.find(query).sort("_id", ASCENDING)]

    def mark_reissued(self, reference: str, new_reference: str) -> None:
        self.payments.update_one({"_id": reference, "reissued_as": None}, {"$set": {"reissued_as": new_reference}})

    def open_list(self, list_id: str, period: str, area: str, point: str, user_id: str) -> str:
        for number in range(1, MAX_LISTS_PER_POINT + 1):
            candidate = list_id if number == 1 else f"{list_id}.{number}"
            # an insert, not an upsert: of two openers of one number, exactly one gets it
            with contextlib.suppress(DuplicateKeyError):
                self.lists_.insert_one(PaymentList.open(candidate, period, area, point, user_id, now()).document())
            existing = self.lists_.find_one({"_id": candidate}, {"status": 1})
            if existing is not None and existing["status"] == "open":
                return candidate
        raise Conflict("too many payment lists for this period and point", {"list_id": list_id})

    def _with_payments(self, doc: dict[str, Any]) -> PaymentList:
        found = self.payments.find({"list_id": doc["_id"]}).sort("_id", ASCENDING)
        return PaymentList.from_document(doc, tuple(Payment.from_document(payment) for payment in found))

    def get_list(self, list_id: str) -> PaymentList | None:
        doc = self.lists_.find_one({"_id": list_id}) if isinstance(list_id, str) else None
        return self._with_payments(doc) if doc else None

    def lists(self, period: str, area: str) -> list[PaymentList]:
        found = self.lists_.find({"period": period, "area": area}).sort("_id", ASCENDING)
        return [self._with_payments(doc) for doc in found]

    def send_list(self, list_id: str, user_id: str) -> PaymentList | None:
        doc = self.lists_.find_one_and_update(
            {"_id": list_id},
            {"$set": {"status": "sent", "sent_at": now(), "sent_by": user_id}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        self.payments.update_many({"list_id": list_id, "status": "pending"}, {"$set": {"status": "sent"}})
        return self._with_payments(doc)

    def settle(
        self, reference: str, from_status: str, status: str, paid_at: datetime | None, failure: str | None
    ) -> bool:
        result = self.payments.update_one(
            {"_id": reference, "status": from_status},
            {"$set": {"status": status, "paid_at": paid_at, "failure": failure, "settled_at": now()}},
        )
        return result.modified_count == 1

    def report(self, key: KeyedRequest) -> dict[str, Any] | None:
        doc = self.reports.find_one({"_id": key.scoped})  # reports were always kept per user
        if doc is None:
            return None
        key.ensure_same(doc.get(FINGERPRINT_FIELD))
        return dict(doc["report"])

    def save_report(self, key: KeyedRequest, report: dict[str, Any], user_id: str) -> dict[str, Any]:
        kept = {"_id": key.scoped, FINGERPRINT_FIELD: key.fingerprint, "report": report, "by": user_id, "at": now()}
        try:
            self.reports.insert_one(kept)
        except DuplicateKeyError:
            return self.report(key) or report
        return report
