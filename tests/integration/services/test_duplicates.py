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


def pair_of(review: dict[str, Any]) -> set[str]:
    """The ids of a review's households inside the reader's area."""
    return {side.get("household_id") for side in (review["held"], review["existing"])}


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

    (review,) = [r for r in worker.list_duplicate_reviews(50) if r["held"].get("household_id") == second["id"]]
    assert review["existing"]["household_id"] == first["id"] and review["score"] >= 0.7
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

    (review,) = [r for r in worker.list_duplicate_reviews(50) if r["held"].get("household_id") == second["id"]]
    officer = rpc_as(as_user("officer", "/DZ", "national-officer")).registry
    released = officer.decide_duplicate_review(review["id"], "different")
    assert released["household"]["status"] == "active"

    wilaya = "/".join(area.split("/")[:3])
    assert scanned(officer, wilaya)["status"] == "succeeded"  # the scan finds the pair again, and does not re-ask
    reviews = [r for r in worker.list_duplicate_reviews(200) if pair_of(r) == {first["id"], second["id"]}]
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
    queued = [r for r in worker.list_duplicate_reviews(200) if pair_of(r) == {a["id"], b["id"]}]
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


def other_wilaya(area: str) -> str:
    """A commune of another wilaya than ``area``'s."""
    wilaya = int(area.split("/")[2])
    return f"/DZ/{wilaya % 48 + 1:02d}/{uuid.uuid4().int % 9000 + 1000}"


def wilaya_of(area: str) -> str:
    return "/".join(area.split("/")[:3])


def remote_error(call: Callable[[], Any]) -> RemoteError:
    with pytest.raises(RemoteError) as raised:
        call()
    return raised.value


def test_a_review_across_wilayas_is_decided_nationally_and_each_side_reads_its_own(
    registry: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    alger = new_commune()
    oran = other_wilaya(alger)
    nin = "2" + "".join(str(uuid.uuid4().int)[:17])
    alger_worker = rpc_as(as_user("worker-alger", alger, "social-worker")).registry
    oran_worker = rpc_as(as_user("worker-oran", oran, "social-worker")).registry
    first = alger_worker.register_household(
        household(alger, person(given_name_lat="Khadidja", family_name_lat="Meziane", national_id=nin)),
        uuid.uuid4().hex,
    )
    second = oran_worker.register_household(
        household(oran, person(given_name_lat="Khadija", family_name_lat="Meziane", national_id=nin)),
        uuid.uuid4().hex,
    )
    assert second["status"] == "held_for_review"
    assert second["possible_duplicates"] == [] and second["possible_duplicates_outside_area"] == 1

    (seen_by_oran,) = oran_worker.list_duplicate_reviews(50, second["id"])
    assert seen_by_oran["held"]["household_id"] == second["id"] and seen_by_oran["existing"] == {"outside_area": True}
    (seen_by_alger,) = alger_worker.list_duplicate_reviews(50, first["id"])
    assert seen_by_alger["id"] == seen_by_oran["id"] and seen_by_alger["held"] == {"outside_area": True}
    review_id = seen_by_oran["id"]
    assert first["id"] not in review_id and second["id"] not in review_id
    assert first["id"] not in repr(seen_by_oran) and alger not in repr(seen_by_oran)
    assert second["id"] not in repr(seen_by_alger) and oran not in repr(seen_by_alger)
    assert remote_error(lambda: oran_worker.list_duplicate_reviews(50, first["id"])).exc_type == "NotFound"
    stranger = rpc_as(as_user("worker-x", new_commune(), "social-worker")).registry
    assert remote_error(lambda: stranger.get_duplicate_review(review_id)).exc_type == "NotFound"

    for area in (wilaya_of(oran), wilaya_of(alger)):
        director = rpc_as(as_user(f"director-{area}", area, "wilaya-director")).registry
        refused = remote_error(lambda d=director: d.decide_duplicate_review(review_id, "same"))
        assert refused.exc_type == "CrossAreaReview" and first["id"] not in repr(refused.value)
        assert second["id"] not in repr(refused.value)
    assert oran_worker.get_duplicate_review(review_id)["status"] == "pending"  # refused: nothing changed

    officer = rpc_as(as_user("officer", "/DZ", "national-officer")).registry
    outcome = officer.decide_duplicate_review(review_id, "same")
    assert outcome["household"]["id"] == first["id"]
    assert outcome["review"]["held"]["household_id"] == second["id"]

    own = oran_worker.get_household(second["id"])
    assert (own["id"], own["status"]) == (second["id"], "merged") and first["id"] not in repr(own)
    assert alger_worker.get_household(first["id"])["status"] == "active"
    (followed,) = oran_worker.list_duplicate_reviews(50, second["id"])
    assert followed["status"] == "same" and followed["existing"] == {"outside_area": True}
    (followed,) = alger_worker.list_duplicate_reviews(50, first["id"])
    assert followed["status"] == "same" and followed["held"] == {"outside_area": True}
    redirected = officer.get_household(second["id"])  # who may read the survivor is sent to it
    assert redirected["id"] == first["id"] and redirected["redirected_from"] == second["id"]


def test_a_review_across_communes_is_decided_by_the_wilaya(
    registry: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    first_commune = new_commune()
    second_commune = f"{wilaya_of(first_commune)}/{uuid.uuid4().int % 9000 + 1000}"
    worker = rpc_as(as_user("worker-a", first_commune, "social-worker")).registry
    neighbour = rpc_as(as_user("worker-b", second_commune, "social-worker")).registry
    first = worker.register_household(
        household(first_commune, person(given_name_lat="Rachid", family_name_lat="Hamidi", phone="0770 12 34 56")),
        uuid.uuid4().hex,
    )
    second = neighbour.register_household(
        household(second_commune, person(given_name_ar="رشيد", family_name_ar="حميدي", phone="0770123456")),
        uuid.uuid4().hex,
    )
    assert second["possible_duplicates"] == [] and second["possible_duplicates_outside_area"] == 1
    (review,) = neighbour.list_duplicate_reviews(50, second["id"])
    assert review["existing"] == {"outside_area": True}

    coordinator = rpc_as(as_user("coordinator-b", second_commune, "cell-coordinator")).registry
    refused = remote_error(lambda: coordinator.decide_duplicate_review(review["id"], "different"))
    assert refused.exc_type == "CrossAreaReview"
    agent = rpc_as(as_user("agent", wilaya_of(first_commune), "wilaya-agent")).registry
    (in_full,) = agent.list_duplicate_reviews(50, first["id"])
    assert in_full["held"]["household_id"] == second["id"] and in_full["existing"]["household_id"] == first["id"]
    released = agent.decide_duplicate_review(review["id"], "different")
    assert released["household"]["id"] == second["id"] and released["household"]["status"] == "active"
