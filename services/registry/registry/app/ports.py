"""What the use cases need of the world (``registry.app``): one Protocol per collection or device.

``registry.adapters`` implements them over MongoDB; unit tests over plain dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from datetime import date
from typing import IO, Any, Protocol

from common.contracts.assessment import Assessment
from common.contracts.households import HouseholdFilter, HouseholdUpdate
from common.idempotency import KeyedRequest
from common.jobs import JobRepository
from common.scope import Scope
from registry.domain.household import Household, Page
from registry.duplicates import Finding
from registry.importing.writer import ImportStore
from registry.scoring.batch import RecomputeReport
from registry.scoring.engine import ScoreResult
from registry.scoring.model import ScoringModel

Progress = Callable[[int, int], None]
RecordId = Hashable  # a stored record's id as the database gives it (an ObjectId on MongoDB)

__all__ = [
    "AreaRepository",
    "HouseholdRepository",
    "ImportedHouseholdStore",
    "JobRepository",
    "Progress",
    "RecordId",
    "ReviewRepository",
    "ScoreRepository",
    "UploadRepository",
]


class HouseholdRepository(Protocol):
    def new_id(self) -> str:
        """An id for a household about to be registered."""

    def candidates(self, keys: list[str], limit: int) -> list[dict[str, Any]]:
        """Stored households sharing a blocking key (raw: area and members), merged ones excluded."""

    def register(self, household: Household, idempotency_key: KeyedRequest) -> tuple[Household, bool]:
        """Store a household once per caller's idempotency key: ``(household stored, created by this call)``."""

    def stream(self, scope: Scope) -> Iterator[dict[str, Any]]:
        """Raw households inside ``scope`` (area and members), merged ones excluded, for batch work."""

    def merge(self, survivor_id: str, merged_id: str, user_id: str) -> Household:
        """Fold ``merged_id`` into ``survivor_id`` (``Household.merge_into``); the survivor as it is then."""

    def activate(self, household_id: str, user_id: str) -> None:
        """A held household found distinct from all its candidates becomes active."""

    def raw_status(self, household_id: str) -> dict[str, Any] | None:
        """``area``, ``status``, ``created_by`` of a household (merged or not)."""

    def facts(self, household_id: str, day: date) -> dict[str, Any] | None:
        """Facts of a household (a merged one answers for its survivor), related households included."""

    def facts_stream(self, area: str, day: date) -> Iterator[dict[str, Any]]:
        """Facts of every household inside ``area``, merged aside, from one database cursor, in no set order."""

    def get(self, household_id: str) -> Household | None:
        """The household, wherever it is, merged or not (the caller's scope is the use case's check)."""

    def count(self, scope: Scope) -> int:
        """Households inside ``scope``."""

    def list(self, scope: Scope, filters: HouseholdFilter) -> Page:
        """A page of households inside ``scope``."""

    def update(self, household_id: str, scope: Scope, changes: HouseholdUpdate, user_id: str) -> Household | None:
        """Apply ``changes`` (``Household.edit``) to a household inside ``scope``; ``None`` if there is none."""

    def imports(self) -> ImportedHouseholdStore:
        """The collection as a bulk import writes it."""


class ImportedHouseholdStore(ImportStore, Protocol):
    """The households as an import writes and screens them (``registry.adapters.households.ImportedHouseholds``)."""

    def screened(self, ids: Sequence[RecordId]) -> list[dict[str, Any]]:
        """``area``, ``members`` and ``dedup_keys`` of these households, by ``_id``."""

    def block_sizes(self, keys: Sequence[str]) -> dict[str, int]:
        """How many households hold each of these blocking keys (a key held by none may be absent)."""

    def holding(self, keys: Sequence[str], limit: int) -> list[dict[str, Any]]:
        """At most ``limit`` households (merged aside) holding one of ``keys``, every key searched."""

    def hold(self, household_id: RecordId) -> None:
        """A created household probably registered already waits for its review."""


class ReviewRepository(Protocol):
    def known_different(self, household_id: str, others: list[str]) -> set[str]:
        """Which of ``others`` were already decided to be different from ``household_id``."""

    def open(self, held_id: str, area: str, found: list[Finding]) -> list[str]:
        """Queue the findings about the held household (existing items are left alone)."""

    def find(self, scope: Scope, limit: int, household_id: str | None = None) -> list[dict[str, Any]]:
        """Items listed inside ``scope``, strongest first: pending ones, or all of ``household_id``'s."""

    def get(self, review_id: str) -> dict[str, Any] | None: ...

    def decide(self, review_id: str, decision: str, user_id: str) -> dict[str, Any] | None:
        """Record the decision if still pending; ``None`` if it was decided already."""

    def still_pending_for(self, household_id: str) -> int: ...

    def partners(self, household_id: str) -> set[str]:
        """Households in a pending review with this one (probably the same people)."""


class ScoreRepository(Protocol):
    def household(self, household_id: str) -> dict[str, Any] | None:
        """Raw ``_id, area, status, merged_into, assessment, score`` of a household, merged or not."""

    def assess(
        self,
        household: dict[str, Any],
        assessment: Assessment,
        scored: ScoreResult,
        user_id: str,
        idempotency_key: KeyedRequest,
    ) -> dict[str, Any]:
        """Store ``assessment`` and its score on ``household`` (as read by :meth:`household`), once per key.

        Answers ``{household_id, score, explanation}``; a repeated key answers as the first
        time. IdempotencyKeyReused if the caller's key served another request; Conflict if
        the household was merged.
        """

    def recompute(self, model: ScoringModel, scope: Scope | None, progress: Progress) -> RecomputeReport:
        """Score every assessed household in ``scope`` (all if ``None``) with ``model``; events for changes."""


class UploadRepository(Protocol):
    def put_part(self, upload_id: str, seq: int, data: bytes, owner: str, area: str) -> dict[str, Any]:
        """Store part ``seq`` of ``owner``'s upload (part 0 opens it); ``{upload_id, parts, size}``."""

    def get(self, upload_id: str) -> dict[str, Any] | None:
        """The upload's header: ``owner``, ``area``, ``size``, ``parts``, ``created_at``, ``job_id``."""

    def attach(self, upload_id: str, job_id: str) -> None:
        """The upload is being imported by ``job_id``: no more parts, no second import."""

    def open(self, upload_id: str, seekable: bool = False) -> IO[bytes]:
        """The uploaded file, read part by part (spooled to a seekable file if asked)."""

    def discard(self, upload_id: str) -> None:
        """Delete the upload, its parts first."""

    def sweep(self, job_running: Callable[[str], bool]) -> int:
        """Discard uploads older than ``ABANDONED_AFTER`` that no running job reads; how many."""


class AreaRepository(Protocol):
    def children(self, parent: str) -> list[dict[str, Any]]:
        """Areas directly below ``parent``, by code."""

    def import_communes(self, csv_text: str) -> dict[str, Any]:
        """Upsert the valid communes of a CSV; report the rejected rows."""
