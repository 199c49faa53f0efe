"""Households storage: a small interface and its MongoDB implementation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database

from common import areas
from common.contracts.events import HOUSEHOLD_REGISTERED
from common.contracts.households import HouseholdIn
from common.documents import as_public
from common.idempotency import insert_once
from common.nameko_ext import outbox
from registry.documents import Household, Member


class HouseholdRepository(Protocol):
    def register(self, household: HouseholdIn, user_id: str, idempotency_key: str) -> dict[str, Any]:
        """Store a household once per idempotency key; return it as stored."""

    def get(self, household_id: str, scope: dict[str, Any]) -> dict[str, Any] | None:
        """The household if it exists inside ``scope``."""

    def count(self, scope: dict[str, Any]) -> int:
        """Households inside ``scope``."""

    def relay_events(self, publish: Callable[[str, dict[str, Any]], None]) -> int:
        """Publish the events stored with the records; return how many."""


class MongoHouseholdRepository:
    """mongoengine-backed repository; the event is written with the household (outbox)."""

    def __init__(self, database: Database[Any]) -> None:
        self.database = database

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        Household.ensure_indexes()

    def register(self, household: HouseholdIn, user_id: str, idempotency_key: str) -> dict[str, Any]:
        doc = Household(
            id=ObjectId(),
            area=household.area,
            area_ancestors=areas.ancestors(household.area),
            address=household.address,
            members=[Member(**m.model_dump()) for m in household.members],
            created_at=datetime.now(UTC).replace(microsecond=0),
            created_by=user_id,
            idempotency_key=idempotency_key,
        )
        doc.outbox = [
            outbox.pending(
                HOUSEHOLD_REGISTERED,
                {"household_id": str(doc.pk), "area": doc.area, "members": len(doc.members)},
            )
        ]
        return as_public(insert_once(doc))

    def get(self, household_id: str, scope: dict[str, Any]) -> dict[str, Any] | None:
        try:
            oid = ObjectId(household_id)
        except (InvalidId, TypeError):
            return None
        doc = Household.objects(id=oid, **scope).first()
        return as_public(doc) if doc else None

    def count(self, scope: dict[str, Any]) -> int:
        return Household.objects(**scope).count()

    def relay_events(self, publish: Callable[[str, dict[str, Any]], None]) -> int:
        return outbox.relay(self.database, ("households",), publish)
