"""Cover claims on the real database: the duplicate-key answer is read right, and a race has one winner."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pymongo import MongoClient

from assistance.adapters.cover_claims import MongoCoverClaims
from assistance.domain.cover import cover_keys
from tests.integration.services.conftest import MONGO_URI, PREFIX


@pytest.fixture
def claims() -> Iterator[MongoCoverClaims]:
    client: MongoClient[Any] = MongoClient(MONGO_URI)
    database = client[f"{PREFIX}cover"]
    MongoCoverClaims.ensure_indexes(database)
    yield MongoCoverClaims(database)
    client.drop_database(database.name)
    client.close()


def test_a_clash_names_the_holder_and_leaves_nothing_behind(claims: MongoCoverClaims) -> None:
    assert claims.claim("r1", cover_keys("income_support", ["h1"], "2026-03")) == []
    assert claims.claim("r2", cover_keys("income_support", ["h1", "h2"], "2026")) == ["r1"]
    assert claims.release("r2") == 0
    assert claims.release("r1") == 1


def test_eight_approvals_racing_for_the_same_year_grant_once(claims: MongoCoverClaims) -> None:
    keys = cover_keys("winter", ["h1", "h2"], "2026")
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda n: claims.claim(f"r{n}", keys), range(8)))
    winners = [n for n, others in enumerate(outcomes) if not others]
    assert len(winners) == 1
    assert claims.release(f"r{winners[0]}") == len(keys)
