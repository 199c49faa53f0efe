"""Assessments and vulnerability scores of households: a small interface and its MongoDB implementation.

An assessment and its score are written together with the history entry and, when the
score or band changes, the ``score_changed`` event, in one single-document update (see
``common.nameko_ext.outbox``). Every filter is ``{_id: value}``.

Idempotency. A request claims its caller's key in ``assessment_requests`` (``_id`` =
``<user id>|<key>``, with the request's fingerprint, see ``common.idempotency``) before
writing, and records its answer there after; a repeated key returns the recorded answer,
the same key for another assessment or household is refused. Claims stored before keys
were scoped (``_id`` = the raw key) still answer their author, whom the household's
history entry names.
A delivery that died between the household's write and the recorded answer is finished
by the next one: the history entry names the key, so the household shows whether that
write happened; the claim's time is the score's ``computed_at`` and the entry's ``at``,
so two deliveries running together write the same values and one entry (``$addToSet``).
Claims are kept 30 days (a TTL index expires them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common.contracts.assessment import Assessment
from common.contracts.events import SCORE_CHANGED
from common.errors import Conflict, NotFound
from common.idempotency import KeyedRequest
from common.nameko_ext import outbox
from registry.scoring.batch import RecomputeReport, ScoreChange, recompute_all
from registry.scoring.engine import ScoreResult
from registry.scoring.model import ScoringModel

log = logging.getLogger(__name__)

HOUSEHOLDS = "households"
REQUESTS = "assessment_requests"
REQUESTS_KEPT_SECONDS = 30 * 24 * 3600
HOUSEHOLD_FIELDS = {"area": 1, "status": 1, "merged_into": 1, "assessment": 1, "score": 1}

Progress = Callable[[int, int], None]


class ScoreRepository(Protocol):
    @property
    def database(self) -> Database[Any]:
        """The registry's raw database (``registry.scoring.batch.recompute_all`` works on it)."""

    def household(self, household_id: str) -> dict[str, Any] | None:
        """Raw ``_id, area, status, merged_into, assessment, score`` of a household, merged or not."""

    def assess(
        self,
        household: dict[str, Any],
        assessment: Assessment,
        scored: ScoreResult,
        user_id: str,
        idempotency_key: KeyedRequest,
    ) -> dict[str, Any]:
        """Store ``assessment`` and its score on ``household`` (as read by :meth:`household`), once per key.

        Answers ``{household_id, score, explanation}``; a repeated key answers as the first
        time. IdempotencyKeyReused if the caller's key served another request; Conflict if
        the household was merged.
        """

    def recompute(self, model: ScoringModel, scope: dict[str, Any] | None, progress: Progress) -> RecomputeReport:
        """Score every assessed household in ``scope`` (all if ``None``) with ``model``; events for changes."""


def _object_id(value: str) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return bool(old.get("score") != new["score"] or old.get("band") != new["band"])


