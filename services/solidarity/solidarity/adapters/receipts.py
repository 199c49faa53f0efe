"""The receipt register (collection ``receipts``): one entry per number handed out, ``_id`` the number.

An entry is written ``pending`` as soon as its number is taken (with what it is for), then
filled ``valid`` with the receipt and its ``receipt_issued`` event (outbox) in one write, or
``cancelled`` with its reason. Nothing is ever deleted: a void number stays with its reason.
``annual_of`` (``<donor>|<year>``) is set only on a valid or pending annual receipt, under a
sparse unique index: never two for the same donor and year, whatever the race.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from common.clock import now
from common.contracts.events import Event
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest
from common.nameko_ext import outbox
from common.scope import Scope
from common.scoping import within
from solidarity.domain.money import Money
from solidarity.domain.receipts import AnnualTaken, KeyTaken, NumberTaken, Receipt, ReceiptNumber, issuer_area

RECEIPTS = "receipts"
OUTBOX_COLLECTIONS = (RECEIPTS,)
KEY_FIELD = "idempotency_key"
CANCEL_KEY, CANCEL_FINGERPRINT = "cancel_key", "cancel_fingerprint"


def annual_of(donor_id: str, year: int) -> str:
    return f"{donor_id}|{year}"


def document(receipt: Receipt) -> dict[str, Any]:
    """A filled entry: the receipt's fields (the register's key fields are set when the number is taken)."""
    return {
        "state": receipt.state,
        "kind": receipt.kind,
        "donor_id": receipt.donor_id,
        "gift_ids": list(receipt.gift_ids),
        "amount_minor": receipt.amount.minor,
        "currency": receipt.amount.currency,
        "issued_on": receipt.issued_on.isoformat(),
        "area": receipt.area,
        "area_ancestors": areas.ancestors(receipt.area),
        "campaign_id": receipt.campaign_id,
        "donor_shown": receipt.donor_shown,
        "reason": receipt.reason,
        "replaces": str(receipt.replaces) if receipt.replaces else None,
        "annual_year": receipt.year,
    }


def from_document(doc: dict[str, Any]) -> Receipt:
    """A filled entry as its receipt (a pending entry is not a receipt: callers skip it)."""
    return Receipt(
        number=ReceiptNumber.parse(doc["_id"]),
        kind=doc["kind"],
        donor_id=doc["donor_id"],
        gift_ids=tuple(doc["gift_ids"]),
        amount=Money(currency=doc["currency"], minor=doc["amount_minor"]),
        issued_on=date.fromisoformat(doc["issued_on"]),
        area=doc["area"],
        campaign_id=doc.get("campaign_id"),
        donor_shown=doc.get("donor_shown", True),
        state=doc["state"],
        reason=doc.get("reason"),
        replaces=ReceiptNumber.parse(doc["replaces"]) if doc.get("replaces") else None,
        year=doc.get("annual_year"),
    )


class MongoReceipts:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.receipts: Collection[dict[str, Any]] = database[RECEIPTS]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        receipts = database[RECEIPTS]
        receipts.create_index([("issuer", ASCENDING), ("year", ASCENDING), ("sequence", ASCENDING)])
        receipts.create_index([("area_ancestors", ASCENDING), ("_id", DESCENDING)])
        receipts.create_index([("donor_id", ASCENDING), ("_id", DESCENDING)])
        receipts.create_index([("gift_ids", ASCENDING)])
        receipts.create_index([("state", ASCENDING), ("taken_at", ASCENDING)])
        receipts.create_index([("annual_of", ASCENDING)], unique=True, sparse=True)
        receipts.create_index([(KEY_FIELD, ASCENDING)], unique=True, sparse=True)
        receipts.create_index([(outbox.PENDING_KEY, ASCENDING)], sparse=True)

    # --- the register's lifecycle -------------------------------------------------------

    def hold(
        self,
        number: ReceiptNumber,
        *,
        purpose: dict[str, Any],
        by: str,
        key: KeyedRequest | None = None,
        annual: tuple[str, int] | None = None,
    ) -> None:
        """Write the ``pending`` entry of a number just taken, with what it is for (gift ids, donor, year).

        :class:`NumberTaken` if the number already has an entry, :class:`AnnualTaken` if the donor's annual
        receipt of the year exists, :class:`KeyTaken` if the idempotency key was used meanwhile (in
        these two cases the number is written void at once, with the reason: the register stays complete).
        """
        entry: dict[str, Any] = {
            "_id": str(number),
            "issuer": number.issuer,
            "year": number.year,
            "sequence": number.sequence,
            **_issuer_area(number),
            "state": "pending",
            "taken_at": now(),
            "taken_by": by,
            "purpose": purpose,
        }
        if key is not None:
            entry[KEY_FIELD] = key.scoped
            entry[FINGERPRINT_FIELD] = key.fingerprint
        if annual is not None:
            entry["annual_of"] = annual_of(*annual)
        try:
            self.receipts.insert_one(entry)
        except DuplicateKeyError as exc:
            clash = str(exc.details or exc)
            if "annual_of" in clash:
                self.void_unused(number, "an annual receipt of this donor and year was issued meanwhile", by)
                raise AnnualTaken(str(number)) from exc
            if KEY_FIELD in clash:
                self.void_unused(number, "the same request was repeated meanwhile", by)
                raise KeyTaken(str(number)) from exc
            raise NumberTaken(str(number)) from exc

    def fill(self, receipt: Receipt, event: Event, by: str) -> Receipt:
        """The pending entry made the valid receipt, with its event, in one write."""
        fields = {**document(receipt), "issued_by": by, "issued_at": now()}
        self.receipts.update_one(
            {"_id": str(receipt.number), "state": "pending"},
            {"$set": fields, "$push": {outbox.OUTBOX_FIELD: outbox.entry(event)}},
        )
        outbox.mark(self.database, RECEIPTS, [str(receipt.number)])
        return receipt

    def void_pending(self, number: ReceiptNumber, reason: str, by: str) -> bool:
        """A pending entry that will never be filled, void with ``reason`` (False: it is not pending)."""
        result = self.receipts.update_one(
            {"_id": str(number), "state": "pending"},
            {"$set": {"state": "cancelled", "reason": reason, "cancelled_by": by, "cancelled_at": now()},
             "$unset": {"annual_of": "", KEY_FIELD: ""}},
        )  # fmt: skip
        return result.modified_count == 1

    def void_unused(self, number: ReceiptNumber, reason: str, by: str) -> bool:
        """A number handed out that has no entry, written void with ``reason`` (False: it has an entry)."""
        try:
            self.receipts.insert_one(
                {
                    "_id": str(number),
                    "issuer": number.issuer,
                    "year": number.year,
                    "sequence": number.sequence,
                    **_issuer_area(number),
                    "state": "cancelled",
                    "reason": reason,
                    "taken_at": now(),
                    "cancelled_by": by,
                    "cancelled_at": now(),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    def cancel(
        self,
        void: Receipt,
        event: Event,
        by: str,
        replaced_by: ReceiptNumber | None = None,
        key: KeyedRequest | None = None,
    ) -> bool:
        """The valid receipt made void (``void`` is it cancelled), with its event; False if it was not valid."""
        keyed = {CANCEL_KEY: key.scoped, CANCEL_FINGERPRINT: key.fingerprint} if key else {}
        result = self.receipts.update_one(
            {"_id": str(void.number), "state": "valid"},
            {
                "$set": {"state": "cancelled", "reason": void.reason, "cancelled_by": by, "cancelled_at": now(),
                         "replaced_by": str(replaced_by) if replaced_by else None, **keyed},
                "$unset": {"annual_of": ""},
                "$push": {outbox.OUTBOX_FIELD: outbox.entry(event)},
            },
        )  # fmt: skip
        if result.modified_count == 1:
            outbox.mark(self.database, RECEIPTS, [str(void.number)])
        return result.modified_count == 1

    def cancelled_with(self, number: ReceiptNumber, key: KeyedRequest) -> bool:
        """True if this request (caller and key) is the one that cancelled the receipt (a repeat answers it)."""
        doc = self.receipts.find_one({"_id": str(number), CANCEL_KEY: key.scoped}, {CANCEL_FINGERPRINT: 1})
        if doc is None:
            return False
        key.ensure_same(doc.get(CANCEL_FINGERPRINT))
        return True

    def stale_pending(self, taken_before: datetime) -> list[dict[str, Any]]:
        """Pending entries taken before ``taken_before``: their issuer died or failed (recovery decides)."""
        found = self.receipts.find({"state": "pending", "taken_at": {"$lt": taken_before}})
        return [{"number": ReceiptNumber.parse(doc["_id"]), "purpose": doc.get("purpose") or {}} for doc in found]

    def sequences(self, issuer: str, year: int, upto: int) -> set[int]:
        """The sequences of ``issuer`` and ``year`` up to ``upto`` that have an entry."""
        query = {"issuer": issuer, "year": year, "sequence": {"$lte": upto}}
        return {doc["sequence"] for doc in self.receipts.find(query, {"sequence": 1, "_id": 0})}

    def last_taken(self, issuer: str, year: int, before: datetime) -> int:
        """The highest sequence whose entry was written before ``before`` (0: none)."""
        query = {"issuer": issuer, "year": year, "taken_at": {"$lt": before}}
        doc = self.receipts.find_one(query, {"sequence": 1}, sort=[("sequence", DESCENDING)])
        return int(doc["sequence"]) if doc else 0

    # --- reads --------------------------------------------------------------------------

    def get(self, number: str) -> Receipt | None:
        doc = self.receipts.find_one({"_id": number, "state": {"$ne": "pending"}, "kind": {"$exists": True}})
        return from_document(doc) if doc else None

    def by_key(self, key: KeyedRequest) -> tuple[ReceiptNumber, str | None, str] | None:
        """The entry a request with this key wrote: its number, fingerprint and state."""
        doc = self.receipts.find_one({KEY_FIELD: key.scoped}, {FINGERPRINT_FIELD: 1, "state": 1})
        return (ReceiptNumber.parse(doc["_id"]), doc.get(FINGERPRINT_FIELD), doc["state"]) if doc else None

    def valid_for_gift(self, gift_id: str) -> Receipt | None:
        doc = self.receipts.find_one({"gift_ids": gift_id, "kind": "gift", "state": "valid"})
        return from_document(doc) if doc else None

    def annual(self, donor_id: str, year: int) -> list[Receipt]:
        query = {"donor_id": donor_id, "kind": "annual", "annual_year": year, "state": {"$in": ["valid", "cancelled"]}}
        return [from_document(doc) for doc in self.receipts.find(query)]

    def register(
        self, scope: Scope, issuer: str | None, year: int | None, donor_id: str | None, limit: int, after: str | None
    ) -> list[dict[str, Any]]:
        """Entries in ``scope`` (valid, void and unused numbers alike), by number; pending ones are left out."""
        query: dict[str, Any] = {"state": {"$ne": "pending"}}
        if donor_id is not None:
            query["donor_id"] = donor_id
        if issuer is not None:
            query["issuer"] = issuer
        if year is not None:
            query["year"] = year
        if after is not None:
            query["_id"] = {"$gt": after}
        found = self.receipts.find({**query, **within(scope)}).sort("_id", ASCENDING).limit(limit)
        return [_register_line(doc) for doc in found]


def _issuer_area(number: ReceiptNumber) -> dict[str, Any]:
    """An entry not (yet) filled is seen where its issuer is: the wilaya's directorate, or the ministry."""
    area = issuer_area(number.issuer)
    return {"area": area, "area_ancestors": areas.ancestors(area)}


def _register_line(doc: dict[str, Any]) -> dict[str, Any]:
    """One line of the register: the number, its state and reason; the receipt's fields when it was filled."""
    line = {key: doc.get(key) for key in ("state", "reason", "issuer", "year", "sequence")}
    if "kind" in doc:
        filled = ("kind", "donor_id", "gift_ids", "amount_minor", "currency", "issued_on", "area", "replaces")
        line |= {key: doc.get(key) for key in (*filled, "replaced_by")}
    return {"number": doc["_id"], **line}
