"""Transient database errors are retried with backoff, then requeued; never dead-lettered."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from nameko.testing.services import worker_factory
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from audit.service import AuditService
from common.contracts.events import AUDIT_ENTRY, EventEnvelope
from common.nameko_ext.transient import RequeueingEventHandler, RetryLater, is_transient, transient
from tests.unit.services.test_audit_chain import entry


def flaky(failures: list[BaseException]) -> tuple[list[int], Any]:
    """A function that raises each of ``failures`` in turn, then answers 'done'."""
    calls: list[int] = []

    def call(n: int) -> str:
        calls.append(n)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return "done"

    return calls, call


def retryable_write_error() -> OperationFailure:
    return OperationFailure("primary stepped down", 189, {"errorLabels": ["RetryableWriteError"]})


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (AutoReconnect("connection refused"), True),
        (NetworkTimeout("timed out"), True),
        (ServerSelectionTimeoutError("no servers"), True),
        (retryable_write_error(), True),
        (RetryLater(), True),
        (DuplicateKeyError("E11000"), False),
        (OperationFailure("bad query", 2), False),
        (ValueError("bad event"), False),
    ],
)
def test_only_errors_of_an_unreachable_database_are_transient(error: BaseException, expected: bool) -> None:
    assert is_transient(error) is expected


def test_transient_errors_are_retried_until_the_call_succeeds() -> None:
    calls, call = flaky([AutoReconnect("down"), ServerSelectionTimeoutError("down"), retryable_write_error()])
    assert transient(max_wait=0.01)(call)(7) == "done"
    assert calls == [7, 7, 7, 7]


def test_an_outage_longer_than_the_retries_asks_for_a_later_delivery() -> None:
    calls, call = flaky([AutoReconnect("down")] * 1000)
    with pytest.raises(RetryLater) as raised:
        transient(give_up_after=0.05, max_wait=0.01)(call)(1)
    assert isinstance(raised.value.__cause__, AutoReconnect)
    assert 1 < len(calls) < 1000


def test_other_errors_pass_through_at_once() -> None:
    calls, call = flaky([DuplicateKeyError("E11000")])
    with pytest.raises(DuplicateKeyError):
        transient(call)(1)
    assert calls == [1]


class FakeMessage:
    def __init__(self) -> None:
        self.channel = self  # reject() checks the channel's connection
        self.connection = True
        self.rejected: list[bool] = []

    def reject(self, requeue: bool) -> None:
        self.rejected.append(requeue)


class FakeQueueConsumer:
    def __init__(self) -> None:
        self.acked: list[Any] = []
        self.requeued: list[Any] = []

    def ack_message(self, message: Any) -> None:
        self.acked.append(message)

    def requeue_message(self, message: Any) -> None:
        self.requeued.append(message)


def handler() -> tuple[RequeueingEventHandler, FakeQueueConsumer]:
    entrypoint = RequeueingEventHandler("gateway", AUDIT_ENTRY)
    entrypoint.method_name = "on_audit_entry"
    consumer = FakeQueueConsumer()
    entrypoint.queue_consumer = consumer
    entrypoint.requeue_pause = 0
    return entrypoint, consumer


def failure(error: BaseException) -> Any:
    try:
        raise error
    except BaseException:  # noqa: BLE001
        return sys.exc_info()


@pytest.mark.parametrize("error", [RetryLater("later"), AutoReconnect("down")])
def test_the_entrypoint_requeues_an_event_that_failed_transiently(error: BaseException) -> None:
    entrypoint, consumer = handler()
    message = FakeMessage()
    entrypoint.handle_message_processed(message, exc_info=failure(error))
    assert consumer.requeued == [message]
    assert message.rejected == [] and consumer.acked == []


def test_the_entrypoint_dead_letters_other_failures_and_acks_successes() -> None:
    entrypoint, consumer = handler()
    bad, good = FakeMessage(), FakeMessage()
    entrypoint.handle_message_processed(bad, exc_info=failure(ValueError("bad event")))
    entrypoint.handle_message_processed(good, result=None)
    assert bad.rejected == [False]  # rejected without requeue: the broker dead-letters it
    assert consumer.acked == [good] and consumer.requeued == []


class FlakyChain:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.appended: list[str] = []

    def append(self, _entry: Any, event_id: str) -> int:
        if self.failures:
            self.failures -= 1
            raise AutoReconnect("database restarting")
        self.appended.append(event_id)
        return len(self.appended)


def test_the_audit_handler_waits_for_the_database_instead_of_failing() -> None:
    service = worker_factory(AuditService)
    service.chain = FlakyChain(failures=1)
    event = EventEnvelope.new(AUDIT_ENTRY, entry(1).model_dump(mode="json"))
    service.on_audit_entry(event.model_dump(mode="json"))
    assert service.chain.appended == [event.event_id]
