"""Jobs of the assistance service (eligibility runs) and the households they found.

Same shape as the registry's jobs (``common.contracts.jobs.JobOut``): one document keyed
by a random text ``_id``, ``progress`` and ``heartbeat_at`` rewritten as the job goes.
A running job whose heartbeat stopped (its process died) is reported ``interrupted``
when next read; a run is answered by starting it again.

A run's eligible households are kept in ``eligibility_results``, up to
:data:`RESULT_CHUNK` per document keyed ``<run id>:<chunk number, 5 digits>``, so a
whole run is read chunk by chunk with ``_id`` lookups only (the filter FerretDB pushes down).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from pymongo.database import Database

from common import areas
from common.errors import DomainError

Status = Literal["running", "succeeded", "failed", "interrupted"]
STALE_AFTER = timedelta(minutes=2)
PROGRESS_EVERY = 1.0  # seconds between progress writes
RESULT_CHUNK = 1000

log = logging.getLogger(__name__)
Report = Callable[[dict[str, Any]], None]


class JobRepository(Protocol):
    def start(self, kind: str, area: str, user_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """Record a running job and return it."""

    def progress(self, job_id: str, progress: dict[str, Any]) -> None:
        """The job's latest progress (also its heartbeat)."""

    def finish(self, job_id: str, status: Status, result: dict[str, Any]) -> None:
        """The job's end: its outcome and final report."""

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job wherever it is (the caller's scope is the service's check); stale runs read as interrupted."""

    def save_chunk(self, job_id: str, number: int, household_ids: list[str], amounts_dzd: list[int]) -> None:
        """Chunk ``number`` of the households a run found (at most :data:`RESULT_CHUNK`); idempotent."""

    def chunk(self, job_id: str, number: int) -> dict[str, Any] | None:
        """``{"household_ids", "amounts_dzd"}`` of chunk ``number``, or None past the last."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def chunk_id(job_id: str, number: int) -> str:
    return f"{job_id}:{number:05d}"


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in doc.items() if k not in ("_id", "area_ancestors")}
    data["id"] = doc["_id"]
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
    return data


class MongoJobRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.jobs = database["jobs"]
        self.results = database["eligibility_results"]

    def start(self, kind: str, area: str, user_id: str, params: dict[str, Any]) -> dict[str, Any]:
        now = _now()
        doc = {
            "_id": uuid.uuid4().hex,
            "kind": kind,
            "area": area,
            "area_ancestors": areas.ancestors(area),
            "params": params,
            "status": "running",
            "progress": {},
            "result": None,
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
        self.jobs.update_one({"_id": job_id}, {"$set": {"status": status, "result": result, "finished_at": _now()}})

    def get(self, job_id: str) -> dict[str, Any] | None:
        doc = self.jobs.find_one({"_id": job_id}) if isinstance(job_id, str) else None
        if doc is None:
            return None
        if doc["status"] == "running" and doc["heartbeat_at"] < _now() - STALE_AFTER:
            self.finish(job_id, "interrupted", {"reason": "the process running it stopped"})
            doc = self.jobs.find_one({"_id": job_id}) or doc
        return _public(doc)

    def save_chunk(self, job_id: str, number: int, household_ids: list[str], amounts_dzd: list[int]) -> None:
        self.results.replace_one(
            {"_id": chunk_id(job_id, number)},
            {"run_id": job_id, "number": number, "household_ids": household_ids, "amounts_dzd": amounts_dzd},
            upsert=True,
        )

    def chunk(self, job_id: str, number: int) -> dict[str, Any] | None:
        doc = self.results.find_one({"_id": chunk_id(job_id, number)})
        if doc is None:
            return None
        return {"household_ids": doc["household_ids"], "amounts_dzd": doc["amounts_dzd"]}


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
