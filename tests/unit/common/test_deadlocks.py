"""common.deadlocks: which refusals are sent again, and how often."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from mongoengine.errors import OperationError
from pymongo.errors import DuplicateKeyError, OperationFailure

from common import deadlocks
from common.deadlocks import DEADLOCK_DETECTED, WRITE_CONFLICT, is_write_conflict, retry_transient


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadlocks, "PAUSE_SECONDS", 0.0)


def failing(errors: list[Exception]) -> tuple[Callable[[], str], list[int]]:
    """A write that raises ``errors`` one per call, then answers "done"; and its call count."""
    calls = [0]

    def write() -> str:
        calls[0] += 1
        if errors:
            raise errors.pop(0)
        return "done"

    return write, calls


def deadlock() -> OperationFailure:
    return OperationFailure("deadlock detected", code=DEADLOCK_DETECTED)


def test_a_deadlock_and_a_write_conflict_are_sent_again() -> None:
    write, calls = failing([deadlock(), OperationFailure("WriteConflict", code=WRITE_CONFLICT)])
    assert retry_transient(write) == "done"
    assert calls[0] == 3


def test_a_transient_transaction_label_is_a_write_conflict() -> None:
    error = OperationFailure("aborted", code=251, details={"errorLabels": ["TransientTransactionError"]})
    assert is_write_conflict(error)


def test_other_errors_are_raised_at_once() -> None:
    write, calls = failing([OperationFailure("bad value", code=2), deadlock()])
    with pytest.raises(OperationFailure, match="bad value"):
        retry_transient(write)
    assert calls[0] == 1


def test_a_duplicate_is_final_for_an_insert_and_retried_for_an_upsert() -> None:
    write, calls = failing([DuplicateKeyError("E11000", code=11000)])
    with pytest.raises(DuplicateKeyError):
        retry_transient(write)
    write, calls = failing(
        [DuplicateKeyError("E11000", code=11000), OperationFailure("violates exclusion constraint", code=1)]
    )
    assert retry_transient(write, upsert=True) == "done"
    assert calls[0] == 3


def test_the_last_attempt_s_error_is_raised() -> None:
    write, calls = failing([deadlock() for _ in range(5)])
    with pytest.raises(OperationFailure, match="deadlock"):
        retry_transient(write, attempts=3)
    assert calls[0] == 3


def test_a_deadlock_under_a_mongoengine_error_is_sent_again() -> None:
    wrapped = OperationError("Could not save document (deadlock detected)")
    wrapped.__context__ = deadlock()  # as mongoengine raises it, inside its handler of pymongo's error
    write, calls = failing([wrapped])
    assert retry_transient(write) == "done"
    assert calls[0] == 2
    assert not is_write_conflict(OperationError("Could not save document (invalid field)"))


def test_one_write_of_a_bulk_write_is_judged_alone() -> None:
    assert deadlocks.is_write_conflict_entry({"index": 3, "code": DEADLOCK_DETECTED, "errmsg": "deadlock detected"})
    assert deadlocks.is_write_conflict_entry({"index": 0, "code": WRITE_CONFLICT})
    assert not deadlocks.is_write_conflict_entry({"index": 0, "code": 11000, "errmsg": "E11000 duplicate key"})
