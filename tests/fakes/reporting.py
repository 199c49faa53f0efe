"""In-memory fakes of reporting's ports: plain dicts by id, the same guards as the adapters (seq, unique ids)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from common import areas, refusals
from common.errors import Conflict
from common.scope import Scope
from reporting.app.ports import Checkpoint, File
from reporting.domain.events import Folded, HouseholdFact, LegacyHousehold, LoggedEvent
from reporting.domain.impact import ScoreMark
from reporting.domain.report import HEADLINE, Snapshot, TallyRow


class FakeLog:
    def __init__(self) -> None:
        self.entries: dict[str, LoggedEvent] = {}

    def append(self, entry: LoggedEvent) -> bool:
        if entry.event_id in self.entries:
            return False
        self.entries[entry.event_id] = entry
        return True

    def sequence_pending(self, limit: int) -> int:
        waiting = [e for e in self.entries.values() if e.seq is None]  # dicts keep arrival order
        pending = sorted(waiting, key=lambda e: (e.occurred_at, e.received_at))[:limit]
        last = max((e.seq for e in self.entries.values() if e.seq is not None), default=0)
        for number, entry in enumerate(pending, last + 1):
            self.entries[entry.event_id] = replace(entry, seq=number)
        return len(pending)

    def after(self, seq: int, limit: int) -> list[LoggedEvent]:
        numbered = sorted(
            (e for e in self.entries.values() if e.seq is not None and e.seq > seq), key=lambda e: e.seq or 0
        )
        return numbered[:limit]

    def pending(self) -> int:
        return sum(1 for e in self.entries.values() if e.seq is None)


class FakeProjection:
    def __init__(self) -> None:
        self.holder: str | None = None
        self.applied_through = 0
        self.applying_through = 0
        self.as_of: datetime | None = None
        self.rebuilding = False

    def acquire(self, token: str) -> Checkpoint | None:
        if self.holder is not None:
            return None
        self.holder = token
        return Checkpoint(self.applied_through, self.as_of, self.applying_through, self.rebuilding)

    def begin(self, token: str, seq: int) -> None:
        assert self.holder == token
        self.applying_through = seq

    def advance(self, token: str, seq: int, as_of: datetime | None) -> None:
        assert self.holder == token
        self.applied_through, self.applying_through, self.as_of, self.rebuilding = seq, seq, as_of, False

    def restart(self, token: str) -> None:
        self.applied_through, self.applying_through, self.as_of, self.rebuilding = 0, 0, None, True

    def renew(self, token: str) -> None:
        assert self.holder == token

    def release(self, token: str) -> None:
        if self.holder == token:
            self.holder = None

    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.applied_through, self.as_of, self.applying_through, self.rebuilding)


class FakeReadModels:
    def __init__(self) -> None:
        self.households_by_id: dict[str, tuple[int, HouseholdFact | None, HouseholdFact]] = {}  # (seq, before, now)
        self.grants: dict[str, int] = {}
        self.tallies: dict[tuple[str, str, str, str, str], list[int]] = {}  # -> [count, amount, seq]
        self.legacy_households: list[LegacyHousehold] = []
        self.scores: dict[tuple[str, str], tuple[int, ScoreMark]] = {}  # (household, quarter) -> (seq, mark)

    def households(self, ids: set[str], seq: int) -> dict[str, HouseholdFact | None] | None:
        found: dict[str, HouseholdFact | None] = {}
        for household_id in ids & self.households_by_id.keys():
            held, before, now = self.households_by_id[household_id]
            if held > seq:
                return None
            found[household_id] = before if held == seq else now
        return found

    def mark_grants(self, keys: set[str], seq: int) -> set[str]:
        return {key for key in keys if self.grants.setdefault(key, seq) == seq}

    def apply(self, seq: int, folded: Folded, before: Mapping[str, HouseholdFact | None]) -> None:
        summed: dict[tuple[str, str, str, str, str], list[int]] = {}
        for (area, quarter, measure, programme, category), (count, amount) in folded.tallies.items():
            for place in areas.ancestors(area):
                total = summed.setdefault((place, quarter, measure, programme, category), [0, 0])
                total[0] += count
                total[1] += amount
        for key, (count, amount) in summed.items():
            tally = self.tallies.setdefault(key, [0, 0, 0])
            if tally[2] < seq:
                tally[:] = [tally[0] + count, tally[1] + amount, seq]
        for household_id, fact in folded.households.items():
            held = self.households_by_id.get(household_id)
            if held is None or held[0] < seq:
                self.households_by_id[household_id] = (seq, before.get(household_id), fact)
        for key, mark in folded.scores.items():
            held_mark = self.scores.get(key)
            if held_mark is None:
                self.scores[key] = (seq, mark)
            elif held_mark[0] < seq:
                self.scores[key] = (seq, held_mark[1].then(mark))

    def load(self, seq: int, folded: Folded, grants: set[str]) -> None:
        assert not (self.tallies or self.households_by_id or self.grants), "load writes into emptied read models"
        self.apply(seq, folded, {})
        self.grants = dict.fromkeys(grants, seq)

    def legacy(self) -> list[LegacyHousehold]:
        return list(self.legacy_households)

    def clear(self) -> None:
        self.legacy_households.clear()
        self.households_by_id.clear()
        self.grants.clear()
        self.tallies.clear()
        self.scores.clear()

    def _rows(self) -> list[TallyRow]:
        return [TallyRow(*key, tally[0], tally[1]) for key, tally in self.tallies.items()]

    def rows(self, area: str, through: str) -> list[TallyRow]:
        return [row for row in self._rows() if row.area == area and row.quarter <= through]

    def below(self, area: str, depth: int, quarters: list[str]) -> list[TallyRow]:
        return [
            row
            for row in self._rows()
            if len(areas.ancestors(row.area)) == depth + 1
            and areas.contains(area, row.area)
            and row.quarter in quarters
            and row.measure in HEADLINE
        ]

    def count_below(self, area: str, depth: int, quarters: list[str]) -> int:
        return len(self.below(area, depth, quarters))

    def children(self, area: str, quarters: list[str]) -> list[TallyRow]:
        return [
            row
            for row in self._rows()
            if areas.ancestors(row.area)[-2:-1] == [area] and row.quarter in quarters and row.measure in HEADLINE
        ]


class FakeVersions:
    def __init__(self) -> None:
        self.by_id: dict[tuple[str, str, int], tuple[Snapshot, str, str]] = {}

    def latest(self, area: str, period: str) -> Snapshot | None:
        found = self.versions(area, period)
        return found[-1] if found else None

    def versions(self, area: str, period: str) -> list[Snapshot]:
        return [s for (a, p, _), (s, _, _) in sorted(self.by_id.items()) if (a, p) == (area, period)]

    def freeze(self, snapshot: Snapshot, scoped_key: str, fingerprint: str) -> Snapshot:
        key = (snapshot.area, snapshot.period, snapshot.version)
        if key in self.by_id:
            raise refusals.conflict("version_taken", "another close came first")
        self.by_id[key] = (snapshot, scoped_key, fingerprint)
        return snapshot

    def closed_with(self, scoped_key: str) -> tuple[Snapshot, str] | None:
        return next(((s, f) for s, k, f in self.by_id.values() if k == scoped_key), None)


class FakePlans:
    def __init__(self) -> None:
        self.plans: dict[tuple[str, str], str] = {}

    def get(self, area: str, period: str) -> str | None:
        return self.plans.get((area, period))

    def put(self, area: str, period: str, text: str, by: str, at: datetime) -> None:
        self.plans[(area, period)] = text


class FakeJobs:
    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}

    def start(
        self, kind: str, area: str, user_id: str, params: dict[str, Any], exclusive: str | None = None
    ) -> dict[str, Any]:
        if exclusive is not None and any(
            j["exclusive"] == exclusive and j["status"] == "running" for j in self.jobs.values()
        ):
            raise Conflict("a job of this kind is already running")
        job_id = f"job{len(self.jobs) + 1}"
        job: dict[str, Any] = {"id": job_id, "kind": kind, "area": area, "params": params, "status": "running"}
        self.jobs[job_id] = {**job, "started_by": user_id, "exclusive": exclusive, "progress": {}, "result": None}
        return job

    def progress(self, job_id: str, progress: dict[str, Any]) -> None:
        self.jobs[job_id]["progress"] = progress

    def finish(self, job_id: str, status: str, result: dict[str, Any]) -> None:
        self.jobs[job_id].update(status=status, result=result)

    def get(self, job_id: str) -> dict[str, Any] | None:
        return self.jobs.get(job_id)

    def interrupt_stale(self) -> int:
        return 0


class FakeFiles:
    def __init__(self) -> None:
        self.files: dict[str, File] = {}

    def put(self, job_id: str, file: File) -> None:
        self.files[job_id] = file

    def get(self, job_id: str) -> File | None:
        return self.files.get(job_id)


class Spawned:
    """The ``background`` dependency, holding the work until the test runs it."""

    def __init__(self) -> None:
        self.work: list[Callable[[], None]] = []

    def __call__(self, work: Callable[[], None], name: str) -> None:
        self.work.append(work)

    def run(self) -> None:
        while self.work:
            self.work.pop(0)()


class FakeImpactFacts:
    """Programme impact's reads over :class:`FakeReadModels` (areas matched with ``Scope.contains``)."""

    def __init__(self, models: FakeReadModels) -> None:
        self.models = models

    def households(self, scope: Scope, area: str) -> dict[str, str]:
        return {
            household_id: fact.area
            for household_id, (_, _, fact) in self.models.households_by_id.items()
            if scope.contains(fact.area) and Scope(area=area).contains(fact.area) and not fact.merged
        }

    def marks(self, households: list[str], through: str) -> list[ScoreMark]:
        wanted = set(households)
        return [
            mark
            for (household, quarter), (_, mark) in self.models.scores.items()
            if household in wanted and quarter <= through
        ]

    def grants(self, households: list[str], through: str, programme: str | None) -> list[tuple[str, str]]:
        wanted = set(households)
        found = []
        for key in self.models.grants:
            household, quarter, granted = key.split("|", 2)
            if household in wanted and quarter <= through and (programme is None or programme == granted):
                found.append((household, quarter))
        return found
