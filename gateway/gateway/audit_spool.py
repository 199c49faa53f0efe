"""Audit entries the broker could not take wait in a durable local spool until it is back.

The gateway answers a request before it publishes the request's audit entry; when the
broker is away (or does not confirm in time) the entry is appended to this process's
spool file instead of being lost, and :class:`SpoolingPublisher` republishes the spool
in order as soon as the broker is back (the robust connection's reconnect callback, and
a periodic retry). An entry leaves the spool only after the broker confirmed it. It keeps
its event id, the audit service's deduplication key, so an entry published again after a
crash (its "done" mark not yet written) is still stored once.

A spool is one append-only file of JSON lines per gateway process under
``AUDIT_SPOOL_DIR`` (mode 0600, directory 0700): ``{"event": …}`` when an entry is
spooled (fsync'd before the append returns), ``{"done": id}`` once the broker confirmed
it. The process holds an exclusive ``flock`` on its file for as long as it runs; a file
nobody holds belongs to a process that died, and any gateway of the directory adopts it
and republishes what it still holds, oldest files first. A torn last line (a crash
mid-write) is skipped. The entries are the audit fields as published (ids, roles, area,
action, outcome), no personal data.

The spool is bounded (``AUDIT_SPOOL_MAX_ENTRIES`` pending entries): when it is full the
gateway answers new audited requests 503 rather than serve them unaudited (see
:mod:`gateway.audit`). The bound is checked when a request starts, so requests already
running may go past it by at most their own number.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from prometheus_client import Counter, Gauge

log = logging.getLogger(__name__)

SUFFIX = ".jsonl"
SPOOLED = Gauge("gateway_audit_spooled_entries", "Audit entries waiting in the local spool for the broker.")
REFUSED = Counter(
    "gateway_audit_spool_refused_total", "Audited requests answered 503 because the audit spool was full."
)
COMPACT_AFTER_DONE = 1000  # rewrite a file once it holds this many "done" marks (and more than pending)


@dataclass(frozen=True)
class SpooledEvent:
    event_id: str
    event_type: str
    data: dict[str, Any]


def read_pending(lines: list[bytes]) -> list[SpooledEvent]:
    """The events of a spool file not yet marked done, in order; torn or unreadable lines
    (a crash mid-write) are skipped."""
    events: dict[str, SpooledEvent] = {}
    for number, line in enumerate(lines, 1):
        if not line.endswith(b"\n"):
            log.warning("audit spool: skipped a torn last line", extra={"line": number})
            continue
        try:
            record = json.loads(line)
            if "done" in record:
                events.pop(str(record["done"]), None)
            else:
                event = SpooledEvent(**record["event"])
                events.setdefault(event.event_id, event)
        except (ValueError, TypeError, KeyError):
            log.warning("audit spool: skipped an unreadable line", extra={"line": number})
    return list(events.values())


class SpoolFile:
    """One locked spool file and its pending events (this process's own, or an adopted one)."""

    def __init__(self, path: Path, fd: int, pending: list[SpooledEvent]) -> None:
        self.path = path
        self._fd = fd
        self.pending: deque[SpooledEvent] = deque(pending)
        self._done_marks = 0

    @classmethod
    def create(cls, directory: Path) -> SpoolFile:
        """A new file of this process, locked for as long as it lives."""
        path = directory / f"gateway-{os.getpid()}-{uuid.uuid4().hex[:12]}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return cls(path, fd, [])

    @classmethod
    def adopt(cls, path: Path) -> SpoolFile | None:
        """The file of a process that died (nobody holds its lock), else None."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino != os.stat(path).st_ino:  # compacted under us: not an orphan
                raise BlockingIOError
        except OSError:  # BlockingIOError: its process holds it; FileNotFoundError: gone
            os.close(fd)
            return None
        with open(path, "rb") as file:
            pending = read_pending(file.readlines())
        return cls(path, fd, pending)

    def append(self, event: SpooledEvent) -> None:
        """Append ``event`` and wait until it is on disk."""
        record = {"event": {"event_id": event.event_id, "event_type": event.event_type, "data": event.data}}
        self._write(record, sync=True)
        self.pending.append(event)

    def done(self, event_id: str) -> None:
        """The broker confirmed the first pending event: mark it done (a lost mark only means
        a republish, which the audit service ignores, so no fsync)."""
        head = self.pending.popleft()
        assert head.event_id == event_id, "events leave the spool in order"
        if not self.pending:
            os.ftruncate(self._fd, 0)
            self._done_marks = 0
            return
        self._write({"done": event_id}, sync=False)
        self._done_marks += 1
        if self._done_marks >= COMPACT_AFTER_DONE and self._done_marks > len(self.pending):
            self._compact()

    def remove(self) -> None:
        """Delete the file (all its events confirmed) and release it."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.close()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # releases the lock
            self._fd = -1

    def _write(self, record: dict[str, Any], sync: bool) -> None:
        data = json.dumps(record, separators=(",", ":")).encode() + b"\n"
        written = os.write(self._fd, data)
        if written != len(data):
            raise OSError(f"short write to the audit spool ({written} of {len(data)} bytes)")
        if sync:
            os.fsync(self._fd)

    def _compact(self) -> None:
        """Rewrite the file with its pending events only: a new locked file renamed over it."""
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        old, self._fd = self._fd, fd
        try:
            for event in self.pending:
                record = {"event": {"event_id": event.event_id, "event_type": event.event_type, "data": event.data}}
                self._write(record, sync=False)
            os.fsync(fd)
            os.replace(temporary, self.path)
        except OSError:
            self._fd = old
            os.close(fd)
            raise
        os.close(old)
        self._done_marks = 0


class AuditSpool:
    """This process's spool file plus the files it adopted from processes that died."""

    def __init__(self, directory: Path, max_entries: int) -> None:
        self.directory = directory
        self.max_entries = max_entries
        self.own: SpoolFile | None = None
        self.adopted: list[SpoolFile] = []

    def open(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.own = SpoolFile.create(self.directory)
        self.adopt_orphans()

    def adopt_orphans(self) -> int:
        """Take over the files of dead processes (oldest first); the number of events found."""
        held = {file.path for file in self.adopted} | ({self.own.path} if self.own else set())
        found = 0
        candidates = sorted(self.directory.glob(f"*{SUFFIX}"), key=_modified)
        for path in candidates:
            if path in held:
                continue
            file = SpoolFile.adopt(path)
            if file is None:
                continue
            if not file.pending:
                file.remove()
                continue
            log.info("audit spool: adopted the entries of a stopped gateway", extra={"entries": len(file.pending)})
            found += len(file.pending)
            self.adopted.append(file)
        self._measure()
        return found

    @property
    def files(self) -> list[SpoolFile]:
        """Files in the order their events must be published: adopted ones, then our own."""
        return [*self.adopted, *([self.own] if self.own else [])]

    def __len__(self) -> int:
        return sum(len(file.pending) for file in self.files)

    @property
    def full(self) -> bool:
        return len(self) >= self.max_entries

    def append(self, event: SpooledEvent) -> None:
        if self.own is None:
            raise RuntimeError("the audit spool is not open")
        self.own.append(event)
        self._measure()

    def first(self) -> SpooledEvent | None:
        """The next event to publish."""
        for file in self.files:
            if file.pending:
                return file.pending[0]
        return None

    def done(self, event_id: str) -> None:
        """The broker confirmed :meth:`first`."""
        for file in self.files:
            if file.pending:
                file.done(event_id)
                if not file.pending and file is not self.own:
                    file.remove()
                    self.adopted.remove(file)
                break
        self._measure()

    def close(self) -> None:
        """Release every file; our own is deleted when it holds nothing (else adopted later)."""
        for file in self.files:
            if file is self.own and not file.pending:
                file.remove()
            else:
                file.close()
        self.own, self.adopted = None, []

    def _measure(self) -> None:
        SPOOLED.set(len(self))


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


class ConfirmingPublisher(Protocol):
    """What the spool needs of the broker side (:class:`common.aio.events.AsyncEventPublisher`)."""

    @property
    def connected(self) -> bool: ...

    def on_reconnect(self, callback: Any) -> None: ...

    async def publish(self, event_type: str, data: dict[str, Any], event_id: str | None = None) -> str: ...


class SpoolingPublisher:
    """Publishes audit entries with the broker's confirm, or spools them when it cannot.

    While the spool holds anything, new entries queue behind it so the trail receives them
    in order; :meth:`drain` republishes the spool oldest first and stops at the first
    failure.
    """

    def __init__(
        self, publisher: ConfirmingPublisher, spool: AuditSpool, publish_timeout: float, retry_seconds: float
    ) -> None:
        self.publisher = publisher
        self.spool = spool
        self.publish_timeout = publish_timeout
        self.retry_seconds = retry_seconds
        self._drain_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def full(self) -> bool:
        return self.spool.full

    async def start(self) -> None:
        """Open the spool, republish what earlier processes left, retry on reconnect and periodically."""
        self.spool.open()
        self.publisher.on_reconnect(self.kick)
        self._spawn(self._retry_forever())
        self.kick()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._drain_lock:
            self.spool.close()

    async def publish(self, event_type: str, data: dict[str, Any]) -> str:
        """Publish (confirmed) or spool; an ``OSError`` only if the spool cannot be written."""
        event = SpooledEvent(uuid.uuid4().hex, event_type, data)
        if not len(self.spool) and self.publisher.connected and await self._send(event):
            return event.event_id
        self.spool.append(event)
        log.warning("audit entry spooled until the broker is back", extra={"spooled": len(self.spool)})
        self.kick()
        return event.event_id

    def kick(self) -> None:
        """Drain the spool in the background (once at a time)."""
        if len(self.spool) and not self._drain_lock.locked():
            self._spawn(self.drain())

    async def drain(self) -> int:
        """Republish spooled events in order until the spool is empty or the broker fails;
        the number published."""
        published = 0
        async with self._drain_lock:
            while (event := self.spool.first()) is not None:
                if not self.publisher.connected or not await self._send(event):
                    break
                self.spool.done(event.event_id)
                published += 1
        if published:
            log.info("audit entries republished from the spool", extra={"entries": published, "left": len(self.spool)})
        return published

    async def _send(self, event: SpooledEvent) -> bool:
        try:
            async with asyncio.timeout(self.publish_timeout):
                await self.publisher.publish(event.event_type, event.data, event_id=event.event_id)
        except Exception:  # any broker failure: the entry stays spooled
            log.warning("audit entry not confirmed by the broker", exc_info=True)
            return False
        return True

    async def _retry_forever(self) -> None:
        while True:
            await asyncio.sleep(self.retry_seconds)
            try:
                self.spool.adopt_orphans()
                await self.drain()
            except Exception:  # keep retrying; a disk error is logged each time
                log.exception("audit spool retry failed")

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
