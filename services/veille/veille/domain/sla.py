"""Service levels: how soon a signal must be triaged, visited and closed, and escalation when late.

Deadlines are configuration (:class:`SlaPolicy`), per category and severity, all counted from
the report: e.g. a street child triaged within 4 h and visited within 24 h. A signal is due for
the step its status waits for (:func:`due_at`); once late it climbs the ladder cell → wilaya →
ministry by how long it has been overdue, and is handed to that level's area. Taking the step
stands the escalation down (``signals`` returns the signal to its cell).

:func:`sweep` is what the escalation timer calls. The adapter stores each open signal's
``due_at`` (recomputed at every step) and an index on it; :func:`due_before` says which due
dates can possibly escalate now, so the timer reads only those.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common import areas
from common.contracts.signals import Category, Level, Status
from veille.domain.signals import LEVELS, SignalEscalated

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Timed(Protocol):
    """What the SLA reads of a signal: a :class:`~veille.domain.signals.Signal`, or a lighter row the
    adapter reads with only these fields (the timer's projection)."""

    @property
    def id(self) -> str: ...
    @property
    def area(self) -> str: ...
    @property
    def category(self) -> Category: ...
    @property
    def severity(self) -> int: ...
    @property
    def status(self) -> Status: ...
    @property
    def level(self) -> Level: ...
    @property
    def reported_at(self) -> datetime: ...


SYSTEM = "system"  # the ``by`` of what the timer does


class Deadlines(BaseModel):
    """How long after the report each step must be done; no ``close`` deadline leaves closing free."""

    model_config = _FROZEN

    triage: timedelta = Field(gt=timedelta(0))
    visit: timedelta = Field(gt=timedelta(0))
    close: timedelta | None = Field(default=None, gt=timedelta(0))

    @model_validator(mode="after")
    def _ordered(self) -> Deadlines:
        if self.visit < self.triage or (self.close is not None and self.close < self.visit):
            raise ValueError("deadlines run triage <= visit <= close")
        return self


class SlaRule(BaseModel):
    """The deadlines of a category (``None``: every category) from a severity up."""

    model_config = _FROZEN

    category: Category | None = None
    min_severity: int = Field(default=1, ge=1, le=5)
    deadlines: Deadlines


class Ladder(BaseModel):
    """How long overdue a signal climbs to the wilaya, then to the ministry."""

    model_config = _FROZEN

    wilaya_after: timedelta = Field(default=timedelta(0), ge=timedelta(0))
    ministry_after: timedelta = Field(gt=timedelta(0))

    @model_validator(mode="after")
    def _ordered(self) -> Ladder:
        if self.ministry_after <= self.wilaya_after:
            raise ValueError("a signal reaches the ministry after the wilaya")
        return self


class SlaPolicy(BaseModel):
    """Every rule and the ladder; one rule covers every category from severity 1 (the default)."""

    model_config = _FROZEN

    rules: tuple[SlaRule, ...]
    ladder: Ladder

    @model_validator(mode="after")
    def _default(self) -> SlaPolicy:
        if not any(r.category is None and r.min_severity == 1 for r in self.rules):
            raise ValueError("one rule covers every category from severity 1")
        return self

    def deadlines(self, category: Category, severity: int) -> Deadlines:
        """The most specific rule: its own category before every category, then the highest severity reached."""
        matching = [r for r in self.rules if r.category in (category, None) and r.min_severity <= severity]
        best = max(matching, key=lambda r: (r.category is not None, r.min_severity))
        return best.deadlines


DEFAULT_SLA = SlaPolicy(
    rules=(
        SlaRule(deadlines=Deadlines(triage=timedelta(hours=48), visit=timedelta(days=7), close=timedelta(days=30))),
        SlaRule(min_severity=4, deadlines=Deadlines(triage=timedelta(hours=12), visit=timedelta(hours=72))),
        SlaRule(category="street_child", deadlines=Deadlines(triage=timedelta(hours=4), visit=timedelta(hours=24))),
        SlaRule(category="woman_in_danger", deadlines=Deadlines(triage=timedelta(hours=2), visit=timedelta(hours=12))),
        SlaRule(category="disaster", deadlines=Deadlines(triage=timedelta(hours=1), visit=timedelta(hours=6))),
    ),
    ladder=Ladder(wilaya_after=timedelta(0), ministry_after=timedelta(hours=24)),
)

# what each status waits for
_WAITING: dict[Status, str | None] = {
    "new": "triage",
    "triaged": "visit",
    "visit_planned": "visit",
    "visited": "close",
    "closed": None,
}


def due_at(signal: Timed, sla: SlaPolicy = DEFAULT_SLA) -> datetime | None:
    """When the step the signal waits for is due; ``None`` when closed or with no deadline."""
    return _due(signal, sla, {})


def _due(signal: Timed, sla: SlaPolicy, seen: dict[tuple[Category, int], Deadlines]) -> datetime | None:
    """:func:`due_at`, with the deadlines already looked up for a category and severity kept in ``seen``."""
    step = _WAITING[signal.status]
    if step is None:
        return None
    which = (signal.category, signal.severity)
    if which not in seen:
        seen[which] = sla.deadlines(*which)
    span: timedelta | None = getattr(seen[which], step)
    return None if span is None else signal.reported_at + span


def level_for(overdue: timedelta, ladder: Ladder) -> Level:
    """The level a signal this late belongs to (``cell`` while not late)."""
    if overdue <= timedelta(0):
        return "cell"
    if overdue >= ladder.ministry_after:
        return "ministry"
    return "wilaya" if overdue >= ladder.wilaya_after else "cell"


def handler_area(signal: Timed, level: Level) -> str:
    """The area that handles the signal at ``level``: its commune, its wilaya, or the nation."""
    if level == "cell":
        return signal.area
    return areas.ancestors(signal.area)[1 if level == "wilaya" else 0]  # /DZ, /DZ/ww, /DZ/ww/cccc


def due_before(now: datetime, sla: SlaPolicy = DEFAULT_SLA) -> datetime:
    """Only signals due before this can escalate at ``now``: the timer's range on the due-date index."""
    return now - sla.ladder.wilaya_after


@dataclass(frozen=True, slots=True)
class Escalation:
    """A signal to raise from one level to a higher one and hand to that level's area."""

    signal_id: str
    from_level: Level
    to_level: Level
    assigned_area: str
    due_at: datetime
    event: SignalEscalated


def sweep(now: datetime, open_signals: Iterable[Timed], sla: SlaPolicy = DEFAULT_SLA) -> list[Escalation]:
    """The escalations due at ``now``: each late signal below the level its lateness calls for.

    Pure and repeatable: a signal already at its level yields nothing, so a sweep run twice (or
    by two timers) raises each signal once, provided the adapter applies an escalation only while
    the stored level is still ``from_level``.
    """
    found = []
    seen: dict[tuple[Category, int], Deadlines] = {}
    for signal in open_signals:
        due = _due(signal, sla, seen)
        if due is None:
            continue
        overdue = now - due
        target = level_for(overdue, sla.ladder)
        if LEVELS.index(target) <= LEVELS.index(signal.level):
            continue
        # model_construct: every field comes from a validated Signal (validating 100k of them again costs seconds)
        event = SignalEscalated.model_construct(
            signal_id=signal.id,
            area=signal.area,
            category=signal.category,
            severity=signal.severity,
            occurred_at=now,
            by=SYSTEM,
            status=signal.status,
            from_level=signal.level,
            to_level=target,
            due_at=due,
            overdue_seconds=int(overdue.total_seconds()),
        )
        found.append(Escalation(signal_id=signal.id, from_level=signal.level, to_level=target,
                                assigned_area=handler_area(signal, target), due_at=due, event=event))  # fmt: skip
    return found


def next_escalation_at(signal: Timed, sla: SlaPolicy = DEFAULT_SLA) -> datetime | None:
    """When the signal, left as it is, next climbs a level: the due-date index the timer reads.

    ``None`` once it is closed, has no deadline for its step, or is at the ministry already.
    """
    due = due_at(signal, sla)
    if due is None or signal.level == "ministry":
        return None
    return due + (sla.ladder.wilaya_after if signal.level == "cell" else sla.ladder.ministry_after)


def next_after(escalation: Escalation, sla: SlaPolicy = DEFAULT_SLA) -> datetime | None:
    """When a signal just raised by ``escalation`` climbs again (``None`` at the ministry)."""
    return None if escalation.to_level == "ministry" else escalation.due_at + sla.ladder.ministry_after
