"""Running a step on a stored request, and asking the registry for a household's facts.

:func:`run_step` is the one way a request changes state: read it, replay the outcome if
the idempotency key was already applied, let the step decide the change from what it
read, and write it guarded on that read. A concurrent step makes the guard miss; the
step is then decided again from the new state (which may now refuse it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventlet.timeout import Timeout
from nameko.exceptions import RemoteError

from assistance.requests.store import AidRequestRepository, Change, applied_entry
from common.contracts.facts import HouseholdFacts
from common.errors import Conflict, IdempotencyKeyReused, NotFound, ServiceUnavailable, UpstreamError
from common.idempotency import KeyedRequest
from common.nameko_ext.remote import remote_errors

ATTEMPTS = 5

Decide = Callable[[dict[str, Any]], Change]


def run_step(
    store: AidRequestRepository,
    request_id: str,
    step: str,
    key: KeyedRequest | str,
    user_id: str,
    decide: Decide,
    visible: Callable[[dict[str, Any]], None],
) -> tuple[dict[str, Any], bool]:
    """Apply ``step`` once per ``key``: ``(the request after it, applied by this call)``.

    ``key`` is a client's (its caller's own, fingerprinted: see ``common.idempotency``) or,
    as text, the platform's own for a step it takes itself (``paid:<reference>``), which
    applies once whoever triggers it. ``visible`` raises NotFound for a request outside the
    caller's area; ``decide`` raises the domain error that refuses the step
    (InvalidTransition, Forbidden, Conflict…).
    """
    for _ in range(ATTEMPTS):
        doc = store.get(request_id)
        if doc is None:
            raise NotFound("aid request not found")
        visible(doc)
        entry = key.entry_in(doc.get("history", ())) if isinstance(key, KeyedRequest) else applied_entry(doc, key)
        if entry is not None:
            if entry["step"] != step:
                raise IdempotencyKeyReused("this idempotency key was used for another step", {"step": entry["step"]})
            return doc, False
        updated = store.apply(doc, step, key, user_id, decide(doc))
        if updated is not None:
            return updated, True
    raise Conflict("the request is being changed by someone else; try again", {"reason": "busy"})


def fetch_facts(registry: Any, household_id: str, timeout_seconds: float) -> HouseholdFacts:
    """The registry's facts about a household, as the caller may see them (its context travels)."""
    try:
        with Timeout(timeout_seconds), remote_errors():
            raw = registry.household_facts(household_id)
    except Timeout:
        raise ServiceUnavailable("the registry did not answer in time") from None
    except RemoteError as exc:
        raise UpstreamError("the registry failed to answer", {"remote_type": str(exc.exc_type)}) from None
    return HouseholdFacts.model_validate(raw)
