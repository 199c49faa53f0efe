"""Field signals of precarity and their lifecycle.

A signal is reported (``new``), triaged, a visit is planned, the visit made, and it is closed
with an outcome: a case opened in assistance case work, a referral to an institution, an aid
request, or resolved, unfounded or duplicate. Triage may already close it as unfounded or
duplicate (nobody visits a signal already known). Every step is taken once per idempotency key:
the same key for the same step replays without new events; for another step it is refused.

Events carry no personal data (no description, no protected field): only ids, area, category,
severity and the step taken, so reporting and notifications may consume them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from common import areas
from common.contracts.signals import Category, Level, Outcome, ReporterKind, Status
from common.refusals import conflict, invalid, out_of_order

CATEGORIES: tuple[Category, ...] = get_args(Category)
Severity = Annotated[int, Field(ge=1, le=5)]
Step = Literal["triage", "plan_visit", "record_visit", "close"]
LEVELS: tuple[Level, ...] = get_args(Level)

# status -> the steps it allows; ``close`` from new or triaged only for the outcomes in EARLY_OUTCOMES.
STEPS: Mapping[Status, tuple[Step, ...]] = {
    "new": ("triage", "close"),
    "triaged": ("plan_visit", "close"),
    "visit_planned": ("record_visit",),
    "visited": ("close",),
    "closed": (),
}
AFTER: Mapping[Step, Status] = {
    "triage": "triaged",
    "plan_visit": "visit_planned",
    "record_visit": "visited",
    "close": "closed",
}
EARLY_OUTCOMES: frozenset[Outcome] = frozenset({"unfounded", "duplicate"})
# outcome -> the reference it must name (the case, referral, aid request or original signal)
REFERENCE_OF: Mapping[Outcome, str] = {
    "case_opened": "case_id",
    "referral": "referral_id",
    "aid_request": "aid_request_id",
    "duplicate": "duplicate_of",
}

_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class GeoPoint(BaseModel):
    """A WGS84 point, in degrees."""

    model_config = _FROZEN

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class BoundingBox(BaseModel):
    """An area's extent (configuration data, e.g. from the areas reference)."""

    model_config = _FROZEN

    south: float = Field(ge=-90, le=90)
    west: float = Field(ge=-180, le=180)
    north: float = Field(ge=-90, le=90)
    east: float = Field(ge=-180, le=180)

    @model_validator(mode="after")
    def _ordered(self) -> BoundingBox:
        if self.south > self.north or self.west > self.east:
            raise ValueError("a bounding box runs south to north and west to east")
        return self

    def holds(self, point: GeoPoint) -> bool:
        return self.south <= point.lat <= self.north and self.west <= point.lon <= self.east


class Reporter(BaseModel):
    """Who reported: the kind is public, the identity is a protected field (see ``protection``)."""

    model_config = _FROZEN

    kind: ReporterKind
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    organisation: str | None = Field(default=None, max_length=200)


class PersonsConcerned(BaseModel):
    """How many people the signal is about, and the registry households already matched to it."""

    model_config = _FROZEN

    count: int = Field(ge=1, le=10_000)
    household_ids: tuple[str, ...] = ()


class ProtectedDetails(BaseModel):
    """Details only some roles may read or write (see ``protection``)."""

    model_config = _FROZEN

    child_protection: str | None = Field(default=None, max_length=4000)
    gender_violence: str | None = Field(default=None, max_length=4000)


class SignalDraft(BaseModel):
    """A signal as reported, before it has an id (the input of :func:`report`)."""

    model_config = _FROZEN

    category: Category
    severity: Severity
    area: str
    point: GeoPoint | None = None
    description: str = Field(min_length=3, max_length=4000)
    persons: PersonsConcerned
    reporter: Reporter
    protected: ProtectedDetails = ProtectedDetails()

    @field_validator("area")
    @classmethod
    def _commune(cls, value: str) -> str:
        if not areas.is_valid(value) or len(areas.ancestors(value)) < 3:
            raise ValueError("a signal is located in a commune: /DZ/<wilaya>/<commune>")
        return value


