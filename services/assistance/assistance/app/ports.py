"""What the aid use cases need of the world, as Protocols (adapters implement them; unit tests fake them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from assistance.domain.aid_request import AidRequest, Change
from common.contracts.events import Event
from common.contracts.facts import HouseholdFacts
from common.idempotency import KeyedRequest
from common.scope import Scope


class AidRequests(Protocol):
    """The aid requests (``adapters.aid_requests``)."""

    def new_id(self) -> str: ...

    def create(self, request: AidRequest, events: list[Event]) -> tuple[AidRequest, bool]: ...

    def get(self, request_id: str) -> AidRequest | None: ...

    def by_key(self, idempotency_key: str) -> AidRequest | None: ...

    def search(self, scope: Scope, filters: dict[str, Any], after: str | None, limit: int) -> list[AidRequest]: ...

    def apply(
        self, request: AidRequest, step: str, key: KeyedRequest | str, user_id: str, change: Change
    ) -> AidRequest | None: ...

    def grants(self, household_ids: Iterable[str], need: str) -> list[dict[str, Any]]: ...

    def in_state(self, scope: Scope, state: str, benefit_type: str) -> list[AidRequest]: ...

    def set_fields(self, request_id: str, guard: dict[str, Any], values: dict[str, Any]) -> bool: ...

    def overdue_regularisations(self, at: datetime) -> list[AidRequest]: ...

    def escalate(
        self, request: AidRequest, level: int, escalated_to: str, next_at: datetime | None, event: Event
    ) -> bool: ...


class CoverClaims(Protocol):
    """Claims on a need, per household and month (``adapters.cover_claims``)."""

    def claim(self, request_id: str, keys: list[str]) -> list[str]:
        """Claim every key for ``request_id``; on a clash, take this call's claims back.

        Returns the id of the other request holding the first key found taken, or nothing
        when every key is claimed. Keys this request holds already (a replayed approval)
        are its own, not a clash.
        """

    def release(self, request_id: str) -> int:
        """Give back every claim of ``request_id``; how many."""


class Budgets(Protocol):
    """The programme catalogue as aid requests read it, and its budget commitments (``repository``)."""

    def get(self, code: str) -> dict[str, Any] | None: ...

    def commit(self, programme_code: str, area: str, period: str, amount_dzd: int, request_id: str) -> None: ...

    def release(self, request_id: str) -> None: ...

    def spend(self, request_id: str) -> None: ...


class AidRules(Protocol):
    """The settings the aid use cases read (``settings.AidSettings``)."""

    def double_aid_policy(self, need: str) -> str: ...


Facts = Callable[[str], HouseholdFacts]
"""The registry's facts about a household, as the caller may see them."""


@dataclass(frozen=True)
class AidDesk:
    """Everything an aid use case works with, bundled once per call by the service."""

    requests: AidRequests
    cover: CoverClaims
    programmes: Budgets
    facts: Facts
    rules: AidRules
