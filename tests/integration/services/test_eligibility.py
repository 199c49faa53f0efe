"""Eligibility over the real broker and database: registry facts to assistance, budgets on the real store, runs."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import eventlet
import pytest
from nameko.exceptions import RemoteError
from pymongo import MongoClient
from pymongo.database import Database

from assistance.adapters.programmes import MongoProgrammeRepository
from assistance.service import AssistanceService
from common.context import CallerContext
from common.errors import Conflict
from registry.service import RegistryService
from tests.integration.services.conftest import MONGO_URI, PREFIX, eventually, new_commune, worker_in
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER


def caller(area: str, role: str) -> CallerContext:
    return CallerContext(user_id=f"it-{role}", roles=(role,), area=area, correlation_id=uuid.uuid4().hex)


def elder(area: str) -> dict[str, Any]:
    head = {
        "given_name_lat": "Zohra",
        "family_name_lat": "Meziane",
        "sex": "F",
        "birth_year": 1947,
        "relationship": "head",
        "categories": [{"category": "elderly", "valid_from": "2015-01-01"}],
    }
    return {"area": area, "address": "Haouch Sidi Ali", "members": [head]}


def answers() -> dict[str, Any]:
    return {**HOMELESS_ELDER, "assessed_at": HOMELESS_ELDER["assessed_at"].isoformat()}


@pytest.fixture
def services(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)
    start_service(AssistanceService)


@pytest.fixture
def database() -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI, tz_aware=True)
    yield client[f"{PREFIX}assistance_store"]
    client.drop_database(f"{PREFIX}assistance_store")
    client.close()


def test_a_registered_and_assessed_household_is_checked_with_reasons(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    registry = rpc_as(worker_in(area)).registry
    household = registry.register_household(elder(area), uuid.uuid4().hex)
    registry.assess_household(household["id"], answers(), uuid.uuid4().hex)
    assistance = rpc_as(worker_in(area)).assistance

    afs = assistance.check_eligibility("afs", household["id"])
    assert afs["eligible"] is True, afs
    assert [c["id"] for c in afs["criteria"]] == ["assessed", "afs_category", "low_income"]
    assert afs["amount_dzd"] == 3000
    assert afs["programme_code"] == "afs" and afs["household_id"] == household["id"]

    disability = assistance.check_eligibility("disability-allowance", household["id"])
    assert disability["eligible"] is False
    failed = next(c for c in disability["criteria"] if c["id"] == "full_disability")
    assert not failed["passed"]
    assert "aucun membre" in failed["reason_fr"] and "لا يوجد فرد" in failed["reason_ar"]

    with pytest.raises(RemoteError) as hidden:  # the registry's 404 reaches the caller as a 404
        rpc_as(worker_in(new_commune())).assistance.check_eligibility("afs", household["id"])
    assert hidden.value.exc_type == "NotFound"


def test_an_eligibility_run_pages_the_registry_as_the_caller(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    registry = rpc_as(worker_in(area)).registry
    assessed = registry.register_household(elder(area), uuid.uuid4().hex)
    registry.assess_household(assessed["id"], answers(), uuid.uuid4().hex)
    registry.register_household({**elder(area), "address": "Cité des Pins"}, uuid.uuid4().hex)  # never assessed

    wilaya = area.rsplit("/", 1)[0]
    agent = rpc_as(caller(wilaya, "wilaya-agent")).assistance
    job = agent.start_eligibility_run("afs", area)
    assert job["status"] == "running" and job["area"] == area
    run = eventually(lambda: (done := agent.get_eligibility_run(job["id"]))["status"] != "running" and done, 60)
    assert run["status"] == "succeeded", run
    assert run["result"]["households"] == 2
    assert run["result"]["eligible"] == 1
    assert run["result"]["failed_by"] == {"assessed": 1, "afs_category": 0, "low_income": 1}
    assert run["result"]["amount_dzd"] == 3000
    chunk = agent.eligibility_run_households(job["id"], 0)
    assert chunk == {"household_ids": [assessed["id"]], "amounts_dzd": [3000], "chunk": 0, "next_chunk": None}

    with pytest.raises(RemoteError) as denied:
        rpc_as(worker_in(area)).assistance.start_eligibility_run("afs", area)
    assert denied.value.exc_type == "Forbidden"
    with pytest.raises(RemoteError) as hidden:
        rpc_as(caller("/DZ/58", "wilaya-agent")).assistance.get_eligibility_run(job["id"])
    assert hidden.value.exc_type == "NotFound"


def test_rules_and_budgets_over_rpc(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    officer = rpc_as(caller("/DZ", "national-officer")).assistance
    code = f"it-{uuid.uuid4().hex[:8]}"
    officer.create_programme(
        {
            "code": code,
            "name_fr": "Programme d'essai",
            "name_ar": "برنامج تجريبي",
            "benefit_type": "cash",
            "need": "urgent",
            "period_kind": "monthly",
            "formula": {"base_dzd": 1000},
        }
    )
    rules = {
        "version": 1,
        "activated_at": datetime.now(UTC).isoformat(),
        "criteria": [{"kind": "assessed", "id": "assessed", "label_fr": "Enquête faite", "label_ar": "تحقيق منجز"}],
    }
    assert officer.publish_rules(code, rules)["rules_in_force"] == 1
    assert len(officer.publish_rules(code, rules)["rules_versions"]) == 1
    with pytest.raises(RemoteError) as edited:
        officer.publish_rules(code, {**rules, "criteria": [{**rules["criteria"][0], "label_fr": "Autre"}]})
    assert edited.value.exc_type == "Conflict"

    director = rpc_as(caller("/DZ/16", "wilaya-director")).assistance
    assert director.set_budget(code, "/DZ/16", "2026-03", 50_000)["remaining_dzd"] == 50_000
    with pytest.raises(RemoteError) as outside:
        director.set_budget(code, "/DZ/31", "2026-03", 50_000)
    assert outside.value.exc_type == "Forbidden"
    with pytest.raises(RemoteError) as unseen:
        rpc_as(worker_in("/DZ/31/3101")).assistance.get_budget(code, "/DZ/16", "2026-03")
    assert unseen.value.exc_type == "NotFound"
    with pytest.raises(RemoteError) as malformed:
        director.set_budget(code, "/DZ/16", "2026", 50_000)
    assert malformed.value.exc_type == "ValidationFailed"


def test_commitments_on_the_real_store(database: Database[Any]) -> None:
    repo = MongoProgrammeRepository(database)
    repo.set_budget("afs", "/DZ/16", "2026-03", 3_000, "it")
    for n in range(3):
        repo.commit("afs", "/DZ/16/1601", "2026-03", 1_000, f"request-{n}")
        repo.commit("afs", "/DZ/16/1601", "2026-03", 1_000, f"request-{n}")
    with pytest.raises(Conflict) as exhausted:
        repo.commit("afs", "/DZ/16/1601", "2026-03", 1_000, "request-3")
    assert exhausted.value.details["reason"] == "budget_exceeded"
    repo.release("request-0")
    repo.spend("request-1")
    budget = repo.get_budget("afs", "/DZ/16", "2026-03")
    assert budget is not None
    assert (budget["committed_dzd"], budget["spent_dzd"], budget["remaining_dzd"]) == (1_000, 1_000, 1_000)


def test_concurrent_commitments_never_exceed_the_budget(database: Database[Any]) -> None:
    """Twenty requests of 1,000 DZD race for 10,000: exactly ten are committed."""
    repo = MongoProgrammeRepository(database)
    repo.set_budget("afs", "/DZ/16", "2026-03", 10_000, "it")
    outcomes: list[str] = []

    def commit(n: int) -> None:
        try:
            MongoProgrammeRepository(database).commit("afs", "/DZ/16/1601", "2026-03", 1_000, f"request-{n}")
            outcomes.append("committed")
        except Conflict as exc:
            outcomes.append(exc.details["reason"])

    pool = eventlet.GreenPool(20)
    for n in range(20):
        pool.spawn(commit, n)
    pool.waitall()
    assert sorted(outcomes) == ["budget_exceeded"] * 10 + ["committed"] * 10
    budget = repo.get_budget("afs", "/DZ/16", "2026-03")
    assert budget is not None
    assert (budget["committed_dzd"], budget["remaining_dzd"]) == (10_000, 0)
