"""Scoring over the real broker and database: assess, read, filter, explain, recompute, and the events."""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId
from nameko.exceptions import RemoteError
from pymongo import MongoClient
from pymongo.collection import Collection

from common.context import CallerContext
from registry.service import RegistryService
from reporting.service import ReportingService
from tests.integration.services.conftest import MONGO_URI, PREFIX, eventually, new_commune, worker_in
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER, SALARIED_OWNERS


def answers(base: dict[str, Any] = HOMELESS_ELDER) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["assessed_at"] = data["assessed_at"].isoformat()
    return data


def household(area: str) -> dict[str, Any]:
    head = {"given_name_lat": "Zohra", "family_name_lat": "Meziane", "sex": "F", "birth_year": 1947}
    return {"area": area, "address": "Haouch Sidi Ali", "members": [{**head, "relationship": "head"}]}


def officer() -> CallerContext:
    return CallerContext(user_id="officer", roles=("national-officer",), area="/DZ", correlation_id=uuid.uuid4().hex)


@pytest.fixture
def services(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)
    start_service(ReportingService)


@pytest.fixture
def collections() -> Iterator[tuple[Collection[Any], Collection[Any]]]:
    """The registry's households and reporting's household facts, for what no RPC shows."""
    client: MongoClient[Any] = MongoClient(MONGO_URI, tz_aware=True)
    yield client[f"{PREFIX}registry"]["households"], client[f"{PREFIX}reporting"]["household_facts"]
    client.close()


def remote_error(call: Callable[[], Any]) -> str:
    with pytest.raises(RemoteError) as err:
        call()
    return str(err.value.exc_type)


def recomputed(registry: Any) -> dict[str, Any]:
    job = registry.start_score_recompute()
    assert job["kind"] == "score_recompute" and job["status"] == "running"
    return eventually(lambda: (done := registry.get_job(job["id"]))["status"] != "running" and done, timeout=60)


def test_assessment_is_stored_visible_filterable_explained_and_reported(
    services: None, rpc_as: Callable[[CallerContext], Any], collections: tuple[Collection[Any], Collection[Any]]
) -> None:
    households, facts = collections
    area = new_commune()
    worker = rpc_as(worker_in(area)).registry
    created = worker.register_household(household(area), uuid.uuid4().hex)
    hid = created["id"]
    assert created["score"] is None

    result = worker.assess_household(hid, answers(), uuid.uuid4().hex)
    stored = result["score"]
    assert stored["model_version"] == "v1" and stored["band"] == "extreme" and stored["score"] == 77.0
    assert worker.get_household(hid)["score"] == stored
    assert "assessment" not in worker.get_household(hid)

    def listed(**filters: Any) -> list[str]:
        return [h["id"] for h in worker.list_households(filters)["items"]]

    assert listed(score_min=stored["score"], band="extreme") == [hid]
    assert listed(score_min=stored["score"] + 0.5) == []
    assert listed(band="low") == []

    explained = worker.explain_score(hid)
    assert explained["dimensions"] == result["explanation"] and explained["matches_stored"] is True
    assert {k: explained[k] for k in stored} == stored

    doc = households.find_one({"_id": ObjectId(hid)})
    assert doc["assessment"]["housing"]["tenure"] == "homeless"
    (entry,) = doc["history"]
    assert entry["by"] == "it-user" and entry["assessed"]["score"] == 77.0
    assert "family" not in entry["assessed"] and "autonomy" not in str(entry)  # the answers stay out of the history

    fact = eventually(lambda: (row := facts.find_one({"_id": hid})) and "score" in row and row)
    assert (fact["score"], fact["band"], fact["model_version"]) == (77.0, "extreme", "v1")

    # An unchanged score announces nothing; a changed one does.
    facts.update_one({"_id": hid}, {"$set": {"score": -1.0}})
    worker.assess_household(hid, answers(), uuid.uuid4().hex)
    time.sleep(2.5)  # the relay runs every 0.5 s
    assert facts.find_one({"_id": hid})["score"] == -1.0
    lower = worker.assess_household(hid, answers(SALARIED_OWNERS), uuid.uuid4().hex)["score"]
    assert lower["band"] == "low" and worker.explain_score(hid)["score"] == lower["score"]
    eventually(lambda: facts.find_one({"_id": hid})["score"] == lower["score"])
    assert len(households.find_one({"_id": ObjectId(hid)})["history"]) == 3


def test_same_key_acts_once_even_when_delivered_together(
    services: None, rpc_as: Callable[[CallerContext], Any], collections: tuple[Collection[Any], Collection[Any]]
) -> None:
    households, _ = collections
    area = new_commune()
    rpc = rpc_as(worker_in(area)).registry
    hid = rpc.register_household(household(area), uuid.uuid4().hex)["id"]
    key = uuid.uuid4().hex
    replies = [rpc.assess_household.call_async(hid, answers(), key) for _ in range(4)]
    first, *others = [reply.result() for reply in replies]
    assert all(other == first for other in others)
    reused = remote_error(lambda: rpc.assess_household(hid, answers(SALARIED_OWNERS), key))  # other answers
    assert reused == "IdempotencyKeyReused" and rpc.get_household(hid)["score"]["band"] == "extreme"
    history = households.find_one({"_id": ObjectId(hid)})["history"]
    assert [e["request"] for e in history] == [f"it-user|{key}"]  # the caller's own key

    other = rpc.register_household(household(area), uuid.uuid4().hex)["id"]
    assert remote_error(lambda: rpc.assess_household(other, answers(), key)) == "IdempotencyKeyReused"


