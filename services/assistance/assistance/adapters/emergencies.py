"""The ``emergencies`` collection: the emergencies veille declared, as assistance keeps them (its only writer).

One document per emergency (``_id`` is veille's emergency id), written from
``emergency_declared``: a redelivered event writes nothing new, and a later declaration
of the same emergency (a newer event) replaces an older one, never the reverse. An early end
(``emergency_ended``) keeps the earliest end date, whichever of the two events comes first.
Indexed by the declared areas and their ancestors (``common.scoping.reaching``) with
the end date, so a grant finds the emergencies over its household's area still running.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from assistance.domain.emergency import Emergency
from common import areas
from common.scope import Scope
from common.scoping import reaching

COLLECTION = "emergencies"


class MongoEmergencies:
    def __init__(self, database: Database[Any]) -> None:
        self.emergencies = database[COLLECTION]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database[COLLECTION].create_index([("areas", ASCENDING), ("ends_at", ASCENDING)])
        database[COLLECTION].create_index([("area_ancestors", ASCENDING), ("ends_at", ASCENDING)])

    def record(self, emergency: Emergency, event_id: str) -> bool:
        """Keep ``emergency`` unless a declaration as new or newer is kept already; True if written."""
        lineage = sorted({ancestor for area in emergency.areas for ancestor in areas.ancestors(area)})
        document = {
            "areas": list(emergency.areas),
            "area_ancestors": lineage,
            "urgent_cap_dzd": emergency.urgent_cap_dzd,
            "grants_per_household": emergency.grants_per_household,
            "campaign_id": emergency.campaign_id,
            "declared_at": emergency.declared_at,
            "event_id": event_id,
        }
        try:
            result = self.emergencies.update_one(
                {
                    "_id": emergency.id,
                    "event_id": {"$ne": event_id},
                    # an end received first left a document with no declaration yet
                    "$or": [{"declared_at": {"$lt": emergency.declared_at}}, {"declared_at": {"$exists": False}}],
                },
                {"$set": document, "$min": {"ends_at": emergency.ends_at}},
                upsert=True,
            )
        except DuplicateKeyError:  # kept already, from this event or a newer one
            return False
        return result.upserted_id is not None or result.modified_count > 0

    def end(self, emergency_id: str, ended_at: datetime) -> bool:
        """The emergency ends at ``ended_at`` unless it ends earlier already; True if this moved its end."""
        result = self.emergencies.update_one({"_id": emergency_id}, {"$min": {"ends_at": ended_at}}, upsert=True)
        return result.upserted_id is not None or result.modified_count > 0

    def running_over(self, area: str, at: datetime) -> list[Emergency]:
        """The emergencies declared over, inside or above ``area`` that have not ended at ``at``."""
        query = {**reaching(Scope(area), area="areas", ancestors="area_ancestors"), "ends_at": {"$gt": at}}
        return [_emergency(doc) for doc in self.emergencies.find(query).sort("_id", ASCENDING)]


def _emergency(doc: dict[str, Any]) -> Emergency:
    return Emergency(
        id=str(doc["_id"]),
        areas=tuple(doc["areas"]),
        ends_at=doc["ends_at"],
        urgent_cap_dzd=int(doc["urgent_cap_dzd"]),
        grants_per_household=int(doc["grants_per_household"]),
        campaign_id=doc.get("campaign_id"),
        declared_at=doc["declared_at"],
    )
