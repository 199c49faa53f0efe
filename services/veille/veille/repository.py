"""Field signal storage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo.database import Database

from common import areas, scoping
from common.contracts.signals import SignalIn
from common.documents import as_public
from common.idempotency import KeyedRequest, insert_once
from common.scope import Scope
from veille.documents import Signal

PAGE_LIMIT = 200


class SignalRepository(Protocol):
    def report(self, signal: SignalIn, user_id: str, idempotency_key: KeyedRequest) -> dict[str, Any]:
        """Record a signal once per caller's idempotency key."""

    def list(self, scope: Scope) -> list[dict[str, Any]]:
        """The most severe, then newest, signals inside ``scope``."""


class MongoSignalRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        Signal.ensure_indexes()

    def report(self, signal: SignalIn, user_id: str, idempotency_key: KeyedRequest) -> dict[str, Any]:
        doc = Signal(
            **signal.model_dump(),
            area_ancestors=areas.ancestors(signal.area),
            reported_at=datetime.now(UTC).replace(microsecond=0),
            reported_by=user_id,
        )
        return as_public(insert_once(doc, idempotency_key, author_field="reported_by"))

    def list(self, scope: Scope) -> list[dict[str, Any]]:
        docs = Signal.objects(__raw__=scoping.within(scope)).order_by("-severity", "-reported_at").limit(PAGE_LIMIT)
        return [as_public(doc) for doc in docs]