def test_a_delivery_that_died_is_finished_by_the_next(
    services: None, rpc_as: Callable[[CallerContext], Any], collections: tuple[Collection[Any], Collection[Any]]
) -> None:
    households, _ = collections
    requests = households.database["assessment_requests"]
    area = new_commune()
    rpc = rpc_as(worker_in(area)).registry
    hid = rpc.register_household(household(area), uuid.uuid4().hex)["id"]

    written = uuid.uuid4().hex  # died after writing the household, before recording its answer
    first = rpc.assess_household(hid, answers(), written)
    requests.update_one({"_id": f"it-user|{written}"}, {"$unset": {"answer": ""}})
    assert rpc.assess_household(hid, answers(), written) == first

    claimed = uuid.uuid4().hex  # died right after claiming the key
    at = datetime.now(UTC).replace(microsecond=0)
    requests.insert_one({"_id": f"it-user|{claimed}", "household_id": hid, "at": at})
    second = rpc.assess_household(hid, answers(SALARIED_OWNERS), claimed)
    assert second["score"]["band"] == "low" and rpc.get_household(hid)["score"] == second["score"]
    requests_seen = [e["request"] for e in households.find_one({"_id": ObjectId(hid)})["history"]]
    assert requests_seen == [f"it-user|{written}", f"it-user|{claimed}"]


def test_scope_and_state_are_enforced(
    services: None, rpc_as: Callable[[CallerContext], Any], collections: tuple[Collection[Any], Collection[Any]]
) -> None:
    households, _ = collections
    area = new_commune()
    worker = rpc_as(worker_in(area)).registry
    hid = worker.register_household(household(area), uuid.uuid4().hex)["id"]
    assert remote_error(lambda: worker.explain_score(hid)) == "NotFound"  # not assessed yet

    neighbour = rpc_as(worker_in(new_commune())).registry
    assert remote_error(lambda: neighbour.assess_household(hid, answers(), uuid.uuid4().hex)) == "NotFound"
    assert remote_error(lambda: neighbour.explain_score(hid)) == "NotFound"
    assert worker.get_household(hid)["score"] is None

    bad = answers()
    bad["family"]["household_size"] = 0
    assert remote_error(lambda: worker.assess_household(hid, bad, uuid.uuid4().hex)) == "ValidationFailed"

    survivor = worker.register_household(household(area), uuid.uuid4().hex)["id"]
    households.update_one({"_id": ObjectId(hid)}, {"$set": {"status": "merged", "merged_into": survivor}})
    assert remote_error(lambda: worker.assess_household(hid, answers(), uuid.uuid4().hex)) == "Conflict"
    assert not households.find_one({"_id": ObjectId(hid)}).get("score")


def test_recompute_repairs_scores_publishes_changes_and_is_idempotent(
    services: None, rpc_as: Callable[[CallerContext], Any], collections: tuple[Collection[Any], Collection[Any]]
) -> None:
    households, facts = collections
    area = new_commune()
    worker = rpc_as(worker_in(area)).registry
    hid = worker.register_household(household(area), uuid.uuid4().hex)["id"]
    stored = worker.assess_household(hid, answers(), uuid.uuid4().hex)["score"]
    eventually(lambda: (row := facts.find_one({"_id": hid})) and row.get("score") == stored["score"])

    # As if an older model had scored these answers; reporting holds that old score too.
    households.update_one(
        {"_id": ObjectId(hid)}, {"$set": {"score.score": 10.0, "score.band": "low", "score.model_version": "v0"}}
    )
    facts.update_one({"_id": hid}, {"$set": {"score": 10.0, "band": "low"}})

    national = rpc_as(officer()).registry
    assert remote_error(lambda: worker.start_score_recompute()) == "Forbidden"
    first = recomputed(national)
    assert first["status"] == "succeeded" and first["area"] == "/DZ", first
    report = first["result"]
    assert report["model_version"] == "v1" and report["written"] >= 1 and report["events"] >= 1
    assert report["seen"] >= 1 and report["unscorable"] == 0
    assert first["progress"]["done"] >= 1 and first["progress"]["total"] >= first["progress"]["done"]

    repaired = worker.get_household(hid)["score"]
    assert (repaired["score"], repaired["band"], repaired["model_version"]) == (77.0, "extreme", "v1")
    fact = eventually(lambda: (row := facts.find_one({"_id": hid})) and row["score"] == 77.0 and row)
    assert (fact["band"], fact["model_version"]) == ("extreme", "v1")
    assert worker.explain_score(hid)["matches_stored"] is True

    second = recomputed(national)
    assert second["status"] == "succeeded", second
    assert second["result"]["written"] == 0 and second["result"]["events"] == 0
    assert second["result"]["unchanged"] >= 1


def test_models_are_listed(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    auditor = CallerContext(user_id="aud", roles=("auditor",), area="/DZ", correlation_id=uuid.uuid4().hex)
    models = {m["version"]: m for m in rpc_as(auditor).registry.list_scoring_models()}
    assert models["v1"]["active"] and not models["v2"]["active"] and models["v2"]["draft"]
