"""Duplicate reviews across areas: what each caller reads and decides; opaque ids (mongomock)."""

from __future__ import annotations

import uuid
from typing import Any

import mongomock
import pytest
from bson import ObjectId

from common.errors import CrossAreaReview, NotFound
from common.scope import Scope
from registry.adapters.reviews import OPAQUE_IDS_MIGRATION, MongoReviewRepository
from registry.domain.review_access import readable, require_decidable, review_for
from registry.duplicates import Finding

ALGER, ORAN, ALGER_2 = "/DZ/16/1601", "/DZ/31/3101", "/DZ/16/1602"


def finding(household_id: str, area: str, held_id: str) -> Finding:
    return Finding(
        household_id=household_id,
        area=area,
        decision="match",
        score=0.97,
        member_pair=(f"{held_id}:0", f"{household_id}:1"),
        agreeing=["national_id"],
        disagreeing=[],
        withheld="one_script_only",
    )


@pytest.fixture
def database() -> Any:
    db = mongomock.MongoClient(tz_aware=True)[f"registry_{uuid.uuid4().hex[:6]}"]
    MongoReviewRepository.ensure_indexes(db)
    return db


def cross_wilaya_review(database: Any) -> tuple[dict[str, Any], str, str]:
    """Oran's registration held against Alger's household: the stored item, Alger's id, Oran's id."""
    alger, oran = str(ObjectId()), str(ObjectId())
    reviews = MongoReviewRepository(database)
    (review_id,) = reviews.open(oran, ORAN, [finding(alger, ALGER, oran)])
    review = reviews.get(review_id)
    assert review is not None
    return review, alger, oran


def test_review_ids_are_opaque_and_a_pair_is_queued_once(database: Any) -> None:
    review, alger, oran = cross_wilaya_review(database)
    assert alger not in review["id"] and oran not in review["id"]
    reviews = MongoReviewRepository(database)
    assert reviews.open(oran, ORAN, [finding(alger, ALGER, oran)]) == []  # never asked twice
    assert reviews.decide(review["id"], "different", "officer") is not None
    assert reviews.known_different(oran, [alger, str(ObjectId())]) == {alger}


def test_each_side_reads_its_own_household_and_nothing_of_the_other(database: Any) -> None:
    review, alger, oran = cross_wilaya_review(database)
    for_oran = review_for("/DZ/31", review)
    assert for_oran["held"] == {"household_id": oran, "area": ORAN, "member": 0}
    assert for_oran["existing"] == {"outside_area": True}
    assert alger not in repr(for_oran) and ALGER not in repr(for_oran)
    for_alger = review_for(ALGER, review)
    assert for_alger["existing"] == {"household_id": alger, "area": ALGER, "member": 1}
    assert for_alger["held"] == {"outside_area": True} and oran not in repr(for_alger)
    both = review_for("/DZ", review)
    assert both["held"]["household_id"] == oran and both["existing"]["household_id"] == alger
    assert not readable(ALGER_2, review) and not readable("/DZ/31/3102", review)


def test_only_a_level_covering_both_sides_decides(database: Any) -> None:
    review, _, _ = cross_wilaya_review(database)
    assert require_decidable("/DZ", review) is review
    for one_side in ("/DZ/31", ORAN, "/DZ/16", ALGER):
        with pytest.raises(CrossAreaReview) as refused:
            require_decidable(one_side, review)
        assert refused.value.code == "cross_area_review" and refused.value.http_status == 403
        assert set(refused.value.details) == {"message_fr", "message_ar"}
    for neither in ("/DZ/16/1602", "/DZ/09"):
        with pytest.raises(NotFound):
            require_decidable(neither, review)
    with pytest.raises(NotFound):
        require_decidable("/DZ", None)


def test_two_communes_of_a_wilaya_are_decided_by_the_wilaya(database: Any) -> None:
    first, second = str(ObjectId()), str(ObjectId())
    reviews = MongoReviewRepository(database)
    (review_id,) = reviews.open(second, ALGER_2, [finding(first, ALGER, second)])
    review = reviews.get(review_id)
    assert review is not None and require_decidable("/DZ/16", review) is review
    with pytest.raises(CrossAreaReview):
        require_decidable(ALGER, review)
    assert review_for(ALGER_2, review)["existing"] == {"outside_area": True}


def test_lists_show_a_review_to_both_sides_and_follow_one_household(database: Any) -> None:
    review, _, oran = cross_wilaya_review(database)
    reviews = MongoReviewRepository(database)
    for area in ("/DZ/16", ALGER, "/DZ/31", ORAN, "/DZ"):
        assert [r["id"] for r in reviews.find(Scope(area), 50)] == [review["id"]]
    assert reviews.find(Scope(ALGER_2), 50) == []
    reviews.decide(review["id"], "same", "officer")
    assert reviews.find(Scope(ORAN), 50) == []  # decided: no longer pending
    followed = reviews.find(Scope(ORAN), 50, household_id=oran)
    assert [(r["id"], r["status"]) for r in followed] == [(review["id"], "same")]


def test_items_stored_with_pair_ids_get_opaque_ids_and_both_areas(database: Any) -> None:
    database["migrations"].delete_many({})  # a database from before the migration existed
    alger, oran = ObjectId(), ObjectId()
    database["households"].insert_many([{"_id": alger, "area": ALGER}, {"_id": oran, "area": ORAN}])
    legacy_id = "|".join(sorted((str(alger), str(oran))))
    database["duplicate_reviews"].insert_one(
        {
            "_id": legacy_id,
            "households": sorted((str(alger), str(oran))),
            "held": str(oran),
            "existing": str(alger),
            "area_ancestors": ["/DZ", "/DZ/31", ORAN],
            "status": "pending",
            "score": 0.9,
        }
    )
    MongoReviewRepository.ensure_indexes(database)
    MongoReviewRepository.ensure_indexes(database)  # idempotent
    (migrated,) = database["duplicate_reviews"].find({})
    assert migrated["_id"] != legacy_id and str(alger) not in migrated["_id"]
    assert (migrated["held_area"], migrated["existing_area"], migrated["pair"]) == (ORAN, ALGER, legacy_id)
    assert set(migrated["area_ancestors"]) == {"/DZ", "/DZ/16", ALGER, "/DZ/31", ORAN}


def test_the_migration_reads_the_queue_once_per_database(database: Any) -> None:
    """Looking for unmigrated items reads the whole queue: a later start must not do it again."""
    MongoReviewRepository.ensure_indexes(database)
    assert database["migrations"].find_one({"_id": OPAQUE_IDS_MIGRATION}) is not None
    alger, oran = ObjectId(), ObjectId()
    database["households"].insert_many([{"_id": alger, "area": ALGER}, {"_id": oran, "area": ORAN}])
    legacy_id = "|".join(sorted((str(alger), str(oran))))
    database["duplicate_reviews"].insert_one(
        {"_id": legacy_id, "households": sorted((str(alger), str(oran))), "held": str(oran), "existing": str(alger)}
    )
    MongoReviewRepository.ensure_indexes(database)
    assert database["duplicate_reviews"].find_one({"_id": legacy_id}) is not None  # not looked for again