class Closure(BaseModel):
    """How a signal ended; the outcomes that lead elsewhere name where."""

    model_config = _FROZEN

    outcome: Outcome
    case_id: str | None = None
    referral_id: str | None = None
    aid_request_id: str | None = None
    duplicate_of: str | None = None
    note: str | None = Field(default=None, max_length=2000)


class Signal(SignalDraft):
    """A reported signal: where it is in its lifecycle, its escalation level and the keys it applied."""

    id: str
    reported_by: str
    reported_at: AwareDatetime
    status: Status = "new"
    level: Level = "cell"
    triaged_at: AwareDatetime | None = None
    visit_planned_for: AwareDatetime | None = None
    visited_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    closure: Closure | None = None
    steps: tuple[tuple[str, Step], ...] = ()  # (idempotency key, step) of every step taken

    @property
    def open(self) -> bool:
        return self.status != "closed"

    @property
    def area_ancestors(self) -> list[str]:
        return areas.ancestors(self.area)


# Events: what happened, with no personal data (ids, area, category, severity, step).


class SignalEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    signal_id: str
    area: str
    category: Category
    severity: int
    occurred_at: AwareDatetime
    by: str  # the user id of who took the step ("system" for the escalation timer)


class SignalReported(SignalEvent):
    event: Literal["signal_reported"] = "signal_reported"
    reporter_kind: ReporterKind
    persons: int


class SignalTriaged(SignalEvent):
    event: Literal["signal_triaged"] = "signal_triaged"
    previous_severity: int


class SignalVisitPlanned(SignalEvent):
    event: Literal["signal_visit_planned"] = "signal_visit_planned"
    planned_for: AwareDatetime


class SignalVisited(SignalEvent):
    event: Literal["signal_visited"] = "signal_visited"


class SignalClosed(SignalEvent):
    event: Literal["signal_closed"] = "signal_closed"
    outcome: Outcome
    reference: str | None = None


class SignalEscalated(SignalEvent):
    event: Literal["signal_escalated"] = "signal_escalated"
    status: Status
    from_level: Level
    to_level: Level
    due_at: AwareDatetime
    overdue_seconds: int


class SignalStoodDown(SignalEvent):
    """An escalated signal was handled: the level it had been raised to may stand down."""

    event: Literal["signal_stood_down"] = "signal_stood_down"
    from_level: Level


Event = (
    SignalReported
    | SignalTriaged
    | SignalVisitPlanned
    | SignalVisited
    | SignalClosed
    | SignalEscalated
    | SignalStoodDown
)


class Transition(BaseModel):
    """A step's result: the signal after it and the events to publish (none when replayed)."""

    model_config = ConfigDict(frozen=True)

    signal: Signal
    events: tuple[Event, ...]
    replayed: bool = False


def report(draft: SignalDraft, *, id: str, by: str, at: datetime, area_box: BoundingBox | None = None) -> Transition:
    """A new signal; its geo-point must lie inside its area's bounding box when one is known."""
    if draft.point is not None and area_box is not None and not area_box.holds(draft.point):
        raise invalid(
            "geo_point_outside_area",
            "the geo-point lies outside the signal's area",
            area=draft.area,
            point=draft.point.model_dump(),
        )
    signal = Signal(**draft.model_dump(), id=id, reported_by=by, reported_at=at)
    event = SignalReported(**_about(signal, at, by), reporter_kind=draft.reporter.kind, persons=draft.persons.count)
    return Transition(signal=signal, events=(event,))


def triage(signal: Signal, *, key: str, by: str, at: datetime, severity: int | None = None) -> Transition:
    """The cell has looked at the signal; it may correct the severity (1-5)."""
    if (replay := _replayed(signal, key, "triage")) is not None:
        return replay
    _allowed(signal, "triage")
    if severity is not None and not 1 <= severity <= 5:
        raise invalid("severity_out_of_range", "severity runs from 1 to 5", severity=severity)
    after = _stepped(signal, key, "triage", severity=severity or signal.severity, triaged_at=at)
    return _with(after, SignalTriaged(**_about(after, at, by), previous_severity=signal.severity), signal)


