"""Signal use cases: report, read (protected fields as the caller may see them), steps, break-the-glass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from common import policy
from common.clock import now
from common.context import CallerContext
from common.contracts import events as contract
from common.contracts.signals import SignalFilter, SignalIn
from common.errors import Conflict, IdempotencyKeyReused, NotFound
from common.idempotency import KeyedRequest
from common.refusals import invalid
from veille.app.ports import Emergencies, Filed, Grants, Rules, Signals
from veille.domain import protection, signals, sla
from veille.domain.places import box_for
from veille.domain.protection import BreakGlassGrant, RedactedSignal
from veille.domain.signals import Signal, SignalDraft, Transition

ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Desk:
    """Everything a signal use case works with, bundled once per call by the service."""

    signals: Signals
    grants: Grants
    emergencies: Emergencies
    rules: Rules


@dataclass(frozen=True, slots=True)
class Seen:
    """A stored signal as one caller sees it."""

    filed: Filed
    shown: RedactedSignal


def filed(signal: Signal, rules: Rules, *, version: int, priority: int) -> Filed:
    """The stored form of ``signal``: its deadlines recomputed, handled by its level's area."""
    return Filed(
        signal=signal,
        version=version,
        priority=priority,
        assigned_area=sla.handler_area(signal, signal.level),
        due_at=sla.due_at(signal, rules.sla),
        escalate_at=sla.next_escalation_at(signal, rules.sla),
    )


def report(desk: Desk, caller: CallerContext, body: SignalIn, key: KeyedRequest) -> Seen:
    """Record a signal once per key: protected fields only from roles that may write them, the point inside its area."""
    draft = SignalDraft.model_validate(body.draft())
    protection.check_writable(draft, caller.roles, desk.rules.protection)
    policy.require_within(caller, draft.area)
    at = now()
    done = signals.report(
        draft, id=desk.signals.new_id(), by=caller.user_id, at=at, area_box=box_for(draft.area, desk.rules.boxes)
    )
    priority = int(any(e.covers(draft.area) for e in desk.emergencies.active(at)))
    stored, _ = desk.signals.report(
        filed(done.signal, desk.rules, version=1, priority=priority), key, published(done, priority)
    )
    return seen(desk, caller, stored)


def get(desk: Desk, caller: CallerContext, signal_id: str) -> Seen:
    return seen(desk, caller, _visible(desk, caller, signal_id))


def page(desk: Desk, caller: CallerContext, filters: SignalFilter) -> list[Seen]:
    found = desk.signals.page(policy.scope(caller), filters)
    return [seen(desk, caller, one) for one in found]


def count(desk: Desk, caller: CallerContext, filters: SignalFilter) -> int:
    return desk.signals.count(policy.scope(caller), filters)


Step = Callable[[Signal, str], Transition]


def step(desk: Desk, caller: CallerContext, signal_id: str, key: KeyedRequest, take: Step) -> Seen:
    """Take a lifecycle step once per key, guarded on the version read (a concurrent step decides again)."""
    for _ in range(ATTEMPTS):
        before = _visible(desk, caller, signal_id)
        done = take(before.signal, _step_key(before.signal, key))
        if done.replayed:
            return seen(desk, caller, before)
        after = filed(done.signal, desk.rules, version=before.version + 1, priority=before.priority)
        if desk.signals.apply(before, after, published(done, before.priority)):
            return seen(desk, caller, after)
    raise Conflict("the signal is being changed by someone else; try again", {"reason": "busy"})


def break_glass(desk: Desk, caller: CallerContext, signal_id: str, justification: str) -> tuple[Seen, BreakGlassGrant]:
    """An emergency read of every protected field, for the configured time; the gateway audits the call."""
    found = _visible(desk, caller, signal_id)
    at = now()
    grant, _used = protection.break_glass(
        found.signal, user_id=caller.user_id, roles=caller.roles, justification=justification, now=at,
        rules=desk.rules.protection,
    )  # fmt: skip
    desk.grants.record(grant, found.signal.area)
    return seen(desk, caller, found), grant


def grants(desk: Desk, caller: CallerContext, limit: int) -> list[tuple[BreakGlassGrant, str]]:
    """The latest break-the-glass grants on signals of the auditor's area."""
    if not 1 <= limit <= 500:
        raise invalid("limit_out_of_range", "limit runs from 1 to 500", limit=limit)
    return desk.grants.recent(policy.scope(caller), limit)


def seen(desk: Desk, caller: CallerContext, stored: Filed) -> Seen:
    at = now()
    held = desk.grants.held(caller.user_id, stored.signal.id, at)
    shown = protection.view(
        stored.signal, user_id=caller.user_id, roles=caller.roles, now=at, grants=held, rules=desk.rules.protection
    )
    return Seen(filed=stored, shown=shown)


def _step_key(signal: Signal, key: KeyedRequest) -> str:
    """The key a step records: the caller's scoped key and its request's fingerprint.

    The same key sent with another body for this signal is refused (409 ``idempotency_key_reused``),
    never replayed as if it were the first request.
    """
    mark = key.fingerprint[:16]
    for taken, _ in signal.steps:
        scoped, _, fingerprint = taken.partition("#")
        if scoped == key.scoped and not fingerprint:
            return taken  # recorded before steps kept fingerprints: replays as it stands
        if scoped == key.scoped and fingerprint != mark:
            raise IdempotencyKeyReused(
                "this idempotency key was already used for another request", {"reason": "idempotency_key_reused"}
            )
    return f"{key.scoped}#{mark}"


def _visible(desk: Desk, caller: CallerContext, signal_id: str) -> Filed:
    scope = policy.scope(caller)
    try:
        found = desk.signals.get(signal_id)
    except NotFound:
        found = None
    return policy.visible_or_404(found, lambda f: scope.contains(f.signal.area), "signal")


def published(done: Transition, priority: int) -> list[contract.Event]:
    """The contract events of a step (the domain's visit and stand-down events stay inside veille)."""
    out: list[contract.Event] = []
    for event in done.events:
        about: dict[str, Any] = {"signal_id": event.signal_id, "area": event.area, "category": event.category,
                 "severity": event.severity}  # fmt: skip
        if isinstance(event, signals.SignalReported):
            out.append(contract.SignalReported(**about, reporter_kind=event.reporter_kind, persons=event.persons,
                                               priority=priority))  # fmt: skip
        elif isinstance(event, signals.SignalTriaged):
            out.append(contract.SignalTriaged(**about, previous_severity=event.previous_severity))
        elif isinstance(event, signals.SignalClosed):
            out.append(contract.SignalClosed(**about, outcome=event.outcome, reference=event.reference))
    return out
