"""Eligibility: one household checked against a programme, or a whole area as a run (a job)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assistance.base import AssistanceBase
from assistance.dependencies import FactsPages, RegistryFactsPages
from assistance.eligibility import (
    amount_for,
    evaluate,
    items_for,
    programme_formula,
    programme_versions,
    rules_in_force,
)
from assistance.eligibility.runs import run_eligibility
from assistance.eligibility_results import RESULT_CHUNK, EligibilityResults, MongoEligibilityResults
from assistance.entrypoints.programmes import offered_programme
from common import areas, policy
from common.context import CallerContext
from common.contracts.facts import HouseholdFacts
from common.errors import NotFound, ValidationFailed
from common.jobs import JobRepository, MongoJobRepository, Report, run_job
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.remote import remote_errors
from common.validation import parse

RUN_KIND = "eligibility_run"


class EligibilityEntrypoints(AssistanceBase):
    runs: JobRepository = MongoRepository(MongoJobRepository)
    results: EligibilityResults = MongoRepository(MongoEligibilityResults)
    facts_pages: FactsPages = RegistryFactsPages()

    @rpc
    def check_eligibility(self, programme_code: str, household_id: str) -> dict[str, Any]:
        """Is the household eligible for the programme today: every criterion with its reason, and the amount.

        The household's facts come from the registry for the caller (NotFound outside
        the caller's area); the rules are the version in force now.
        """
        caller = policy.authorize(self.caller, "programme.read")
        programme = offered_programme(self.programmes, caller, programme_code)
        rules = rules_in_force(programme_versions(programme), datetime.now(UTC))
        if not isinstance(household_id, str):
            raise ValidationFailed("household_id is text", {"field": "household_id"})
        with remote_errors():
            found = self.registry.household_facts(household_id)
        facts = parse(HouseholdFacts, found)
        formula = programme_formula(programme)
        result = evaluate(rules, facts, programme_code=programme["code"])
        return result.model_copy(
            update={"amount_dzd": amount_for(formula, facts), "items": items_for(formula, facts)}
        ).model_dump(mode="json")

    @rpc
    def start_eligibility_run(self, programme_code: str, area: str) -> dict[str, Any]:
        """Check every household of ``area`` (the caller's or below) against the programme: a job.

        Its result counts eligible and not eligible households, failures per criterion and
        the total amount; the eligible households are read with ``eligibility_run_households``.
        """
        caller = policy.authorize(self.caller, "eligibility.run")
        programme = offered_programme(self.programmes, caller, programme_code)
        target = areas.validate(str(area))
        policy.require_within(caller, target)
        rules = rules_in_force(programme_versions(programme), datetime.now(UTC))
        job = self.runs.start(
            RUN_KIND,
            target,
            caller.user_id,
            {"programme_code": programme["code"], "area": target, "rules_version": rules.version},
        )
        runs, results, pages, job_id = self.runs, self.results, self.facts_pages, job["id"]
        formula = programme_formula(programme)

        def work(report: Report) -> dict[str, Any]:
            def save(number: int, ids: list[str], amounts: list[int]) -> None:
                results.save_chunk(job_id, number, ids, amounts)

            return run_eligibility(pages(caller, target), rules, formula, save, report, RESULT_CHUNK)

        self.background(lambda: run_job(runs, job_id, work), job_id)
        return job

    def _run(self, caller: CallerContext, run_id: str) -> dict[str, Any]:
        job = self.runs.get(run_id) if isinstance(run_id, str) else None
        if job is None or job["kind"] != RUN_KIND or not areas.contains(caller.area, job["area"]):
            raise NotFound("eligibility run not found")
        return job

    @rpc
    def get_eligibility_run(self, run_id: str) -> dict[str, Any]:
        """A run's status, progress and result; a run outside the caller's area does not exist."""
        caller = policy.authorize(self.caller, "programme.read")
        return self._run(caller, run_id)

    @rpc
    def eligibility_run_households(self, run_id: str, chunk: int = 0) -> dict[str, Any]:
        """Chunk ``chunk`` of a run's eligible households: ``{"household_ids", "amounts_dzd", "next_chunk"}``."""
        caller = policy.authorize(self.caller, "programme.read")
        self._run(caller, run_id)
        if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 0:
            raise ValidationFailed("chunk is a number from 0", {"field": "chunk"})
        found = self.results.chunk(run_id, chunk) or {"household_ids": [], "amounts_dzd": []}
        following = self.results.chunk(run_id, chunk + 1) is not None
        return {**found, "chunk": chunk, "next_chunk": chunk + 1 if following else None}
