"""Campaigns (collection ``campaigns``): the only writer, and where a campaign's reach becomes a query.

A campaign is published to several areas: it stores them (``published_areas``) and the
ancestors of all of them (``published_ancestors``), both indexed, so
``common.scoping.reaching`` finds what reaches a scope on either field.

Campaigns stored before the lifecycle (kind ``other``, no state, one area) are migrated
once at start: ``other`` is the domain's ``permanent``, they were live (``open``), and
they are published to their own area.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.database import Database

from common import areas
from common.clock import now
from common.idempotency import KeyedRequest
from common.scope import Scope
from common.scoping import reaching
from solidarity.adapters.keyed import insert_once, object_id
from solidarity.domain.campaigns import Campaign, Goals
from solidarity.domain.money import Money

COLLECTION = "campaigns"


def day(value: date | None) -> datetime | None:
    """A date as BSON stores it (midnight)."""
    return datetime.combine(value, time()) if value is not None else None


def on(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def document(campaign: Campaign) -> dict[str, Any]:
    goal = campaign.goals.amount
    return {
        "_id": ObjectId(campaign.id),
        "kind": campaign.kind,
        "name_fr": campaign.name_fr,
        "name_ar": campaign.name_ar,
        "area": campaign.area,
        "area_ancestors": areas.ancestors(campaign.area),
        "published_areas": list(campaign.published_areas),
        "published_ancestors": sorted({a for place in campaign.published_areas for a in areas.ancestors(place)}),
        "starts_on": day(campaign.starts_on),
        "ends_on": day(campaign.ends_on),
        "currencies": sorted(campaign.currencies),
        "categories": list(campaign.categories),
        "goals": {
            "amount": {"currency": goal.currency, "minor": goal.minor} if goal else None,
            "items": dict(campaign.goals.items),
        },
        "state": campaign.state,
        "spent_by": campaign.spent_by,
    }


def from_document(doc: dict[str, Any]) -> Campaign:
    goals = doc.get("goals") or {}
    amount = goals.get("amount")
    return Campaign(
        id=str(doc["_id"]),
        kind=doc["kind"],
        name_fr=doc["name_fr"],
        name_ar=doc["name_ar"],
        area=doc["area"],
        published_areas=tuple(doc["published_areas"]),
        starts_on=on(doc["starts_on"]),  # type: ignore[arg-type]  # always stored
        ends_on=on(doc.get("ends_on")),
        currencies=frozenset(doc.get("currencies") or ("DZD",)),
        categories=tuple(doc.get("categories") or ()),
        goals=Goals(Money(amount["currency"], amount["minor"]) if amount else None, goals.get("items") or {}),
        state=doc["state"],
        spent_by=doc.get("spent_by"),
    )


class MongoCampaigns:
    def __init__(self, database: Database[Any]) -> None:
        self.campaigns: Collection[dict[str, Any]] = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        campaigns = database[COLLECTION]
        campaigns.create_index([("idempotency_key", ASCENDING)], unique=True, sparse=True)
        campaigns.create_index([("published_areas", ASCENDING)])
        campaigns.create_index([("published_ancestors", ASCENDING)])
        campaigns.create_index([("area_ancestors", ASCENDING)])
        migrate(campaigns)

    def new_id(self) -> str:
        return str(ObjectId())

    def create(self, campaign: Campaign, key: KeyedRequest, user_id: str) -> Campaign:
        doc = {**document(campaign), "created_at": now(), "created_by": user_id}
        stored, _ = insert_once(self.campaigns, doc, key, "created_by")
        return from_document(stored)

    def get(self, campaign_id: str) -> Campaign | None:
        oid = object_id(campaign_id)
        doc = self.campaigns.find_one({"_id": oid}) if oid else None
        return from_document(doc) if doc else None

    def reaching(self, scope: Scope, states: Iterable[str] | None = None) -> list[Campaign]:
        query = reaching(scope, "published_areas", "published_ancestors")
        if states is not None:
            query = {"$and": [query, {"state": {"$in": sorted(states)}}]}
        return [from_document(doc) for doc in self.campaigns.find(query).sort("starts_on", DESCENDING)]

    def move(self, campaign: Campaign, to: Campaign) -> Campaign | None:
        found = self.campaigns.find_one_and_update(
            {"_id": ObjectId(campaign.id), "state": campaign.state},
            {"$set": {"state": to.state, "updated_at": now()}},
            return_document=True,
        )
        return from_document(found) if found else None


def migrate(campaigns: Collection[dict[str, Any]]) -> int:
    """Give campaigns stored before the lifecycle their state, kind and published areas; how many."""
    moved = 0
    for doc in campaigns.find({"published_areas": {"$exists": False}}, {"area": 1, "kind": 1}):
        fields = {
            "kind": "permanent" if doc.get("kind") == "other" else doc.get("kind"),
            "state": "open",
            "published_areas": [doc["area"]],
            "published_ancestors": areas.ancestors(doc["area"]),
            "currencies": ["DZD"],
        }
        moved += campaigns.update_one(
            {"_id": doc["_id"], "published_areas": {"$exists": False}}, {"$set": fields}
        ).modified_count
    return moved
