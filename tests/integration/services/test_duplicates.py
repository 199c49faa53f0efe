"""Probable duplicates are held for review on write; decisions merge or release, once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from nameko.exceptions import RemoteError

from common.context import CallerContext
from registry.service import RegistryService
from tests.integration.services.conftest import eventually, new_commune

NIN = "1" + "".join(str(uuid.uuid4().int)[:17])


def person(**names: str) -> dict[str, Any]:
    return {"sex": "M", "birth_date": "1958-03-14", "relationship": "head", **names}


def household(area: str, *members: dict[str, Any]) -> dict[str, Any]:
    return {"area": area, "address": "Douar Ouled Sidi Brahim", "members": list(members)}


def as_user(user: str, area: str, *roles: str) -> CallerContext:
    return CallerContext(user_id=user, roles=roles, area=area, correlation_id=uuid.uuid4().hex)


def scanned(registry: Any, area: str) -> dict[str, Any]:
    """Run a duplicate scan of ``area`` to its end; its final job document."""
    job = registry.start_duplicate_scan(area)
    assert job["status"] == "running"
    return eventually(lambda: (done := registry.get_job(job["id"]))["status"] != "running" and done, timeout=60)


@pytest.fixture
def registry(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)


def test_transliterated_duplicate_is_held_then_merged(registry: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    area = new_commune()
    worker = rpc_as(as_user("worker-a", area, "social-worker")).registry
    first = worker.register_household(
        household(area, person(given_name_ar="محمد", family_name_ar="بن علي", phone="0550 11 22 33")), uuid.uuid4().hex
    )
    assert first["status"] == "active"
    other_worker = rpc_as(as_user("worker-b", area, "social-worker")).registry
    second = other_worker.register_household(
        household(area, person(given_name_lat="Mohamed", family_name_lat="Benali", phone="+213550112233")),
        uuid.uuid4().hex,
    )
    assert second["status"] == "held_for_review" and second["possible_duplicates"] == [first["id"]]

    (review,) = [r for r in worker.list_duplicate_reviews(50) if r["held"] == second["id"]]
    assert review["existing"] == first["id"] and review["score"] >= 0.7
    with pytest.raises(RemoteError) as own:
        other_worker.decide_duplicate_review(review["id"], "same")  # registered it: may not decide
    assert own.value.exc_type in ("Forbidden",)

    coordinator = rpc_as(as_user("coordinator", area, "cell-coordinator")).registry
    outcome = coordinator.decide_duplicate_review(review["id"], "same")
    assert outcome["household"]["id"] == first["id"]
    redirected = worker.get_household(second["id"])
    assert redirected["id"] == first["id"] and redirected["redirected_from"] == second["id"]
    with pytest.raises(RemoteError) as again:
        coordinator.decide_duplicate_review(review["id"], "different")
    assert again.value.exc_type == "Conflict"


def test_different_decision_releases_and_is_never_asked_again(
    registry: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    worker = rpc_as(as_user("worker-a", area, "social-worker")).registry
    first = worker.register_household(
        household(area, person(given_name_lat="Yacine", family_name_lat="Haddad", national_id=NIN)), uuid.uuid4().hex
    )
    second = worker.register_household(
        household(area, person(given_name_lat="Yassine", family_name_lat="Hadad", national_id=NIN)), uuid.uuid4().hex
    )
    assert second["status"] == "held_for_review" and second["possible_duplicates"] == [first["id"]]

    (review,) = [r for r in worker.list_duplicate_reviews(50) if r["held"] == second["id"]]
    officer = rpc_as(as_user("officer", "/DZ", "national-officer")).registry
    released = officer.decide_duplicate_review(review["id"], "different")
    assert released["household"]["status"] == "active"

    wilaya = "/".join(area.split("/")[:3])
    assert scanned(officer, wilaya)["status"] == "succeeded"  # the scan finds the pair again, and does not re-ask
    reviews = [
        r for r in worker.list_duplicate_reviews(200) if {r["held"], r["existing"]} == {first["id"], second["id"]}
    ]
    assert reviews == []


def test_batch_scan_queues_duplicates_registered_before_detection(
    registry: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    worker = rpc_as(as_user("worker-a", area, "social-worker")).registry
    a = worker.register_household(
        household(area, person(given_name_lat="Abdelkader", family_name_lat="Ould Ali", phone="0661 00 11 22")),
        uuid.uuid4().hex,
    )
    b = worker.register_household(
        household(area, person(given_name_ar="عبد القادر", family_name_ar="ولد علي", phone="0661001122")),
        uuid.uuid4().hex,
    )
    wilaya = "/".join(area.split("/")[:3])
    officer = rpc_as(as_user("officer", "/DZ", "national-officer")).registry
    outcome = scanned(officer, wilaya)
    assert outcome["status"] == "succeeded" and outcome["result"]["pairs_found"] >= 1
    queued = [r for r in worker.list_duplicate_reviews(200) if {r["held"], r["existing"]} == {a["id"], b["id"]}]
    assert len(queued) == 1  # once, whether found on write or by the scan
    with pytest.raises(RemoteError) as err:
        worker.start_duplicate_scan(wilaya)
    assert err.value.exc_type == "Forbidden"


def test_distinct_people_are_not_held(registry: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    area = new_commune()
    worker = rpc_as(as_user("worker-a", area, "social-worker")).registry
    worker.register_household(
        household(area, person(given_name_lat="Karim", family_name_lat="Ziani")), uuid.uuid4().hex
    )
    other = worker.register_household(
        household(
            area, {**person(given_name_lat="Samira", family_name_lat="Bouzid"), "sex": "F", "birth_date": "1990-07-01"}
        ),
        uuid.uuid4().hex,
    )
    assert other["status"] == "active" and other["possible_duplicates"] == []
