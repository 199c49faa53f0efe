"""Gifts (collection ``gifts``): the only writer; the ``donation_recorded`` event rides in the gift (outbox).

Hot queries, each on its index: a campaign's gifts (``campaign_id``), a donor's gifts
(``donor_id``), an area's gifts (``area_ancestors``), transfers awaiting their statement
line (``payment_reference``), gifts whose move is not settled yet (``settle.since``, sparse).

``settle`` (``{sign, since}``) is written with the move it follows (recorded: +1; cancelled or
refunded: -1) and removed once its follow-ups are done (``app.gifts.settle``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.database import Database

from common import areas
from common.clock import now
from common.contracts.events import Event
from common.idempotency import KEY_FIELD, KeyedRequest
from common.nameko_ext import outbox
from common.scope import Scope
from common.scoping import within
from solidarity.adapters.campaigns import day, on
from solidarity.adapters.keyed import insert_once, object_id
from solidarity.domain.gifts import CashPayment, Gift, ItemLine, Tribute
from solidarity.domain.money import Money

COLLECTION = "gifts"
STANDING = ["recorded", "receipted"]
SETTLE = "settle"


def document(gift: Gift) -> dict[str, Any]:
    cash = gift.cash
    return {
        "_id": ObjectId(gift.id),
        "donor_id": gift.donor_id,
        "area": gift.area,
        "area_ancestors": areas.ancestors(gift.area),
        "received_on": day(gift.received_on),
        "cash": {
            "amount_minor": cash.amount.minor,
            "currency": cash.amount.currency,
            "channel": cash.channel,
            "reference": cash.reference,
        }
        if cash
        else None,
        "items": [
            {
                "item": line.item,
                "quantity": line.quantity,
                "unit_minor": line.unit_value.minor,
                "currency": line.unit_value.currency,
                "condition": line.condition,
            }
            for line in gift.items
        ],
        "campaign_id": gift.campaign_id,
        "restricted_area": gift.restricted_area,
        "tribute": {"kind": gift.tribute.kind, "name": gift.tribute.name} if gift.tribute else None,
        "state": gift.state,
        "receipt_number": gift.receipt_number,
        "reason": gift.reason,
        "payment_reference": (cash.reference or "").upper() or None if cash and cash.channel != "counter" else None,
    }


def from_document(doc: dict[str, Any]) -> Gift:
    cash = doc.get("cash")
    tribute = doc.get("tribute")
    return Gift(
        id=str(doc["_id"]),
        donor_id=doc["donor_id"],
        area=doc["area"],
        received_on=on(doc["received_on"]),  # type: ignore[arg-type]  # always stored
        cash=CashPayment(Money(cash["currency"], cash["amount_minor"]), cash["channel"], cash.get("reference"))
        if cash
        else None,
        items=tuple(
            ItemLine(line["item"], line["quantity"], Money(line["currency"], line["unit_minor"]), line["condition"])
            for line in doc.get("items") or ()
        ),
        campaign_id=doc.get("campaign_id"),
        restricted_area=doc.get("restricted_area"),
        tribute=Tribute(tribute["kind"], tribute["name"]) if tribute else None,
        state=doc["state"],
        receipt_number=doc.get("receipt_number"),
        reason=doc.get("reason"),
    )


def _query(scope: Scope | None, donor_id: str | None, campaign_id: str | None) -> dict[str, Any]:
    query: dict[str, Any] = within(scope) if scope is not None else {}
    if donor_id is not None:
        query["donor_id"] = donor_id
    if campaign_id is not None:
        query["campaign_id"] = campaign_id
    return query


class MongoGifts:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.gifts: Collection[dict[str, Any]] = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        gifts = database[COLLECTION]
        gifts.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        gifts.create_index([("campaign_id", ASCENDING), ("state", ASCENDING)])
        gifts.create_index([("donor_id", ASCENDING), ("_id", DESCENDING)])
        gifts.create_index([("area_ancestors", ASCENDING), ("_id", DESCENDING)])
        gifts.create_index([("payment_reference", ASCENDING)], sparse=True)
        gifts.create_index([(outbox.PENDING_KEY, ASCENDING)], sparse=True)
        gifts.create_index([(f"{SETTLE}.since", ASCENDING)], sparse=True)

    def new_id(self) -> str:
        return str(ObjectId())

    def create(
        self, gift: Gift, key: KeyedRequest, user_id: str, events: list[Event], settle: int = 0
    ) -> tuple[Gift, bool]:
        doc = {
            **document(gift),
            "recorded_at": now(),
            "recorded_by": user_id,
            outbox.OUTBOX_FIELD: [outbox.entry(event) for event in events],
            **({SETTLE: {"sign": settle, "since": now()}} if settle else {}),
        }
        stored, created = insert_once(self.gifts, doc, key, "recorded_by")
        return from_document(stored), created

    def get(self, gift_id: str) -> Gift | None:
        oid = object_id(gift_id)
        doc = self.gifts.find_one({"_id": oid}, {outbox.OUTBOX_FIELD: 0}) if oid else None
        return from_document(doc) if doc else None

    def find(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None, limit: int) -> list[Gift]:
        found = self.gifts.find(_query(scope, donor_id, campaign_id), {outbox.OUTBOX_FIELD: 0})
        return [from_document(doc) for doc in found.sort("_id", DESCENDING).limit(limit)]

    def count(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None) -> int:
        return self.gifts.count_documents(_query(scope, donor_id, campaign_id))

    def move(self, gift: Gift, to: Gift, settle: int = 0) -> Gift | None:
        found = self.gifts.find_one_and_update(
            {"_id": ObjectId(gift.id), "state": gift.state},
            {
                "$set": {
                    "state": to.state,
                    "reason": to.reason,
                    "receipt_number": to.receipt_number,
                    "updated_at": now(),
                    **({SETTLE: {"sign": settle, "since": now()}} if settle else {}),
                }
            },
            projection={outbox.OUTBOX_FIELD: 0},
            return_document=True,
        )
        return from_document(found) if found else None

    def unsettled_sign(self, gift_id: str) -> int:
        doc = self.gifts.find_one({"_id": ObjectId(gift_id)}, {SETTLE: 1})
        return int(((doc or {}).get(SETTLE) or {}).get("sign") or 0)

    def settled(self, gift_id: str, sign: int) -> None:
        self.gifts.update_one({"_id": ObjectId(gift_id), f"{SETTLE}.sign": sign}, {"$unset": {SETTLE: ""}})

    def unsettled(self, since_before: datetime, limit: int) -> list[tuple[Gift, int]]:
        found = self.gifts.find({f"{SETTLE}.since": {"$lt": since_before}}, {outbox.OUTBOX_FIELD: 0})
        return [(from_document(doc), int(doc[SETTLE]["sign"])) for doc in found.sort(f"{SETTLE}.since").limit(limit)]

    def renumber(self, gift_id: str, number: str, to: str) -> bool:
        oid = object_id(gift_id)
        found = self.gifts.update_one(
            {"_id": oid, "state": "receipted", "receipt_number": number},
            {"$set": {"receipt_number": to, "updated_at": now()}},
        )
        return bool(found.modified_count)

    def by_key(self, key: KeyedRequest) -> Gift | None:
        found = self.gifts.find_one({KEY_FIELD: key.scoped}, {outbox.OUTBOX_FIELD: 0})
        return from_document(found) if found is not None and key.matches(found, "recorded_by") else None

    def awaiting_credit(self, scope: Scope, references: Iterable[str]) -> list[Gift]:
        query = {
            **within(scope),
            "payment_reference": {"$in": sorted({r.upper() for r in references})},
            "state": {"$in": STANDING},
            "credit_line": {"$exists": False},
        }
        return [from_document(doc) for doc in self.gifts.find(query, {outbox.OUTBOX_FIELD: 0})]

    def confirm_credit(self, gift_id: str, line_key: str) -> bool:
        updated = self.gifts.update_one(
            {"_id": ObjectId(gift_id), "credit_line": {"$exists": False}},
            {"$set": {"credit_line": line_key, "credited_at": now()}},
        )
        return bool(updated.modified_count)
