"""Emergency mode: declare a disaster over areas, list the area's signals first, tell assistance; end it early."""

from __future__ import annotations

from common import policy
from common.clock import now
from common.context import CallerContext
from common.contracts.events import EmergencyDeclared, EmergencyEnded
from common.contracts.signals import EmergencyIn
from common.idempotency import KeyedRequest
from veille.app import notices
from veille.app.ports import Emergencies, Notifier, Rules, Signals
from veille.domain import emergency
from veille.domain.emergency import Emergency


def declare(
    store: Emergencies, signals: Signals, notifier: Notifier, rules: Rules, caller: CallerContext,
    body: EmergencyIn, key: KeyedRequest,
) -> Emergency:  # fmt: skip
    """Declare once per key, over areas inside the caller's; their open signals are listed first from now."""
    for area in body.areas:
        policy.require_within(caller, area)
    declared = emergency.declare(body, id=store.new_id(), by=caller.user_id, at=now(), longest=rules.emergency_longest)
    event = EmergencyDeclared(
        emergency_id=declared.id, areas=list(declared.areas), ends_at=declared.ends_at,
        urgent_cap_dzd=declared.caps.cap_dzd, grants_per_household=declared.caps.grants_per_household,
        campaign_id=declared.campaign_id,
    )  # fmt: skip
    stored, created = store.declare(declared, key, event)
    if created:
        signals.prioritise(stored.areas)
        notifier.send(notices.emergency(list(stored.areas), stored.id, rules.link_base))
    return stored


def listed(store: Emergencies, caller: CallerContext) -> list[Emergency]:
    """The emergencies over, inside or above the caller's area."""
    return store.listed(policy.scope(caller))


def end(store: Emergencies, caller: CallerContext, emergency_id: str, key: KeyedRequest) -> Emergency:
    """End an emergency now, once per key: its end date becomes now and assistance closes the fast track.

    Only an emergency whose every area lies in the caller's may be ended; any other answers
    as if it did not exist. Ending one already over is a conflict (extend by declaring again).
    """
    scope = policy.scope(caller)
    found = policy.visible_or_404(store.get(emergency_id), lambda one: one.within(scope), "emergency")
    replay = store.ended_under(key)
    if replay is not None:
        return replay
    at = now()
    ended = found.end(by=caller.user_id, at=at)
    event = EmergencyEnded(emergency_id=ended.id, areas=list(ended.areas), ended_at=at)
    return store.end(ended, key, event)
