"""Vulnerability scoring: assess a household, explain its score, list the models, recompute every score.

Scores come from the declarative models shipped in ``registry/scoring/models``; the one
in force is the last activated (drafts have no ``activated_at``). A stored score names
the model version that computed it, so its explanation is always given by that version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from pydantic import ValidationError

from common import areas, policy
from common.context import CallerContext
from common.contracts.assessment import Assessment
from common.errors import Conflict, NotFound
from common.idempotency import keyed
from common.jobs import Report, run_job
from common.nameko_ext.entrypoints import rpc
from common.scope import Scope
from common.validation import parse
from registry.base import RegistryBase
from registry.scoring.engine import score
from registry.scoring.model import ModelError, ScoringModel, active_model, builtin_models

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


def model_summary(model: ScoringModel, active: ScoringModel) -> dict[str, Any]:
    return {
        "version": model.version,
        "activated_at": model.activated_at.isoformat() if model.activated_at else None,
        "active": model.version == active.version,
        "draft": model.activated_at is None,
        "description": model.description,
        "weights": {name: dimension.weight for name, dimension in model.dimensions.items()},
        "bands": [{"name": b.name, "from": b.start, "to": b.end} for b in model.bands],
    }


def _area(household: dict[str, Any]) -> str:
    return str(household["area"])


class ScoringEntrypoints(RegistryBase):
    def _visible_household(self, caller: CallerContext, household_id: str) -> dict[str, Any]:
        found = self.scores.household(household_id) if isinstance(household_id, str) else None
        return policy.visible_or_404(found, _area, caller, "household")

    @rpc
    def assess_household(self, household_id: str, assessment: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Store a household's assessment and its score by the model in force; once per idempotency key.

        Answers ``{household_id, score, explanation}``; the explanation lists, per
        dimension, each rule with the value it saw and the points it gave.
        """
        caller = policy.authorize(self.caller, "household.assess")
        answers = parse(Assessment, assessment)
        household = self._visible_household(caller, household_id)
        key = keyed(caller.user_id, idempotency_key, "assess_household", str(household["_id"]), answers)
        scored = score(model_in_force(datetime.now(UTC)), answers)
        return self.scores.assess(household, answers, scored, caller.user_id, key)

    @rpc
    def explain_score(self, household_id: str) -> dict[str, Any]:
        """The stored score of a household and how its model reached it from the stored answers.

        ``matches_stored`` is false if the answers now give another score than the one
        stored (a score written by a recompute racing a new assessment); a merged
        household answers with the household it was merged into.
        """
        caller = policy.authorize(self.caller, "scoring.read")
        household = self._visible_household(caller, household_id)
        redirected_from = None
        if household.get("status") == "merged" and household.get("merged_into"):
            redirected_from = household_id
            try:
                household = self._visible_household(caller, str(household["merged_into"]))
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
        computed_at = stored.get("computed_at")
        return {
            "household_id": str(household["_id"]),
            "redirected_from": redirected_from,
            "model_version": stored["model_version"],
            "score": stored["score"],
            "band": stored["band"],
            "inputs_hash": stored["inputs_hash"],
            "computed_at": computed_at.isoformat() if isinstance(computed_at, datetime) else computed_at,
            "assessed_at": answers.assessed_at.isoformat(),
            "matches_stored": (scored.score, scored.band, scored.inputs_hash)
            == (stored["score"], stored["band"], stored["inputs_hash"]),
            "dimensions": [d.model_dump(mode="json") for d in scored.dimensions],
        }

    @rpc
    def list_scoring_models(self) -> list[dict[str, Any]]:
        """Every shipped model, oldest first: the one in force is ``active``, drafts are ``draft``."""
        policy.authorize(self.caller, "scoring.read")
        active = model_in_force(datetime.now(UTC))
        return [model_summary(m, active) for m in sorted(models().values(), key=lambda m: m.version)]

    @rpc
    def start_score_recompute(self) -> dict[str, Any]:
        """Rescore every assessed household in the caller's area with the model in force, as a job.

        Follow it with ``get_job``: progress ``{done, total}``, then the run's report.
        Households already scored by that model from the same answers are not rewritten,
        so running it again completes an interrupted run and otherwise writes nothing.
        One recompute runs at a time (Conflict otherwise).
        """
        caller = policy.authorize(self.caller, "scoring.manage")
        model = model_in_force(datetime.now(UTC))
        job = self.jobs.start(
            RECOMPUTE, caller.area, caller.user_id, {"model_version": model.version}, exclusive=RECOMPUTE
        )
        scope = None if caller.area == areas.NATIONAL else policy.scope(caller)
        self.background(
            lambda: run_job(self.jobs, job["id"], lambda report: self._recompute(model, scope, report)), job["id"]
        )
        return job

    def _recompute(self, model: ScoringModel, scope: Scope | None, report: Report) -> dict[str, Any]:
        done = self.scores.recompute(model, scope, lambda seen, total: report({"done": seen, "total": total}))
        return done.as_dict()
