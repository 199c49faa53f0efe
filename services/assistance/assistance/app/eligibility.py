"""Eligibility: one household checked against a programme, or a whole area as a run (a job)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from assistance.app.ports import RESULT_CHUNK, EligibilityResults, FactsPages, ProgrammeRepository
from assistance.app.programmes import offered_programme
from assistance.eligibility import (
    amount_for,
    evaluate,
    items_for,
    programme_formula,
    programme_versions,
    rules_in_force,
)
from assistance.eligibility.runs import run_eligibility
from common import areas, policy
from common.context import CallerContext
from common.contracts.facts import HouseholdFacts
from common.errors import ValidationFailed
from common.jobs import JobRepository, Report, run_job
from common.validation import parse

RUN_KIND = "eligibility_run"

Spawn = Callable[[Callable[[], None], str], Any]


def check(
    programmes: ProgrammeRepository,
    facts_of: Callable[[str], Any],
    caller: CallerContext,
    programme_code: Any,
    household_id: Any,
) -> dict[str, Any]:
    """Is the household eligible for the programme today: every criterion with its reason, and the amount.

    The household's facts come from the registry for the caller (NotFound outside the
    caller's area); the rules are the version in force now.
    """
    programme = offered_programme(programmes, caller, programme_code)
    rules = rules_in_force(programme_versions(programme), datetime.now(UTC))
    if not isinstance(household_id, str):
        raise ValidationFailed("household_id is text", {"field": "household_id"})
    facts = parse(HouseholdFacts, facts_of(household_id))
    formula = programme_formula(programme)
    result = evaluate(rules, facts, programme_code=programme["code"])
    return result.model_copy(
        update={"amount_dzd": amount_for(formula, facts), "items": items_for(formula, facts)}
    ).model_dump(mode="json")


def start_run(
    programmes: ProgrammeRepository,
    runs: JobRepository,
    results: EligibilityResults,
    pages: FactsPages,
    background: Spawn,
    caller: CallerContext,
    programme_code: Any,
    area: Any,
) -> dict[str, Any]:
    """Check every household of ``area`` (the caller's or below) against the programme, as a background job."""
    programme = offered_programme(programmes, caller, programme_code)
    target = areas.validate(str(area))
    policy.require_within(caller, target)
    rules = rules_in_force(programme_versions(programme), datetime.now(UTC))
    job = runs.start(
        RUN_KIND,
        target,
        caller.user_id,
        {"programme_code": programme["code"], "area": target, "rules_version": rules.version},
    )
    job_id = job["id"]
    formula = programme_formula(programme)

    def work(report: Report) -> dict[str, Any]:
        def save(number: int, ids: list[str], amounts: list[int]) -> None:
            results.save_chunk(job_id, number, ids, amounts)

        return run_eligibility(pages(caller, target), rules, formula, save, report, RESULT_CHUNK)

    background(lambda: run_job(runs, job_id, work), job_id)
    return job


def visible_run(runs: JobRepository, caller: CallerContext, run_id: Any) -> dict[str, Any]:
    """A run's status, progress and result; a run outside the caller's area does not exist."""
    job = runs.get(run_id) if isinstance(run_id, str) else None
    job = job if job is not None and job["kind"] == RUN_KIND else None
    return policy.visible_or_404(
        job, lambda found: policy.scope(caller).contains(str(found["area"])), "eligibility run"
    )


def run_households(
    runs: JobRepository, results: EligibilityResults, caller: CallerContext, run_id: Any, chunk: Any
) -> dict[str, Any]:
    """Chunk ``chunk`` of a run's eligible households: ``{"household_ids", "amounts_dzd", "next_chunk"}``."""
    visible_run(runs, caller, run_id)
    if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 0:
        raise ValidationFailed("chunk is a number from 0", {"field": "chunk"})
    found = results.chunk(run_id, chunk) or {"household_ids": [], "amounts_dzd": []}
    following = results.chunk(run_id, chunk + 1) is not None
    return {**found, "chunk": chunk, "next_chunk": chunk + 1 if following else None}