def score_event(household_id: str, area: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The outbox entry announcing a household's new score (``old`` is ``{}`` if it had none)."""
    return outbox.pending(
        SCORE_CHANGED,
        {
            "household_id": household_id,
            "area": area,
            "model_version": new["model_version"],
            "score": new["score"],
            "band": new["band"],
            "old_score": old.get("score"),
            "old_band": old.get("band"),
        },
    )


def public_score(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored score as the registry answers it (``computed_at`` as ISO text)."""
    computed_at = stored["computed_at"]
    return {**stored, "computed_at": computed_at.isoformat() if isinstance(computed_at, datetime) else computed_at}


class MongoScoreRepository:
    def __init__(self, database: Database[Any]) -> None:
        self._database = database
        self.households = database[HOUSEHOLDS]
        self.requests = database[REQUESTS]

    @property
    def database(self) -> Database[Any]:
        return self._database

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database[REQUESTS].create_index("at", expireAfterSeconds=REQUESTS_KEPT_SECONDS)

    def household(self, household_id: str) -> dict[str, Any] | None:
        oid = _object_id(household_id)
        return self.households.find_one({"_id": oid}, HOUSEHOLD_FIELDS) if oid else None

    def _claim(self, key: KeyedRequest, household_id: str) -> tuple[dict[str, Any], bool]:
        """The request of ``key``, and whether this call made it (rather than an earlier delivery)."""
        claim = {"_id": key.scoped, "household_id": household_id, "by": key.user_id, "at": _now()}
        claim["idempotency_fingerprint"] = key.fingerprint
        try:
            self.requests.insert_one(claim)
        except DuplicateKeyError:
            found = self.requests.find_one({"_id": key.scoped})
            if found is None:
                raise
            key.ensure_same(found.get("idempotency_fingerprint"))
            return dict(found), False
        return claim, True

    def _legacy_answer(self, key: KeyedRequest, household_id: Any) -> dict[str, Any] | None:
        """The answer of a claim stored under the raw key (before scoping), if this caller made it."""
        claim = self.requests.find_one({"_id": key.key})
        if claim is None or claim.get("answer") is None or claim.get("household_id") != str(household_id):
            return None
        doc = self.households.find_one({"_id": household_id}, {"history": 1}) or {}
        mine = any(e.get("request") == key.key and e.get("by") == key.user_id for e in doc.get("history") or ())
        return dict(claim["answer"]) if mine else None

    def _applied(self, household_id: Any, key: str) -> bool:
        """Whether an earlier delivery of ``key`` wrote the household (its history entry names the key)."""
        doc = self.households.find_one({"_id": household_id}, {"history": 1}) or {}
        return any(entry.get("request") == key for entry in doc.get("history") or ())

    def assess(
        self,
        household: dict[str, Any],
        assessment: Assessment,
        scored: ScoreResult,
        user_id: str,
        idempotency_key: KeyedRequest,
    ) -> dict[str, Any]:
        household_id = str(household["_id"])
        legacy = self._legacy_answer(idempotency_key, household["_id"])
        if legacy is not None:
            return legacy
        claim, fresh = self._claim(idempotency_key, household_id)
        if claim.get("answer") is not None:
            return dict(claim["answer"])
        if household.get("status") == "merged":
            raise Conflict("a merged household cannot be assessed", {"merged_into": household.get("merged_into")})
        at = claim["at"]
        stored = scored.stored(at)
        if fresh or not self._applied(household["_id"], idempotency_key.scoped):
            self._write(household, assessment, stored, user_id, idempotency_key.scoped, at)
        answer = {
            "household_id": household_id,
            "score": public_score(stored),
            "explanation": [d.model_dump(mode="json") for d in scored.dimensions],
        }
        self.requests.update_one({"_id": idempotency_key.scoped}, {"$set": {"answer": answer}})
        return answer

    def _write(
        self,
        household: dict[str, Any],
        assessment: Assessment,
        stored: dict[str, Any],
        user_id: str,
        key: str,
        at: datetime,
    ) -> None:
        oid, area = household["_id"], household["area"]
        old = household.get("score") or {}
        entry = {
            "at": at,
            "by": user_id,
            "request": key,
            "assessed": {  # what was concluded, not the answers: those may reveal health or violence
                "assessed_at": assessment.assessed_at,
                **{k: stored[k] for k in ("model_version", "score", "band", "inputs_hash")},
            },
        }
        update: dict[str, Any] = {
            "$set": {"assessment": assessment.model_dump(), "score": stored, "updated_at": at, "updated_by": user_id},
            "$addToSet": {"history": entry},
        }
        event = score_event(str(oid), area, old, stored) if _changed(old, stored) else None
        if event is not None:
            update["$push"] = {outbox.OUTBOX_FIELD: event}
        before = self.households.find_one_and_update({"_id": oid}, update, return_document=ReturnDocument.BEFORE)
        if before is None:
            raise NotFound("household not found")
        seen = before.get("score") or {}
        if event is None and _changed(seen, stored):
            # Another write changed the score between our read and our write: announce ours.
            event = score_event(str(oid), area, seen, stored)
            self.households.update_one({"_id": oid}, {"$push": {outbox.OUTBOX_FIELD: event}})
        if event is not None:
            outbox.mark(self._database, HOUSEHOLDS, [oid])

    def recompute(self, model: ScoringModel, scope: dict[str, Any] | None, progress: Progress) -> RecomputeReport:
        events = _RecomputeEvents(self._database)

        def batch_done(done: int, total: int) -> None:
            events.flush()
            progress(done, total)

        # Households never assessed hold an empty assessment (mongoengine writes {}); merged ones are done with.
        assessed = {**(scope or {}), "assessment.family": {"$exists": True}, "status": {"$ne": "merged"}}
        try:
            return recompute_all(self._database, model, batch_done, outbox_event=events, scope=assessed)
        finally:
            events.flush()


class _RecomputeEvents:
    """The ``outbox_event`` hook of a recompute, and the outbox markers of what it wrote.

    The run's scope leaves merged households out, and each change carries its area.
    Markers are written after each batch, once its updates are in.
    """

    def __init__(self, database: Database[Any]) -> None:
        self.database = database
        self.pending: list[Any] = []

    def __call__(self, change: ScoreChange) -> dict[str, Any] | None:
        self.pending.append(_object_id(change.household_id) or change.household_id)
        old = {"score": change.old_score, "band": change.old_band}
        new = {"model_version": change.model_version, "score": change.new_score, "band": change.new_band}
        return score_event(change.household_id, change.area or "", old, new)

    def flush(self) -> None:
        if self.pending:
            outbox.mark(self.database, HOUSEHOLDS, self.pending)
            self.pending = []
