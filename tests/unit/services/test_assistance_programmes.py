"""Assistance catalogue, budgets and eligibility entrypoints (worker_factory; repositories over mongomock)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import Mock

import mongomock
import pytest
from nameko.testing.services import worker_factory

from assistance.adapters.eligibility_results import MongoEligibilityResults
from assistance.adapters.programmes import MongoProgrammeRepository
from assistance.service import AssistanceService
from common.context import CallerContext
from common.contracts.facts import facts_to_columns
from common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from common.jobs import MongoJobRepository
from synthetic.facts import facts

Make = Callable[..., Any]
NATIONAL = ("/DZ", "national-officer")
DIRECTOR_16 = ("/DZ/16", "wilaya-director")
AGENT_16 = ("/DZ/16", "wilaya-agent")
WORKER_1601 = ("/DZ/16/1601", "social-worker")
WORKER_3101 = ("/DZ/31/3101", "social-worker")
LOCAL = {
    "code": "alger-winter",
    "name_fr": "Hiver Alger",
    "name_ar": "شتاء الجزائر",
    "benefit_type": "in_kind",
    "area": "/DZ/16",
    "need": "winter_heating",
    "period_kind": "campaign",
    "formula": {"base_dzd": 5000},
}
CRITERIA = [{"kind": "assessed", "id": "assessed", "label_fr": "Enquête faite", "label_ar": "تحقيق منجز"}]


def inline(work: Callable[[], None], name: str) -> None:
    work()


@pytest.fixture
def service(caller: Callable[..., CallerContext]) -> Make:
    """``service(area, role, registry=…, pages=…)``: a worker over one shared in-memory database."""
    database = mongomock.MongoClient(tz_aware=True)[f"assistance_{uuid.uuid4().hex[:6]}"]
    MongoProgrammeRepository.ensure_indexes(database)

    def make(area: str, role: str, registry: Any = None, pages: list[list[dict[str, Any]]] | None = None) -> Any:
        def facts_pages(who: CallerContext, target: str) -> Iterator[dict[str, list[Any]]]:
            assert who.area == area
            yield from map(facts_to_columns, pages or [])

        return worker_factory(
            AssistanceService,
            programmes=MongoProgrammeRepository(database),
            runs=MongoJobRepository(database),
            results=MongoEligibilityResults(database),
            registry=registry or Mock(),
            background=inline,
            facts_pages=facts_pages,
            caller=caller(area, role),
        )

    return make


def test_programmes_are_seen_where_they_are_offered(service: Make) -> None:
    service(*NATIONAL).create_programme(LOCAL)
    worker = service(*WORKER_1601)
    codes = [p["code"] for p in worker.list_programmes()]
    assert "alger-winter" in codes
    assert "afs" in codes
    afs = worker.get_programme("afs")
    assert afs["rules_in_force"] == 1
    assert afs["need"] == "income_support"
    oran = service(*WORKER_3101)
    assert "alger-winter" not in [p["code"] for p in oran.list_programmes()]
    with pytest.raises(NotFound):
        oran.get_programme("alger-winter")
    with pytest.raises(NotFound):
        worker.get_programme("no-such-programme")


def test_only_national_officers_publish_rules(service: Make) -> None:
    officer = service(*NATIONAL)
    officer.create_programme(LOCAL)
    assert officer.get_programme("alger-winter")["rules_in_force"] is None
    start = datetime.now(UTC).replace(microsecond=0)
    version = {"version": 1, "activated_at": start.isoformat(), "criteria": CRITERIA}
    with pytest.raises(Forbidden):
        service(*DIRECTOR_16).publish_rules("alger-winter", version)
    published = officer.publish_rules("alger-winter", version)
    assert published["rules_in_force"] == 1
    assert officer.publish_rules("alger-winter", version)["rules_versions"] == published["rules_versions"]
    later = {**version, "version": 2, "activated_at": (start + timedelta(days=7)).isoformat()}
    assert officer.publish_rules("alger-winter", later)["rules_in_force"] == 1  # not yet
    with pytest.raises(ValidationFailed):
        officer.publish_rules("alger-winter", {**version, "version": 3, "activated_at": "2020-01-01T00:00:00Z"})
    with pytest.raises(ValidationFailed):
        officer.publish_rules("alger-winter", {**version, "criteria": [{"kind": "nonsense", "id": "x1"}]})
    with pytest.raises(Conflict):
        officer.publish_rules("alger-winter", {**later, "criteria": [{**CRITERIA[0], "label_fr": "Changé"}]})


def test_budgets_within_the_callers_area(service: Make) -> None:
    director = service(*DIRECTOR_16)
    budget = director.set_budget("afs", "/DZ/16/1601", "2026-03", 2_000_000)
    assert (budget["allocated_dzd"], budget["remaining_dzd"], budget["committed_dzd"]) == (2_000_000, 2_000_000, 0)
    assert service(*WORKER_1601).get_budget("afs", "/DZ/16/1601", "2026-03") == budget
    with pytest.raises(Forbidden):
        director.set_budget("afs", "/DZ/31", "2026-03", 1)
    with pytest.raises(Forbidden):
        service(*WORKER_1601).set_budget("afs", "/DZ/16/1601", "2026-03", 1)
    with pytest.raises(NotFound):
        service(*WORKER_3101).get_budget("afs", "/DZ/16/1601", "2026-03")
    with pytest.raises(NotFound):
        director.get_budget("afs", "/DZ/16/1601", "2026-04")
    for period, amount in [("2026", 1), ("2026-03", -1), ("2026-03", "1000"), ("2026-03", 1.5)]:
        with pytest.raises(ValidationFailed):
            director.set_budget("afs", "/DZ/16", period, amount)
    with pytest.raises(ValidationFailed):
        director.set_budget("afs", "/DZ/16/not-an-area!", "2026-03", 1)
    service(*NATIONAL).create_programme(LOCAL)
    with pytest.raises(ValidationFailed):
        service(*NATIONAL).set_budget("alger-winter", "/DZ/31", "2026", 1)  # not offered there
    assert director.set_budget("alger-winter", "/DZ/16", "2026", 5)["period"] == "2026"


def test_check_eligibility_explains_and_prices(service: Make) -> None:
    household = next(facts(1, seed=5))
    household.update(
        assessed=True,
        categories=["elderly"],
        monthly_income_dzd=0,
        income_per_member_dzd=0.0,
        members_count=3,
        members=[{**household["members"][0], "categories": ["elderly"], "age": 70}] * 3,
    )
    registry = Mock()
    registry.household_facts.return_value = household
    result = service(*WORKER_1601, registry=registry).check_eligibility("afs", household["household_id"])
    registry.household_facts.assert_called_once_with(household["household_id"])
    assert result["eligible"] is True
    assert result["rules_version"] == 1
    assert [c["id"] for c in result["criteria"]] == ["assessed", "afs_category", "low_income"]
    assert all(c["reason_fr"] and c["reason_ar"] for c in result["criteria"])
    assert result["amount_dzd"] == 3000 + 2 * 120
    registry.household_facts.side_effect = NotFound("household not found")
    with pytest.raises(NotFound):
        service(*WORKER_1601, registry=registry).check_eligibility("afs", "66b0c2f1e4a1b2c3d4e5f601")


def test_no_rules_in_force_is_a_conflict(service: Make) -> None:
    service(*NATIONAL).create_programme(LOCAL)
    registry = Mock()
    with pytest.raises(Conflict) as raised:
        service(*AGENT_16, registry=registry).check_eligibility("alger-winter", "h1")
    assert raised.value.details == {"reason": "no_rules_in_force"}
    registry.household_facts.assert_not_called()
    with pytest.raises(Conflict):
        service(*AGENT_16).start_eligibility_run("alger-winter", "/DZ/16")


def test_an_eligibility_run_counts_and_keeps_the_eligible(service: Make) -> None:
    households = list(facts(2300, seed=9, area="/DZ/16/1601"))
    agent = service(*AGENT_16, pages=[households[:1200], households[1200:]])
    job = agent.start_eligibility_run("afs", "/DZ/16/1601")
    assert job["params"] == {"programme_code": "afs", "area": "/DZ/16/1601", "rules_version": 1}
    run = agent.get_eligibility_run(job["id"])
    assert run["status"] == "succeeded", run
    result = run["result"]
    assert result["households"] == 2300
    assert result["eligible"] + result["not_eligible"] == 2300
    assert set(result["failed_by"]) == {"assessed", "afs_category", "low_income"}
    found: list[str] = []
    chunk: int | None = 0
    while chunk is not None:
        page = agent.eligibility_run_households(job["id"], chunk)
        assert len(page["household_ids"]) == len(page["amounts_dzd"]) <= 1000
        found += page["household_ids"]
        chunk = page["next_chunk"]
    assert len(found) == result["eligible"] > 0
    assert service(*WORKER_1601).get_eligibility_run(job["id"])["id"] == job["id"]
    with pytest.raises(NotFound):
        service(*WORKER_3101).get_eligibility_run(job["id"])
    with pytest.raises(NotFound):
        service(*WORKER_3101).eligibility_run_households(job["id"], 0)
    with pytest.raises(ValidationFailed):
        agent.eligibility_run_households(job["id"], -1)
    with pytest.raises(NotFound):
        agent.get_eligibility_run("no-such-run")


def test_eligibility_runs_need_the_role_and_the_area(service: Make) -> None:
    with pytest.raises(Forbidden):
        service(*WORKER_1601).start_eligibility_run("afs", "/DZ/16/1601")
    with pytest.raises(Forbidden):
        service(*AGENT_16).start_eligibility_run("afs", "/DZ/31")
    with pytest.raises(ValidationFailed):
        service(*AGENT_16).start_eligibility_run("afs", "DZ-16")


def test_a_failing_run_is_reported_failed(service: Make) -> None:
    def broken(who: CallerContext, target: str) -> Iterator[dict[str, list[Any]]]:
        raise NotFound("gone")
        yield {}

    agent = service(*AGENT_16)
    agent.facts_pages = broken
    job = agent.start_eligibility_run("afs", "/DZ/16")
    run = agent.get_eligibility_run(job["id"])
    assert run["status"] == "failed"
    assert run["result"] == {"error": "not_found", "message": "gone"}
