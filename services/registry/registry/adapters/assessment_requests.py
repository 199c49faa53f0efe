"""Assessments of households, once per request: the ``assessment_requests`` collection, its only writer.

The household's side (its assessment, score, history entry and ``score_changed`` event,
in one single-document update) is written by ``registry.adapters.households.HouseholdScores``;
this module keeps each request's claim and answer. Every filter is ``{_id: value}``.

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

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common.clock import now
from common.contracts.assessment import Assessment
from common.errors import Conflict
from common.idempotency import KeyedRequest
from common.scope import Scope
from registry.adapters.households import HouseholdScores
from registry.scoring.batch import RecomputeReport
from registry.scoring.engine import ScoreResult
from registry.scoring.model import ScoringModel

REQUESTS = "assessment_requests"
REQUESTS_KEPT_SECONDS = 30 * 24 * 3600

Progress = Callable[[int, int], None]


def public_score(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored score as the registry answers it (``computed_at`` as ISO text)."""
    computed_at = stored["computed_at"]
    return {**stored, "computed_at": computed_at.isoformat() if isinstance(computed_at, datetime) else computed_at}


class MongoScoreRepository:
    def __init__(self, database: Database[Any]) -> None:
        self.scores = HouseholdScores(database)
        self.requests = database[REQUESTS]

    @staticmethod
    def ensure_indexes(database: Database[Any]) -> None:
        database[REQUESTS].create_index("at", expireAfterSeconds=REQUESTS_KEPT_SECONDS)

    def household(self, household_id: str) -> dict[str, Any] | None:
        return self.scores.assessed(household_id)

    def _claim(self, key: KeyedRequest, household_id: str) -> tuple[dict[str, Any], bool]:
        """The request of ``key``, and whether this call made it (rather than an earlier delivery)."""
        claim = {"_id": key.scoped, "household_id": household_id, "by": key.user_id, "at": now()}
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
        history = self.scores.history(household_id)
        mine = any(e.get("request") == key.key and e.get("by") == key.user_id for e in history)
        return dict(claim["answer"]) if mine else None

    def _applied(self, household_id: Any, key: str) -> bool:
        """Whether an earlier delivery of ``key`` wrote the household (its history entry names the key)."""
        return any(entry.get("request") == key for entry in self.scores.history(household_id))

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
            self.scores.set_assessment(household, assessment, stored, user_id, idempotency_key.scoped, at)
        answer = {
            "household_id": household_id,
            "score": public_score(stored),
            "explanation": [d.model_dump(mode="json") for d in scored.dimensions],
        }
        self.requests.update_one({"_id": idempotency_key.scoped}, {"$set": {"answer": answer}})
        return answer

    def recompute(self, model: ScoringModel, scope: Scope | None, progress: Progress) -> RecomputeReport:
        return self.scores.recompute(model, scope, progress)
