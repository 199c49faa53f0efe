"""Transient failures put an event back for later; they never dead-letter it.

A database that is briefly unreachable (a restart, a failover, a network blip) is no
reason to give up on an event. A handler decorated with :func:`transient` retries the
call with exponential backoff while the error is transient (tenacity; its sleeps are
green under eventlet); if the outage outlasts the retries it raises :class:`RetryLater`.
The :func:`event_handler` of this module then *requeues* the message, after a pause,
so the broker delivers it again, where the plain dead-lettering handler would reject
it into the dead-letter queue. Errors that are not transient still dead-letter at once.

While an event waits it stays unacknowledged: a crash or a lost broker connection
meanwhile hands it back to the broker, so nothing is lost, and a handler that may see
an event twice must be idempotent (the audit trail keys records by event id).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, overload

import eventlet
from kombu.message import Message
from prometheus_client import Counter
from pymongo.errors import ConnectionFailure, PyMongoError
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_delay, wait_exponential

from common.nameko_ext.dead_letter import DeadLetteringEventHandler

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Labels the server puts on errors that a retry may cure (replica-set elections,
# shutdowns in progress, transactions that lost a write conflict).
TRANSIENT_LABELS = ("RetryableWriteError", "TransientTransactionError", "ResetPool")
GIVE_UP_AFTER_SECONDS = 60.0
MAX_WAIT_SECONDS = 8.0
REQUEUE_PAUSE_SECONDS = 1.0

REQUEUES = Counter(
    "solidarity_event_requeues_total",
    "Events handed back to the broker for a later delivery after a transient failure.",
    ["handler"],
)


class RetryLater(Exception):
    """Raised by an event handler: this event could not be handled now; deliver it again."""


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is (briefly) out of reach, not that the event is bad.

    ``ConnectionFailure`` covers ``AutoReconnect``, ``NetworkTimeout``,
    ``NotPrimaryError``, ``ServerSelectionTimeoutError`` and ``WaitQueueTimeoutError``.
    """
    if isinstance(exc, RetryLater | ConnectionFailure):
        return True
    return isinstance(exc, PyMongoError) and any(exc.has_error_label(label) for label in TRANSIENT_LABELS)


@overload
def transient(function: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def transient(
    *, give_up_after: float = GIVE_UP_AFTER_SECONDS, max_wait: float = MAX_WAIT_SECONDS
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def transient(
    function: Callable[P, R] | None = None,
    /,
    *,
    give_up_after: float = GIVE_UP_AFTER_SECONDS,
    max_wait: float = MAX_WAIT_SECONDS,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Retry ``function`` on transient errors with backoff (0.5 s doubling up to ``max_wait``).

    After ``give_up_after`` seconds of transient errors it raises :class:`RetryLater`
    (from the last error); any other error passes through on its first occurrence.
    Usable bare (``@transient``) or with arguments (``@transient(give_up_after=5)``).
    """

    def decorate(wrapped: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(wrapped)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            retrying = Retrying(
                retry=retry_if_exception(is_transient),
                wait=wait_exponential(multiplier=0.5, max=max_wait),
                stop=stop_after_delay(give_up_after),
                before_sleep=_log_retry,
            )
            try:
                return retrying(wrapped, *args, **kwargs)
            except RetryError as exc:
                last = exc.last_attempt.exception()
                raise RetryLater(f"still failing after {give_up_after:g} s: {type(last).__name__}") from last

        return call

    return decorate(function) if function is not None else decorate


def _log_retry(state: Any) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning(
        "transient error; retrying",
        extra={
            "call": getattr(state.fn, "__name__", "?"),
            "attempt": state.attempt_number,
            "error": type(error).__name__,
        },
    )


class RequeueingEventHandler(DeadLetteringEventHandler):
    """An event handler that requeues events it failed on transiently, and dead-letters the rest."""

    requeue_pause: float = REQUEUE_PAUSE_SECONDS

    def handle_message_processed(self, message: Message, result: Any = None, exc_info: Any = None) -> None:
        if exc_info is None or not is_transient(exc_info[1]):
            super().handle_message_processed(message, result, exc_info)
            return
        REQUEUES.labels(self.method_name).inc()
        log.warning(
            "transient failure; event requeued",
            extra={"handler": self.method_name, "error": type(exc_info[1]).__name__},
        )
        eventlet.sleep(self.requeue_pause)  # no hot loop of deliveries while the outage lasts
        self.queue_consumer.requeue_message(message)


event_handler = RequeueingEventHandler.decorator
