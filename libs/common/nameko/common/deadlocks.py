"""Send a write again when the database refused it for a transient reason.

Two writes racing for one key of a unique index other than ``_id`` can meet a PostgreSQL
"deadlock detected" on the embedded database: DocumentDB enforces those indexes with exclusion
constraints, whose checks can wait on each other; PostgreSQL then aborts one of the writes.
MongoDB has its own transient failures (``WriteConflict``, errors labelled
``TransientTransactionError``). In every case the refused write changed nothing, and its
caller, not the database, must send it again.

An upsert racing another upsert on a unique field other than ``_id`` may also be refused as a
duplicate: MongoDB retries such an upsert itself, DocumentDB answers E11000 (or, for
``find_one_and_update``, its exclusion constraint's message). Sent again, it finds the
document the other write created and updates it: ``retry_transient(..., upsert=True)``.

mongoengine raises its own errors (``OperationError``, ``NotUniqueError``) from pymongo's;
the driver's error is found in the chain, so a ``document.save()`` is retried the same way.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

T = TypeVar("T")

# PostgreSQL's SQLSTATEs as DocumentDB reports them (five 6-bit characters packed in an int).
DEADLOCK_DETECTED = 16908292  # 40P01
SERIALIZATION_FAILURE = 16777220  # 40001
WRITE_CONFLICT = 112  # MongoDB
TRANSIENT_CODES = frozenset({DEADLOCK_DETECTED, SERIALIZATION_FAILURE, WRITE_CONFLICT})
# Writers refused together would meet again if sent again together: each waits a random while, up to
# PAUSE_SECONDS doubled at each attempt (0.1 s, 0.2 s, 0.4 s ... at most MAX_PAUSE_SECONDS), longer than
# the engine takes to find a deadlock. Eight writers racing for one key needed up to 8 attempts.
PAUSE_SECONDS = 0.05
MAX_PAUSE_SECONDS = 1.0
ATTEMPTS = 10


def driver_error(error: BaseException) -> PyMongoError | None:
    """The driver's error that ``error`` is, or was raised from (mongoengine wraps them)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, PyMongoError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def is_write_conflict(error: BaseException) -> bool:
    """Whether ``error`` says the write did nothing and may simply be sent again.

    Not :func:`common.nameko_ext.transient.is_transient`, which answers whether the database
    could not be reached at all.
    """
    found = driver_error(error)
    if found is None:
        return False
    if found.has_error_label("TransientTransactionError"):
        return True
    return isinstance(found, OperationFailure) and _conflict(found.code, str(found))


def is_write_conflict_entry(write_error: Mapping[str, Any]) -> bool:
    """The same for one write of a bulk write (an entry of its ``writeErrors``), which may be sent again alone."""
    return _conflict(write_error.get("code"), str(write_error.get("errmsg", "")))


def _conflict(code: object, message: str) -> bool:
    return code in TRANSIENT_CODES or "deadlock detected" in message


def pause(attempt: int) -> None:
    """Wait a random while before attempt ``attempt + 1``, so that writers refused together do not meet again."""
    time.sleep(random.uniform(0, min(MAX_PAUSE_SECONDS, PAUSE_SECONDS * 2**attempt)))


def is_upsert_race(error: BaseException) -> bool:
    """Whether an upsert lost a race to create its document (MongoDB itself would have retried it)."""
    found = driver_error(error)
    if isinstance(found, DuplicateKeyError):
        return True
    return isinstance(found, OperationFailure) and "violates exclusion constraint" in str(found)


def retry_transient(write: Callable[[], T], *, attempts: int = ATTEMPTS, upsert: bool = False) -> T:
    """``write()``, sent again (up to ``attempts`` in all, after short random pauses) while it fails transiently.

    With ``upsert=True`` a lost race to create the upserted document is retried as well.
    Any other error, or the last attempt's, is raised.
    """

    def refused_undecided(error: BaseException) -> bool:
        return is_write_conflict(error) or (upsert and is_upsert_race(error))

    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=PAUSE_SECONDS, max=MAX_PAUSE_SECONDS),
        retry=retry_if_exception(refused_undecided),
        reraise=True,
    )
    return retrying(write)
