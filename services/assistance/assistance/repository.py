"""Programme catalogue storage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from mongoengine.errors import NotUniqueError
from pymongo.database import Database

from assistance.documents import Programme
from common import areas
from common.contracts.programmes import ProgrammeIn
from common.documents import as_public
from common.errors import Conflict


class ProgrammeRepository(Protocol):
    def create(self, programme: ProgrammeIn, user_id: str) -> dict[str, Any]:
        """Create a programme; its code is unique (and so the call is idempotent)."""

    def list(self, scope: dict[str, Any]) -> list[dict[str, Any]]:
        """Programmes matching ``scope``, by code."""


class MongoProgrammeRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.database = database

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        Programme.ensure_indexes()

    def create(self, programme: ProgrammeIn, user_id: str) -> dict[str, Any]:
        doc = Programme(
            **programme.model_dump(),
            area_ancestors=areas.ancestors(programme.area),
            created_at=datetime.now(UTC).replace(microsecond=0),
            created_by=user_id,
        )
        try:
            doc.save(force_insert=True)
        except NotUniqueError:
            existing = Programme.objects(code=programme.code).first()
            same = existing is not None and all(
                getattr(existing, field) == value for field, value in programme.model_dump().items()
            )
            if not same:
                raise Conflict("a different programme already has this code", {"code": programme.code}) from None
            doc = existing
        return as_public(doc)

    def list(self, scope: dict[str, Any]) -> list[dict[str, Any]]:
        return [as_public(doc) for doc in Programme.objects(__raw__=scope).order_by("code")]
