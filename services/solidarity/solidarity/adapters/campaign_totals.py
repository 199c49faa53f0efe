"""Per-campaign totals (collection ``campaign_totals``): one small document per campaign, moved by ``$inc``.

Why a counter and not an aggregation over the gifts: the progress read stays one lookup
by ``_id`` however many gifts a campaign has (measured at 1M gifts in ``make bench-solidarity``).
Each gift that counts adds itself with one atomic ``$inc`` right after it is stored, and
takes itself back when it is cancelled or refunded. Exactly once without a transaction: the
``$inc`` is guarded by the move's tag (``<gift id>+`` or ``<gift id>-``) and pushes it in the
same write onto ``settling``, the campaign's last :data:`WINDOW` moves, so a retry of a move
already applied (the gift's settle marker outlived a crash, see ``app.gifts.settle``) changes
nothing. :func:`recount` rebuilds a campaign's totals from its gifts (one aggregation over the
``campaign_id`` index), for an audit.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common.contracts.events import Event
from common.nameko_ext import outbox
from solidarity.domain.campaigns import Campaign, Totals
from solidarity.domain.gifts import Gift

COLLECTION = "campaign_totals"
SETTLING = "settling"
# The moves a campaign remembers: a retry is exact while fewer moves of the same campaign came after the one it
# retries (the settle timer retries a minute after a crash; 1,000 moves a minute is 16 gifts a second to one campaign).
WINDOW = 1000
HIDDEN = {outbox.OUTBOX_FIELD: 0, SETTLING: 0}


ATTEMPTS = 10  # an update that matched nothing while the move is not applied yet is decided again


def tag(gift_id: str, sign: int) -> str:
    """The name of one move of a gift in its campaign's totals (a gift is counted once and taken back once)."""
    return f"{gift_id}{'+' if sign > 0 else '-'}"


def totals_of(doc: dict[str, Any] | None) -> Totals:
    doc = doc or {}
    return Totals(dict(doc.get("money") or {}), dict(doc.get("items") or {}), int(doc.get("gifts") or 0))


class MongoCampaignTotals:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.totals: Collection[dict[str, Any]] = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database[COLLECTION].create_index([(outbox.PENDING_KEY, ASCENDING)], sparse=True)

    def add(self, campaign: Campaign, gift: Gift, sign: int) -> Totals | None:
        """Apply the move once: the totals after it, or None when this move was applied already."""
        inc: dict[str, int] = {"gifts": sign}
        if gift.cash is not None:
            inc[f"money.{gift.cash.amount.currency}"] = sign * gift.cash.amount.minor
        for line in gift.items:
            inc[f"items.{line.item}"] = inc.get(f"items.{line.item}", 0) + sign * line.quantity
        move = tag(gift.id, sign)
        for _ in range(ATTEMPTS):
            doc = self.totals.find_one_and_update(
                {"_id": campaign.id, SETTLING: {"$ne": move}},
                {"$inc": inc, "$push": {SETTLING: {"$each": [move], "$slice": -WINDOW}}},
                return_document=ReturnDocument.AFTER,
                projection=HIDDEN,
            )
            if doc is not None:
                return totals_of(doc)
            if self.totals.find_one({"_id": campaign.id, SETTLING: move}, {"_id": 1}) is not None:
                return None  # the guard held: this move is in the window already
            if self.totals.find_one({"_id": campaign.id}, {"_id": 1}) is None:
                with suppress(DuplicateKeyError):  # the campaign's first move (or a concurrent one) creates it
                    self.totals.insert_one({"_id": campaign.id, "area": campaign.area, "gifts": 0, SETTLING: []})
            # otherwise the update matched nothing though the move is not in the window: decide it again
        raise RuntimeError(f"campaign totals {campaign.id} could not be moved")  # pragma: no cover

    def of(self, campaign_id: str) -> Totals:
        return totals_of(self.totals.find_one({"_id": campaign_id}, HIDDEN))

    def announce(self, campaign_id: str, event: Event) -> None:
        self.totals.update_one({"_id": campaign_id}, {"$push": {outbox.OUTBOX_FIELD: outbox.entry(event)}})
        outbox.mark(self.database, COLLECTION, [campaign_id])


def recount(database: Database[Any], campaign_id: str) -> Totals:
    """Rebuild a campaign's totals from its standing gifts (one aggregation) and store them."""
    money: dict[str, int] = {}
    items: dict[str, int] = {}
    standing = {"campaign_id": campaign_id, "state": {"$in": ["recorded", "receipted"]}}
    count = database["gifts"].count_documents(standing)
    for row in database["gifts"].aggregate(
        [
            {"$match": {**standing, "cash": {"$ne": None}}},
            {"$group": {"_id": "$cash.currency", "minor": {"$sum": "$cash.amount_minor"}}},
        ]
    ):
        money[row["_id"]] = row["minor"]
    for row in database["gifts"].aggregate(
        [
            {"$match": {**standing, "items.0": {"$exists": True}}},
            {"$unwind": "$items"},
            {"$group": {"_id": "$items.item", "quantity": {"$sum": "$items.quantity"}}},
        ]
    ):
        items[row["_id"]] = row["quantity"]
    database[COLLECTION].update_one(
        {"_id": campaign_id}, {"$set": {"money": money, "items": items, "gifts": count}}, upsert=True
    )
    return Totals(money, items, count)
