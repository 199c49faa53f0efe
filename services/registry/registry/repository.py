"""Households storage: a small interface and its MongoDB implementation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.database import Database

from common import areas
from common.contracts.events import HOUSEHOLD_REGISTERED, HOUSEHOLD_UPDATED
from common.contracts.households import HouseholdFilter, HouseholdIn, HouseholdUpdate
from common.documents import as_public
from common.idempotency import insert_once
from common.nameko_ext import outbox
from registry.documents import Household

OMITTED = ("history", "import_key", "content_hash")  # history is served on its own; the rest is internal
SECRET_MEMBER_FIELDS = ("national_id_hash", "national_id_enc")  # never leave the registry


def public(doc: Household) -> dict[str, Any]:
    """A household as the registry answers: no history, national ids only masked."""
    data = as_public(doc, omit=OMITTED)
    for optional in ("provenance", "consent"):  # mongoengine stores an unset DictField as {}
        data[optional] = data.get(optional) or None
    data["members"] = [{k: v for k, v in member.items() if k not in SECRET_MEMBER_FIELDS} for member in data["members"]]
    return data


def _object_id(value: str) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


class HouseholdRepository(Protocol):
    def register(
        self, household: HouseholdIn, members: list[dict[str, Any]], user_id: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Store a household once per idempotency key; ``members`` are the protected records."""

    def get(self, household_id: str) -> dict[str, Any] | None:
        """The household, wherever it is: the caller's scope is the service's check."""

    def count(self, scope: dict[str, Any]) -> int:
        """Households inside ``scope``."""

    def list(self, scope: dict[str, Any], filters: HouseholdFilter) -> dict[str, Any]:
        """A page of households inside ``scope``: ``{"items", "next_cursor"}``."""

    def update(
        self, household_id: str, scope: dict[str, Any], changes: HouseholdUpdate, user_id: str
    ) -> dict[str, Any] | None:
        """Apply ``changes`` to a household inside ``scope``; ``None`` if there is none."""

    def relay_events(self, publish: Callable[[str, dict[str, Any]], None]) -> int:
        """Publish the events stored with the records; return how many."""

    def sweep_events(self) -> int:
        """Find records holding events that were never marked for the relay (after a crash)."""


class MongoHouseholdRepository:
    """mongoengine-backed repository; the event is written with the household (outbox)."""

    def __init__(self, database: Database[Any]) -> None:
        self.database = database

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        Household.ensure_indexes()

    def register(
        self, household: HouseholdIn, members: list[dict[str, Any]], user_id: str, idempotency_key: str
    ) -> dict[str, Any]:
        doc = Household(
            id=ObjectId(),
            area=household.area,
            area_ancestors=areas.ancestors(household.area),
            address=household.address,
            household_ref=household.household_ref,
            provenance=household.provenance.model_dump(mode="json") if household.provenance else None,
            consent=household.consent.model_dump(mode="json") if household.consent else None,
            members=members,
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
        stored = insert_once(doc)
        outbox.mark(self.database, "households", [stored.pk])
        return public(stored)

    def get(self, household_id: str) -> dict[str, Any] | None:
        oid = _object_id(household_id)
        doc = Household.objects(id=oid).first() if oid else None
        return public(doc) if doc else None

    def count(self, scope: dict[str, Any]) -> int:
        return Household.objects(**scope).count()

    def list(self, scope: dict[str, Any], filters: HouseholdFilter) -> dict[str, Any]:
        query = Household.objects(**scope)
        if filters.area:
            query = query.filter(area_ancestors=filters.area)
        if filters.status:
            query = query.filter(status=filters.status)
        if filters.after and (after := _object_id(filters.after)):
            query = query.filter(id__gt=after)
        docs = list(query.order_by("id").limit(filters.limit + 1))
        more = len(docs) > filters.limit
        docs = docs[: filters.limit]
        return {
            "items": [public(doc) for doc in docs],
            "next_cursor": str(docs[-1].pk) if more else None,
        }

    def update(
        self, household_id: str, scope: dict[str, Any], changes: HouseholdUpdate, user_id: str
    ) -> dict[str, Any] | None:
        oid = _object_id(household_id)
        if oid is None:
            return None
        now = datetime.now(UTC).replace(microsecond=0)
        values = changes.model_dump()
        event = outbox.pending(HOUSEHOLD_UPDATED, {"household_id": household_id, "fields": sorted(values)})
        doc = Household.objects(id=oid, **scope).modify(
            new=True,
            updated_at=now,
            updated_by=user_id,
            push__history={"at": now, "by": user_id, "set": values},
            push__outbox=event,
            **values,
        )
        if doc is None:
            return None
        outbox.mark(self.database, "households", [doc.pk])
        return public(doc)

    def relay_events(self, publish: Callable[[str, dict[str, Any]], None]) -> int:
        return outbox.relay(self.database, publish)

    def sweep_events(self) -> int:
        return outbox.sweep(self.database, ("households",))
