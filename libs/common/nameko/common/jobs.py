"""Jobs: long runs (imports, scans, recomputes, eligibility runs) whose progress callers can follow.

A job is one document keyed by a random text ``_id``. The process running it rewrites
``progress`` and ``heartbeat_at`` as it goes; a job whose heartbeat stops (its process
died) is marked ``interrupted`` by the next sweep (:meth:`MongoJobRepository.interrupt_stale`,
on a timer, through the ``status``/``heartbeat_at`` index) or when next read.
Imports and recomputes are resumable by running them again, so an interrupted job is
answered by starting a new one.

An ``exclusive`` key (``import:<source>``, ``score_recompute``) lets one job at a time
hold it: a second start answers :class:`common.errors.Conflict` while the first runs.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import areas
from common.deadlocks import retry_transient
from common.errors import Conflict, DomainError

Status = Literal["running", "succeeded", "failed", "interrupted"]
STALE_AFTER = timedelta(minutes=2)
PROGRESS_EVERY = 1.0  # seconds between progress writes

log = logging.getLogger(__name__)
Report = Callable[[dict[str, Any]], None]


class JobRepository(Protocol):
    def start(
        self, kind: str, area: str, user_id: str, params: dict[str, Any], exclusive: str | None = None
    ) -> dict[str, Any]:
        """Record a running job; Conflict if another running job holds ``exclusive``."""

    def progress(self, job_id: str, progress: dict[str, Any]) -> None:
        """The job's latest progress (also its heartbeat)."""

    def finish(self, job_id: str, status: Status, result: dict[str, Any]) -> None:
        """The job's end: its outcome and final report; releases its exclusive key."""

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job wherever it is: the caller's scope is the service's check."""

    def interrupt_stale(self) -> int:
        """Mark running jobs whose heartbeat stopped as interrupted; release their keys."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in doc.items() if k not in ("_id", "area_ancestors", "exclusive")}
    data["id"] = doc["_id"]
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
    return data


class MongoJobRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.jobs = database["jobs"]
        self.locks = database["job_locks"]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        """The stale-job sweep reads running jobs by heartbeat."""
        database["jobs"].create_index([("status", ASCENDING), ("heartbeat_at", ASCENDING)])

    def start(
        self, kind: str, area: str, user_id: str, params: dict[str, Any], exclusive: str | None = None
    ) -> dict[str, Any]:
        job_id = uuid.uuid4().hex
        if exclusive is not None:
            try:
                retry_transient(lambda: self.locks.insert_one({"_id": exclusive, "job_id": job_id}))
            except DuplicateKeyError:
                held = self.locks.find_one({"_id": exclusive}) or {}
                raise Conflict("a job of this kind is already running", {"job_id": held.get("job_id")}) from None
        now = _now()
        doc = {
            "_id": job_id,
            "kind": kind,
            "area": area,
            "area_ancestors": areas.ancestors(area),
            "params": params,
            "status": "running",
            "progress": {},
            "result": None,
            "exclusive": exclusive,
            "started_by": user_id,
            "started_at": now,
            "heartbeat_at": now,
            "finished_at": None,
        }
        self.jobs.insert_one(doc)
        return _public(doc)

    def progress(self, job_id: str, progress: dict[str, Any]) -> None:
        self.jobs.update_one({"_id": job_id}, {"$set": {"progress": progress, "heartbeat_at": _now()}})

    def finish(self, job_id: str, status: Status, result: dict[str, Any]) -> None:
        doc = self.jobs.find_one_and_update(
            {"_id": job_id}, {"$set": {"status": status, "result": result, "finished_at": _now()}}
        )
        if doc and doc.get("exclusive"):
            self.locks.delete_one({"_id": doc["exclusive"], "job_id": job_id})

    def get(self, job_id: str) -> dict[str, Any] | None:
        doc = self.jobs.find_one({"_id": job_id}) if isinstance(job_id, str) else None
        if doc is None:
            return None
        if doc["status"] == "running" and doc["heartbeat_at"] < _now() - STALE_AFTER:
            self.finish(job_id, "interrupted", {"reason": "the process running it stopped"})
            doc = self.jobs.find_one({"_id": job_id}) or doc
        return _public(doc)

    def interrupt_stale(self) -> int:
        cutoff = _now() - STALE_AFTER
        stale = list(self.jobs.find({"status": "running", "heartbeat_at": {"$lt": cutoff}}, {"_id": 1}))
        for doc in stale:
            self.finish(doc["_id"], "interrupted", {"reason": "the process running it stopped"})
        return len(stale)


def run_job(jobs: JobRepository, job_id: str, work: Callable[[Report], dict[str, Any]]) -> None:
    """Run ``work(progress)`` as job ``job_id``: progress written at most once a second, outcome recorded."""
    last = 0.0

    def progress(state: dict[str, Any]) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY:
            last = time.monotonic()
            jobs.progress(job_id, state)

    try:
        result = work(progress)
    except DomainError as exc:
        jobs.finish(job_id, "failed", {"error": exc.code, "message": exc.message})
    except Exception:
        log.exception("job failed", extra={"job_id": job_id})
        jobs.finish(job_id, "failed", {"error": "internal_error", "message": "the job failed; see the service log"})
    else:
        jobs.finish(job_id, "succeeded", result)
