"""The ports of reporting's use cases: event log, projection checkpoint, read models, closed reports, plans."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from reporting.domain.events import Folded, HouseholdFact, LegacyHousehold, LoggedEvent
from reporting.domain.report import Snapshot, TallyRow


class EventLog(Protocol):
    """Every consumed event, once (keyed by its id), in the order the projection applies them (``seq``)."""

    def append(self, entry: LoggedEvent) -> bool:
        """Keep ``entry`` unless its event id is already kept; True if it was new."""

    def sequence_pending(self, limit: int) -> int:
        """Number the entries not numbered yet (by occurrence, then arrival) after the highest number; how many."""

    def after(self, seq: int, limit: int) -> list[LoggedEvent]:
        """Numbered entries after ``seq``, in order."""

    def pending(self) -> int:
        """Entries not numbered yet."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    applied_through: int
    as_of: datetime | None  # when the last applied event occurred
    applying_through: int = 0  # the batch begun (applied again, exactly, after a crash)
    rebuilding: bool = False  # a rebuild began and has not ended: the read models are half written


class Projection(Protocol):
    """The projection's progress and the lease that lets one worker at a time apply the log."""

    def acquire(self, token: str) -> Checkpoint | None:
        """Take the lease for ``token`` (None if another worker holds it) and read the checkpoint."""

    def begin(self, token: str, seq: int) -> None:
        """Record the batch about to be applied: entries up to ``seq``."""

    def advance(self, token: str, seq: int, as_of: datetime | None) -> None:
        """Record that entries up to ``seq`` are applied (and renew the lease)."""

    def restart(self, token: str) -> None:
        """Back to before the first entry, rebuilding (until :meth:`advance`)."""

    def renew(self, token: str) -> None:
        """Keep the lease through a rebuild (long enough for its single write of the read models)."""

    def release(self, token: str) -> None:
        """Give the lease up."""

    def checkpoint(self) -> Checkpoint:
        """The progress, for readers."""


class ReadModels(Protocol):
    """Household facts, grant marks and tallies, written a batch of entries at a time.

    Every write is guarded by the number of the batch's last entry (``seq``): a batch applied
    again after a crash changes nothing it had already written.
    """

    def households(self, ids: set[str], seq: int) -> dict[str, HouseholdFact | None] | None:
        """The households as they were before the batch ending at ``seq``; None when a later batch
        already changed one of them (so this one was applied in full)."""

    def mark_grants(self, keys: set[str], seq: int) -> set[str]:
        """The grant keys (household, quarter, programme) the batch ending at ``seq`` marks first."""

    def apply(self, seq: int, folded: Folded, before: Mapping[str, HouseholdFact | None]) -> None:
        """Add the tallies to their areas and every area above; then save the households (with ``before``)."""

    def load(self, seq: int, folded: Folded, grants: set[str]) -> None:
        """Write a whole replay into the emptied read models: the tallies (at every level), the
        households as they end and the grant marks, all as of the entry ``seq``."""

    def legacy(self) -> list[LegacyHousehold]:
        """Households counted before the event log existed (facts with no batch number)."""

    def clear(self) -> None:
        """Empty every read model (before a rebuild)."""

    def rows(self, area: str, through: str) -> list[TallyRow]:
        """The tallies of ``area`` for every quarter up to ``through``."""

    def children(self, area: str, quarters: list[str]) -> list[TallyRow]:
        """The headline tallies of the areas directly below ``area`` in ``quarters``."""

    def below(self, area: str, depth: int, quarters: list[str]) -> list[TallyRow]:
        """The headline tallies of the areas at ``depth`` (0 national, 1 wilaya, 2 commune) inside ``area``."""

    def count_below(self, area: str, depth: int, quarters: list[str]) -> int:
        """How many tallies :meth:`below` would read (to decide whether an export runs as a job)."""


class ReportVersions(Protocol):
    """Closed reports: every version, immutable."""

    def latest(self, area: str, period: str) -> Snapshot | None:
        """The last version of the closed report."""

    def versions(self, area: str, period: str) -> list[Snapshot]:
        """Every version, oldest first."""

    def freeze(self, snapshot: Snapshot, scoped_key: str, fingerprint: str) -> Snapshot:
        """Store a new version; a version number already taken (a close racing this one) is a Conflict."""

    def closed_with(self, scoped_key: str) -> tuple[Snapshot, str] | None:
        """The version a close made under this caller's key, and that close's fingerprint."""


@dataclass(frozen=True, slots=True)
class File:
    """A file to hand to a caller: its name, media type and bytes."""

    name: str
    media_type: str
    content: bytes


class ExportFiles(Protocol):
    """The files of exports that ran as jobs."""

    def put(self, job_id: str, file: File) -> None:
        """Keep the file of job ``job_id``."""

    def get(self, job_id: str) -> File | None:
        """The file, once the job wrote it."""


class ActionPlans(Protocol):
    """The plans cells enter with a period's report (for the next period)."""

    def get(self, area: str, period: str) -> str | None:
        """The plan's text, if entered."""

    def put(self, area: str, period: str, text: str, by: str, at: datetime) -> None:
        """Record the plan (replacing the previous text)."""
