"""What veille's use cases need of the world, as Protocols (adapters implement them; unit tests fake them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from common.contracts.events import Event
from common.contracts.signals import SignalFilter
from common.idempotency import KeyedRequest
from common.scope import Scope
from veille.domain.alerts import Alert, AlertRule, IndicatorRow
from veille.domain.emergency import Emergency
from veille.domain.pockets import SignalPoint
from veille.domain.protection import DEFAULT_POLICY, BreakGlassGrant, ProtectionPolicy
from veille.domain.signals import BoundingBox, Signal
from veille.domain.sla import DEFAULT_SLA, Escalation, SlaPolicy, Timed


@dataclass(frozen=True, slots=True)
class Filed:
    """A stored signal: the domain signal and what the store keeps beside it.

    ``version`` guards every write (a step computed from version n is written only over n);
    ``due_at`` and ``escalate_at`` are the indexed dates the lists and the escalation timer read.
    """

    signal: Signal
    version: int
    priority: int  # 1 inside a declared emergency: listed first
    assigned_area: str  # who handles it: its commune, or the wilaya / nation it escalated to
    due_at: datetime | None
    escalate_at: datetime | None


class Signals(Protocol):
    """The signals (``adapters.signals``), their outbox included."""

    def new_id(self) -> str: ...

    def report(self, filed: Filed, key: KeyedRequest, events: Sequence[Event]) -> tuple[Filed, bool]:
        """Store a new signal once per caller's key: ``(stored, created by this call)``."""

    def get(self, signal_id: str) -> Filed | None: ...

    def page(self, scope: Scope, filters: SignalFilter) -> list[Filed]:
        """Inside ``scope``: emergencies first, then the most severe, then the newest."""

    def count(self, scope: Scope, filters: SignalFilter) -> int: ...

    def apply(self, before: Filed, after: Filed, events: Sequence[Event]) -> bool:
        """Write ``after`` over ``before`` if nobody wrote since (same version); False otherwise."""

    def overdue(self, now: datetime) -> list[Timed]:
        """The open signals whose next escalation is due at ``now`` (read on the escalation-date index)."""

    def escalate(self, raised: Sequence[tuple[Escalation, datetime | None, Event]]) -> list[Escalation]:
        """Raise each signal still at the escalation's ``from_level``, with its next date and event: those raised."""

    def prioritise(self, areas: Sequence[str]) -> int:
        """List the open signals of these areas first; how many changed."""

    def points(self, scope: Scope) -> list[SignalPoint]:
        """The open signals with a geo-point inside ``scope``."""

    def counts(self, since: datetime) -> Mapping[tuple[str, str], int]:
        """Signals reported since ``since``, per (commune, category)."""


class Grants(Protocol):
    """Break-the-glass grants (``adapters.grants``): kept for their time and for the auditors."""

    def record(self, grant: BreakGlassGrant, area: str) -> None: ...

    def held(self, user_id: str, signal_id: str, now: datetime) -> list[BreakGlassGrant]: ...

    def recent(self, scope: Scope, limit: int) -> list[tuple[BreakGlassGrant, str]]:
        """The latest grants on signals inside ``scope``, with each signal's area."""


class Emergencies(Protocol):
    def new_id(self) -> str: ...

    def declare(self, emergency: Emergency, key: KeyedRequest, event: Event) -> tuple[Emergency, bool]: ...

    def active(self, now: datetime) -> list[Emergency]: ...

    def listed(self, scope: Scope) -> list[Emergency]:
        """Emergencies over areas inside ``scope`` or above it, the latest first."""

    def get(self, emergency_id: str) -> Emergency | None: ...

    def ended_under(self, key: KeyedRequest) -> Emergency | None:
        """The emergency this caller's ``key`` ended, if it did (another request under the key: 409)."""

    def end(self, ended: Emergency, key: KeyedRequest, event: Event) -> Emergency:
        """Store the end with its event, unless it has ended meanwhile (then the replay or a conflict)."""


class AlertRules(Protocol):
    def current(self) -> list[AlertRule]:
        """The latest version of every rule."""

    def publish(self, rule: AlertRule, by: str) -> AlertRule:
        """Store a new version (``rule.version`` = the latest + 1); the same rule again is returned as is."""

    def latest(self, rule_id: str) -> AlertRule | None: ...


class Alerts(Protocol):
    def known(self, rule_ids: Sequence[str]) -> list[Alert]:
        """The open alerts of these rules, and the cleared ones still within their period."""

    def save(self, raised: Sequence[Alert], cleared: Sequence[Alert], events: Sequence[Event]) -> None:
        """Insert the raised alerts and mark the cleared ones, each with its event (in the same order)."""

    def page(self, scope: Scope, status: str | None, limit: int) -> list[Alert]: ...

    def get(self, alert_id: str) -> Alert | None: ...

    def replace(self, before: Alert, after: Alert) -> bool: ...


class Indicators(Protocol):
    """Per-commune indicator rows (reporting's read model, or veille's own counts)."""

    def metrics(self) -> frozenset[str]: ...

    def rows(self, as_of: datetime, also: set[str]) -> list[IndicatorRow]:
        """The communes' rows at ``as_of``: every commune with something to say, and those of ``also``."""


@dataclass(frozen=True, slots=True)
class Notice:
    """What a notification says: counts and a link, in French and Arabic; never a person."""

    subject_fr: str
    subject_ar: str
    body_fr: str
    body_ar: str
    link: str
    audience: str  # the area whose cell, wilaya or ministry is told


class Notifier(Protocol):
    def send(self, notice: Notice) -> None: ...


@dataclass(frozen=True, slots=True)
class Rules:
    """The configuration the use cases read: SLA, protected fields, area boxes (validated at start)."""

    sla: SlaPolicy = DEFAULT_SLA
    protection: ProtectionPolicy = DEFAULT_POLICY
    boxes: Mapping[str, BoundingBox] = field(default_factory=dict)
    link_base: str = "https://solidarite.example.dz/veille"
    emergency_longest: timedelta = timedelta(days=90)
