"""The event log and the projection: receive an event, apply the log in order, rebuild by replay.

A handler *receives* an event: it is validated and kept in the log once (its event id is
the log's key), and the handler then *projects*. Projecting takes a lease (one worker of
all replicas at a time), numbers the entries not numbered yet in arrival order, and
applies every numbered entry after the checkpoint, in order, to the read models. Every
read-model write is guarded by the entry's number, so an entry applied again after a
crash (between its writes and the checkpoint) changes nothing: redelivery and crashes
count once. A *rebuild* empties the read models and applies the whole log again in the
same order: the read models come out equal to the ones built as events arrived.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from common.contracts.events import Event, parse_event
from reporting.app.ports import EventLog, Prior, Projection, ReadModels
from reporting.domain.events import LoggedEvent, effects, grant_key, household_of

BATCH = 500
Observe = Callable[[LoggedEvent], None]


def receive(log: EventLog, producer: str, payload: Any, expected: type[Event], now: datetime) -> bool:
    """Keep the event in the log (MalformedEvent if it is not one of ``expected``); True if it was new."""
    event = parse_event(payload, expected)
    entry = LoggedEvent(
        event_id=event.event_id,
        producer=producer,
        event_type=event.event_type,
        version=event.version,
        occurred_at=event.occurred_at,
        received_at=now,
        data=dict(payload["data"]),
    )
    return log.append(entry)


def apply(models: ReadModels, entry: LoggedEvent) -> None:
    """Apply one numbered entry to the read models."""
    assert entry.seq is not None
    event = parse_event(entry.envelope())
    household_id = household_of(event)
    prior = models.household(household_id, entry.seq) if household_id else Prior(None)
    if prior.later:
        return
    key = grant_key(event)
    first_grant = models.mark_grant(key, entry.seq) if key else False
    changes = effects(event, prior.fact, first_grant)
    if changes is not None:
        models.apply(entry.seq, changes)


def project(log: EventLog, progress: Projection, models: ReadModels, observe: Observe | None = None) -> int:
    """Apply what the log holds beyond the checkpoint; 0 at once if another worker is applying it."""
    token = uuid.uuid4().hex
    held = progress.acquire(token)
    if held is None:
        return 0
    try:
        return _drain(log, progress, models, token, held.applied_through, held.as_of, observe)
    finally:
        progress.release(token)


def rebuild(log: EventLog, progress: Projection, models: ReadModels, observe: Observe | None = None) -> int | None:
    """Empty the read models and apply the whole log again; None if a projection is running (try later)."""
    token = uuid.uuid4().hex
    if progress.acquire(token) is None:
        return None
    try:
        models.clear()
        progress.restart(token)
        return _drain(log, progress, models, token, 0, None, observe)
    finally:
        progress.release(token)


def _drain(
    log: EventLog,
    progress: Projection,
    models: ReadModels,
    token: str,
    through: int,
    as_of: datetime | None,
    observe: Observe | None,
) -> int:
    applied = 0
    while True:
        batch = log.after(through, BATCH)
        if not batch:
            if log.sequence_pending(BATCH) == 0:
                return applied
            continue
        for entry in batch:
            apply(models, entry)
            as_of = entry.occurred_at if as_of is None else max(as_of, entry.occurred_at)
            if observe is not None:
                observe(entry)
        through = batch[-1].seq or through
        progress.advance(token, through, as_of)
        applied += len(batch)
