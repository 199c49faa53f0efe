"""The escalation timer's use case: raise overdue signals cell -> wilaya -> ministry, tell each level once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from common.contracts import events as contract
from veille.app import notices
from veille.app.ports import Notifier, Rules, Signals
from veille.domain import sla


def sweep(store: Signals, rules: Rules, notifier: Notifier, at: datetime) -> int:
    """Escalate what is overdue at ``at`` (reads only the signals whose escalation date has come); how many.

    The store raises a signal only while it is still at the level read, so two timers, or a
    sweep run again, raise each signal once per level and announce it once.
    """
    found = sla.sweep(at, store.overdue(at), rules.sla)
    raised = store.escalate([(e, sla.next_after(e, rules.sla), _event(e)) for e in found])
    for (area, level), count in sorted(Counter((e.assigned_area, e.to_level) for e in raised).items()):
        notifier.send(notices.escalated(area, level, count, rules.link_base))
    return len(raised)


def _event(escalation: sla.Escalation) -> contract.SignalEscalated:
    e = escalation.event
    return contract.SignalEscalated(
        signal_id=e.signal_id, area=e.area, category=e.category, severity=e.severity, status=e.status,
        from_level=e.from_level, to_level=e.to_level, assigned_area=escalation.assigned_area, due_at=e.due_at,
        overdue_seconds=e.overdue_seconds,
    )  # fmt: skip
