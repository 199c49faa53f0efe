"""Concurrent writes on the database at MONGO_URI keep every update (issue 10, point 7).

What the code relies on, raced for real: increments of one document, claims of jobs with
``find_one_and_update``, upserts that add to a set (upstream DocumentDB issue 295 reports such
upserts losing elements). Then writes racing for one key of a unique index other than ``_id``:
MongoDB refuses the losers as duplicates and retries racing upserts itself; FerretDB 2 over
DocumentDB (exclusion constraints) also answers PostgreSQL's "deadlock detected" and refuses
racing upserts. Those tests are expected to fail on that engine (strict xfail), and
``common.deadlocks.retry_transient`` is shown to make the same races lose nothing everywhere.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pymongo import MongoClient, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError, PyMongoError

from common.deadlocks import retry_transient
from tests.integration.services.conftest import MONGO_URI, PREFIX

WORKERS = 8
KEYS = 10  # rounds of WORKERS writes released together on one key of a unique index (~1 deadlock a round)


@pytest.fixture(scope="module")
def client() -> Iterator[MongoClient[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI, maxPoolSize=WORKERS * 2)
    yield client
    client.drop_database(f"{PREFIX}engine")
    client.close()


@pytest.fixture
def collection(client: MongoClient[Any], request: pytest.FixtureRequest) -> Collection[Any]:
    records = client[f"{PREFIX}engine"][request.node.name[:60]]
    records.drop()
    return records


def on_documentdb(client: MongoClient[Any]) -> bool:
    """FerretDB 2 stores in PostgreSQL with DocumentDB (FerretDB 1 and MongoDB do not)."""
    return str(client.admin.command("buildInfo").get("ferretdb", {}).get("version", "")).startswith("v2.")


def expect_failure_on_documentdb(client: MongoClient[Any], request: pytest.FixtureRequest, reason: str) -> None:
    if on_documentdb(client):
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


def race(work: Callable[[int], Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(work, range(WORKERS)))


def race_on_keys(write: Callable[[int, int], object], keys: int = KEYS, until_error: bool = False) -> Counter[str]:
    """Each worker calls ``write(worker, key)`` for each of ``keys`` keys, all workers released together per key.

    Answers how the writes ended: "ok", "duplicate", or the error's code. ``until_error``: no more
    keys once a round ended in another error than a duplicate.
    """
    outcomes: Counter[str] = Counter()
    errors_seen = threading.Event()

    def between_rounds() -> None:  # run once per round, while every worker waits
        if until_error and set(outcomes) - {"ok", "duplicate"}:
            errors_seen.set()

    barrier = threading.Barrier(WORKERS, action=between_rounds)

    def work(worker: int) -> None:
        for key in range(keys):
            barrier.wait()
            if errors_seen.is_set():
                return
            try:
                write(worker, key)
                outcomes["ok"] += 1
            except DuplicateKeyError:
                outcomes["duplicate"] += 1
            except PyMongoError as error:
                outcomes[f"error {getattr(error, 'code', type(error).__name__)}"] += 1

    race(work)
    return outcomes


def test_concurrent_increments_of_one_document_are_all_kept(collection: Collection[Any]) -> None:
    collection.insert_one({"_id": "counter", "n": 0})

    def increment(_: int) -> None:
        for _ in range(50):
            collection.update_one({"_id": "counter"}, {"$inc": {"n": 1}})

    race(increment)
    assert collection.find_one({"_id": "counter"}) == {"_id": "counter", "n": 400}


def test_workers_claiming_jobs_claim_none_twice(collection: Collection[Any]) -> None:
    collection.insert_many([{"_id": n, "state": "queued"} for n in range(200)])
    collection.create_index("state")

    def claim_until_none(worker: int) -> list[int]:
        claimed = []
        while job := collection.find_one_and_update(
            {"state": "queued"}, {"$set": {"state": "claimed", "by": worker}}, return_document=ReturnDocument.AFTER
        ):
            assert job["by"] == worker
            claimed.append(job["_id"])
        return claimed

    claims = race(claim_until_none)
    assert sorted(job for claimed in claims for job in claimed) == list(range(200))  # every job once, none twice
    owner = {job["_id"]: job["by"] for job in collection.find()}
    assert all(owner[job] == worker for worker, claimed in enumerate(claims) for job in claimed)


def test_concurrent_upserts_adding_to_a_set_lose_nothing(collection: Collection[Any]) -> None:
    """DocumentDB issue 295: concurrent ``$addToSet`` upserts reported to lose elements."""

    def add(worker: int, key: int) -> None:
        collection.update_one({"_id": f"set{key % 5}"}, {"$addToSet": {"members": f"{worker}.{key}"}}, upsert=True)

    outcomes = race_on_keys(add, keys=50)
    assert outcomes == Counter(ok=WORKERS * 50)
    members = sorted(m for record in collection.find() for m in record["members"])
    assert members == sorted(f"{w}.{k}" for w in range(WORKERS) for k in range(50))


def test_racing_inserts_on_a_unique_index_are_refused_only_as_duplicates(
    client: MongoClient[Any], collection: Collection[Any], request: pytest.FixtureRequest
) -> None:
    expect_failure_on_documentdb(
        client,
        request,
        "DocumentDB checks unique indexes as exclusion constraints: racing inserts deadlock (40P01)",
    )
    collection.create_index("national_id", unique=True)
    outcomes = race_on_keys(
        lambda worker, key: collection.insert_one({"national_id": key, "by": worker}), keys=200, until_error=True
    )
    assert set(outcomes) == {"ok", "duplicate"}
    assert outcomes["ok"] == collection.count_documents({})  # one insert per key won
    assert outcomes["duplicate"] == (WORKERS - 1) * outcomes["ok"]


def test_racing_upserts_on_a_unique_field_all_apply(
    client: MongoClient[Any], collection: Collection[Any], request: pytest.FixtureRequest
) -> None:
    expect_failure_on_documentdb(
        client, request, "DocumentDB refuses racing upserts on a unique field (E11000, deadlock); MongoDB retries them"
    )
    collection.create_index("key", unique=True)

    def upsert(worker: int, key: int) -> None:
        collection.update_one({"key": key}, {"$addToSet": {"by": worker}}, upsert=True)

    outcomes = race_on_keys(upsert)
    assert outcomes == Counter(ok=WORKERS * KEYS)
    assert sorted(len(record["by"]) for record in collection.find()) == [WORKERS] * KEYS


def test_with_retry_transient_racing_writes_on_a_unique_field_lose_nothing(collection: Collection[Any]) -> None:
    collection.create_index("key", unique=True)
    inserts = race_on_keys(
        lambda worker, key: retry_transient(lambda: collection.insert_one({"key": key, "inserted_by": worker}))
    )
    assert inserts == Counter(ok=KEYS, duplicate=(WORKERS - 1) * KEYS)

    def upsert(worker: int, key: int) -> None:
        retry_transient(
            lambda: collection.find_one_and_update({"key": key}, {"$addToSet": {"by": worker}}, upsert=True),
            upsert=True,
        )

    upserts = race_on_keys(upsert)
    assert upserts == Counter(ok=WORKERS * KEYS)
    assert sorted(len(record["by"]) for record in collection.find()) == [WORKERS] * KEYS