def plan_visit(signal: Signal, *, key: str, by: str, at: datetime, planned_for: datetime) -> Transition:
    """A visit is planned; not before the signal was reported."""
    if (replay := _replayed(signal, key, "plan_visit")) is not None:
        return replay
    _allowed(signal, "plan_visit")
    if planned_for < signal.reported_at:
        raise invalid("visit_before_report", "a visit cannot be planned before the signal was reported")
    after = _stepped(signal, key, "plan_visit", visit_planned_for=planned_for)
    return _with(after, SignalVisitPlanned(**_about(after, at, by), planned_for=planned_for), signal)


def record_visit(signal: Signal, *, key: str, by: str, at: datetime) -> Transition:
    """The planned visit took place."""
    if (replay := _replayed(signal, key, "record_visit")) is not None:
        return replay
    _allowed(signal, "record_visit")
    after = _stepped(signal, key, "record_visit", visited_at=at)
    return _with(after, SignalVisited(**_about(after, at, by)), signal)


def close(signal: Signal, closure: Closure, *, key: str, by: str, at: datetime) -> Transition:
    """The outcome: after the visit any of them; before it only unfounded or duplicate."""
    if (replay := _replayed(signal, key, "close")) is not None:
        return replay
    _allowed(signal, "close")
    if signal.status != "visited" and closure.outcome not in EARLY_OUTCOMES:
        raise out_of_order(
            "signal_not_visited",
            f"a signal is closed as {closure.outcome} only after its visit",
            signal.status,
            _steps_of(signal.status),
        )
    field = REFERENCE_OF.get(closure.outcome)
    reference = getattr(closure, field) if field else None
    if field and not reference:
        raise invalid("outcome_reference_required", f"a {closure.outcome} outcome names its {field}", field=field)
    if closure.outcome == "duplicate" and closure.duplicate_of == signal.id:
        raise invalid("duplicate_of_itself", "a signal is not a duplicate of itself")
    after = _stepped(signal, key, "close", closure=closure, closed_at=at)
    return _with(after, SignalClosed(**_about(after, at, by), outcome=closure.outcome, reference=reference), signal)


def escalated(signal: Signal, to_level: Level) -> Signal:
    """The signal raised to ``to_level`` (the SLA sweep decides when; see ``sla``)."""
    return signal.model_copy(update={"level": to_level})


def _about(signal: Signal, at: datetime, by: str) -> dict[str, Any]:
    return {
        "signal_id": signal.id,
        "area": signal.area,
        "category": signal.category,
        "severity": signal.severity,
        "occurred_at": at,
        "by": by,
    }


def _steps_of(status: Status) -> list[str]:
    return list(STEPS[status])


def _allowed(signal: Signal, step: Step) -> None:
    if step not in STEPS[signal.status]:
        raise out_of_order(
            "signal_step_out_of_order",
            f"a {signal.status} signal cannot take the step {step}",
            signal.status,
            _steps_of(signal.status),
        )


def _replayed(signal: Signal, key: str, step: Step) -> Transition | None:
    """The same key for the same step: nothing new. For another step: refused."""
    if not key.strip():
        raise invalid("idempotency_key_required", "every step carries an idempotency key")
    taken = dict(signal.steps).get(key)
    if taken is None:
        return None
    if taken != step:
        raise conflict("step_key_reused", "this idempotency key was used for another step", step=taken)
    return Transition(signal=signal, events=(), replayed=True)


def _stepped(signal: Signal, key: str, step: Step, **changes: object) -> Signal:
    """The signal after ``step``: new status, key recorded; an escalated signal returns to its cell."""
    update = {**changes, "status": AFTER[step], "steps": (*signal.steps, (key, step)), "level": "cell"}
    return signal.model_copy(update=update)


def _with(after: Signal, event: Event, before: Signal) -> Transition:
    """The step's event, and a stand-down when the signal had been escalated."""
    if before.level == "cell":
        return Transition(signal=after, events=(event,))
    stood_down = SignalStoodDown(**_about(after, event.occurred_at, event.by), from_level=before.level)
    return Transition(signal=after, events=(event, stood_down))
