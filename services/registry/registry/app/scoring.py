"""Vulnerability scoring: assess a household, explain its score, list the models, recompute every score.

Scores come from the declarative models shipped in ``registry/scoring/models``; the one
in force is the last activated (drafts have no ``activated_at``). A stored score names
the model version that computed it, so its explanation is always given by that version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from common import areas, clock, policy
from common.context import CallerContext
from common.contracts.assessment import Assessment
from common.errors import Conflict, NotFound
from common.idempotency import keyed
from common.jobs import Report, run_job
from common.scope import Scope
from registry.app.ports import JobRepository, ScoreRepository
from registry.scoring.engine import ScoreResult, score
from registry.scoring.model import ModelError, ScoringModel, active_model, builtin_models

if TYPE_CHECKING:
    from common.nameko_ext.background import Spawn


RECOMPUTE = "score_recompute"


@cache
def models() -> dict[str, ScoringModel]:
    """The shipped scoring models by version, read once per process."""
    return builtin_models()


def model_in_force(at: datetime) -> ScoringModel:
    try:
        return active_model(models().values(), at)
    except ModelError:
        raise Conflict("no scoring model is active") from None


def model_of(version: str) -> ScoringModel:
    found = models().get(version)
    if found is None:
        raise Conflict("the scoring model of this score is no longer available", {"model_version": version})
    return found


def _area(household: dict[str, Any]) -> str:
    return str(household["area"])


def visible_household(scores: ScoreRepository, caller: CallerContext, household_id: str) -> dict[str, Any]:
    """The raw household (merged or not) if it is inside the caller's area; 404 otherwise."""
    found = scores.household(household_id) if isinstance(household_id, str) else None
    return policy.visible_or_404(found, lambda h: policy.scope(caller).contains(_area(h)), "household")


def assess(
    scores: ScoreRepository, caller: CallerContext, household_id: str, answers: Assessment, idempotency_key: str
) -> dict[str, Any]:
    """Store a household's assessment and its score by the model in force; once per idempotency key."""
    household = visible_household(scores, caller, household_id)
    key = keyed(caller.user_id, idempotency_key, "assess_household", str(household["_id"]), answers)
    scored = score(model_in_force(clock.now()), answers)
    return scores.assess(household, answers, scored, caller.user_id, key)


@dataclass(frozen=True)
class Explained:
    """What a score explanation shows: the household scored, its stored score and the answers scored again."""

    household: dict[str, Any]
    redirected_from: str | None
    stored: dict[str, Any]
    answers: Assessment
    scored: ScoreResult


def explain(scores: ScoreRepository, caller: CallerContext, household_id: str) -> Explained:
    """The stored score of a household and how its model reached it from the stored answers.

    A merged household answers with the household it was merged into; merged into one
    outside the caller's area, it has no score.
    """
    household = visible_household(scores, caller, household_id)
    redirected_from = None
    if household.get("status") == "merged" and household.get("merged_into"):
        redirected_from = household_id
        try:
            household = visible_household(scores, caller, str(household["merged_into"]))
        except NotFound:  # merged into a household outside the caller's area: its own has no score
            raise NotFound("this household has no score") from None
    stored = household.get("score") or {}
    if not stored or not household.get("assessment"):
        raise NotFound("this household has no score")
    try:
        answers = Assessment.model_validate(household["assessment"])
    except ValidationError:
        raise Conflict("the stored assessment no longer fits the assessment contract") from None
    scored = score(model_of(str(stored["model_version"])), answers)
    return Explained(household, redirected_from, stored, answers, scored)


def list_models() -> tuple[list[ScoringModel], ScoringModel]:
    """Every shipped model, oldest first, and the one in force now."""
    return sorted(models().values(), key=lambda m: m.version), model_in_force(clock.now())


def start_recompute(
    scores: ScoreRepository, jobs: JobRepository, background: Spawn, caller: CallerContext
) -> dict[str, Any]:
    """Rescore every assessed household in the caller's area with the model in force, as a job (one at a time)."""
    model = model_in_force(clock.now())
    job = jobs.start(RECOMPUTE, caller.area, caller.user_id, {"model_version": model.version}, exclusive=RECOMPUTE)
    scope = None if caller.area == areas.NATIONAL else Scope(caller.area)

    def work(report: Report) -> dict[str, Any]:
        done = scores.recompute(model, scope, lambda seen, total: report({"done": seen, "total": total}))
        return done.as_dict()

    background(lambda: run_job(jobs, job["id"], work), job["id"])
    return job
