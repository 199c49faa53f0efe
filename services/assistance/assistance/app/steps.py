"""Running a step on a stored request.

:func:`run_step` is the one way a request changes state: read it, replay the outcome if
the idempotency key was already applied, let the step decide the change from what it
read, and write it guarded on that read. A concurrent step makes the guard miss; the
step is then decided again from the new state (which may now refuse it).
"""

from __future__ import annotations

from collections.abc import Callable

from assistance.app.ports import AidRequests
from assistance.domain.aid_request import AidRequest, Change
from common.errors import Conflict, IdempotencyKeyReused, NotFound
from common.idempotency import KeyedRequest

ATTEMPTS = 5

Decide = Callable[[AidRequest], Change]


def run_step(
    store: AidRequests,
    request_id: str,
    step: str,
    key: KeyedRequest | str,
    user_id: str,
    decide: Decide,
    visible: Callable[[AidRequest], None],
) -> tuple[AidRequest, bool]:
    """Apply ``step`` once per ``key``: ``(the request after it, applied by this call)``.

    ``key`` is a client's (its caller's own, fingerprinted: see ``common.idempotency``) or,
    as text, the platform's own for a step it takes itself (``paid:<reference>``), which
    applies once whoever triggers it. ``visible`` raises NotFound for a request outside the
    caller's area; ``decide`` raises the domain error that refuses the step
    (InvalidTransition, Forbidden, Conflict…).
    """
    for _ in range(ATTEMPTS):
        request = store.get(request_id)
        if request is None:
            raise NotFound("aid request not found")
        visible(request)
        entry = key.entry_in(request.history) if isinstance(key, KeyedRequest) else request.applied_entry(key)
        if entry is not None:
            if entry["step"] != step:
                raise IdempotencyKeyReused("this idempotency key was used for another step", {"step": entry["step"]})
            return request, False
        updated = store.apply(request, step, key, user_id, decide(request))
        if updated is not None:
            return updated, True
    raise Conflict("the request is being changed by someone else; try again", {"reason": "busy"})
