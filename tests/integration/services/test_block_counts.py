"""The blocking keys' household counts, on the real database: kept exact by registration, merge and
concurrent writers, so that screening skips exactly the blocks larger than the policy's ``max_block``."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import eventlet
import pytest
from pymongo import MongoClient
from pymongo.database import Database

from common.context import CallerContext
from registry.adapters.households import BLOCKS, BlockCounts
from registry.service import RegistryService
from tests.integration.services.conftest import MONGO_URI, PREFIX, new_commune


@pytest.fixture
def database(start_service: Callable[[type[Any]], Any]) -> Database[Any]:
    start_service(RegistryService)
    return MongoClient(MONGO_URI, tz_aware=True)[f"{PREFIX}registry"]


def as_user(user: str, area: str, *roles: str) -> CallerContext:
    return CallerContext(user_id=user, roles=roles, area=area, correlation_id=uuid.uuid4().hex)


def counts(database: Database[Any], keys: list[str]) -> dict[str, int]:
    return {doc["_id"]: doc["households"] for doc in database[BLOCKS].find({"_id": {"$in": keys}})}


def held(database: Database[Any], keys: list[str]) -> dict[str, int]:
    found = database["households"].find({"dedup_keys": {"$in": keys}}, {"dedup_keys": 1})
    return dict(Counter(key for doc in found for key in doc["dedup_keys"] if key in keys))


def test_registration_counts_and_a_merge_takes_the_merged_keys_out(
    database: Database[Any], rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    worker = rpc_as(as_user("worker-a", area, "social-worker")).registry
    # A person of this test only: the keys of the other tests' people (test_duplicates) are not area-limited.
    person = {"sex": "M", "birth_date": "1971-09-02", "relationship": "head", "phone": "+213661445566"}
    members = [{**person, "given_name_lat": "Yacine", "family_name_lat": "Khelifi"}]
    first = worker.register_household({"area": area, "address": "12 rue Didouche", "members": members}, "key-first-1")
    again = worker.register_household({"area": area, "address": "12 rue Didouche", "members": members}, "key-first-1")
    assert again["id"] == first["id"]  # the same request again counts once
    other = rpc_as(as_user("worker-b", area, "social-worker")).registry
    second = other.register_household({"area": area, "address": "Douar Ouled Brahim", "members": members}, "key-second")
    assert second["status"] == "held_for_review"
    keys = sorted(set(database["households"].distinct("dedup_keys", {"area": area})))
    assert keys and counts(database, keys) == held(database, keys) == dict.fromkeys(keys, 2)

    coordinator = rpc_as(as_user("coordinator", area, "cell-coordinator")).registry
    (review,) = [r for r in coordinator.list_duplicate_reviews(50) if r["held"].get("household_id") == second["id"]]
    coordinator.decide_duplicate_review(review["id"], "same")
    assert counts(database, keys) == held(database, keys) == dict.fromkeys(keys, 1)


def test_concurrent_writers_lose_no_count(database: Database[Any]) -> None:
    keys = [f"test:{uuid.uuid4().hex}:{n}" for n in range(5)]

    def writer(worker: int) -> None:
        blocks = BlockCounts(database)
        for round_ in range(50):
            blocks.add(keys if (worker + round_) % 2 else list(reversed(keys)))

    for _ in range(10):
        database[BLOCKS].delete_many({"_id": {"$in": keys}})
        pool = eventlet.GreenPool(8)
        for worker in range(8):
            pool.spawn(writer, worker)
        pool.waitall()
        assert counts(database, keys) == dict.fromkeys(keys, 400)
