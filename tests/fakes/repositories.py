"""In-memory repositories honouring the same contracts as the Mongo ones."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from common import areas, clock
from common.scope import Scope
from registry.domain.household import Household, Page

_ids = itertools.count(1)


class FakeHouseholdRepository:
    """Households by id; a scope keeps those whose area it contains (``Scope.contains``)."""

    def __init__(self) -> None:
        self.rows: dict[str, Household] = {}
        self.by_key: dict[str, str] = {}
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.stored_members: dict[str, list[dict[str, Any]]] = {}

    def new_id(self) -> str:
        return f"h{next(_ids)}"

    def candidates(self, keys: list[str], limit: int) -> list[dict[str, Any]]:
        return []  # duplicate detection is tested over the real database

    def register(self, household: Household, idempotency_key: Any) -> tuple[Household, bool]:
        if idempotency_key in self.by_key:
            return self.rows[self.by_key[idempotency_key]], False
        self.stored_members[household.id] = [member.document() for member in household.members]
        self.rows[household.id] = household
        self.by_key[idempotency_key] = household.id
        self.events.append(("household_registered", {"household_id": household.id, "area": household.area}))
        return household, True

    def get(self, household_id: str) -> Household | None:
        return self.rows.get(household_id)

    def _inside(self, scope: Scope) -> list[Household]:
        return [row for row in self.rows.values() if row.visible_in(scope)]

    def count(self, scope: Scope) -> int:
        return len(self._inside(scope))

    def list(self, scope: Scope, filters: Any) -> Page:
        rows = self._inside(scope)
        if filters.area:
            rows = [r for r in rows if areas.contains(filters.area, r.area)]
        return Page(rows[: filters.limit], None)

    def update(self, household_id: str, scope: Scope, changes: Any, user_id: str) -> Household | None:
        row = self.rows.get(household_id)
        if row is None or not row.visible_in(scope):
            return None
        edit = Household.edit(household_id, changes.model_dump(), user_id, clock.now())
        self.rows[household_id] = replace(row, **edit.values, updated_at=edit.history["at"], updated_by=user_id)
        return self.rows[household_id]


class FakeCatalogue:
    """Programmes, campaigns or signals: create once per key, list by scope.

    Programmes and campaigns are published to an area (a scope sees what reaches it);
    signals are located in one (``located=True``: a scope sees what it contains).
    """

    def __init__(self, located: bool = False) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.located = located

    def _create(self, key: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
        if key not in self.rows:
            self.rows[key] = {**payload, "id": f"x{next(_ids)}", **extra}
        return self.rows[key]

    def create(self, item: Any, user_id: str, idempotency_key: str | None = None) -> dict[str, Any]:
        key = idempotency_key or item.code
        return self._create(key, item.model_dump(mode="json"), active=True)

    def report(self, item: Any, user_id: str, idempotency_key: str) -> dict[str, Any]:
        return self._create(idempotency_key, item.model_dump(mode="json"), status="open", reported_at="t")

    def list(self, scope: Scope) -> list[dict[str, Any]]:
        seen = scope.contains if self.located else scope.reaches
        return [row for row in self.rows.values() if seen(row["area"])]
