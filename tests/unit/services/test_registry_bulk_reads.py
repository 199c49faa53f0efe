"""Bulk reads (the facts stream, the score recompute) pace the garbage collector down, and only meanwhile."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import mongomock
import pytest
from bson import ObjectId

from registry.adapters import households as adapter
from registry.adapters.collections_paced import BULK_THRESHOLDS, collections_paced
from registry.adapters.households import MongoHouseholdRepository, recompute_all
from registry.scoring.model import builtin_models


@pytest.fixture
def database() -> Any:
    return mongomock.MongoClient(tz_aware=True)[f"registry_{uuid.uuid4().hex[:6]}"]


@pytest.fixture(autouse=True)
def default_thresholds() -> Iterator[tuple[int, int, int]]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*saved)


def test_the_thresholds_are_raised_while_any_reader_runs_and_restored_by_the_last(
    default_thresholds: tuple[int, int, int],
) -> None:
    with collections_paced():
        assert gc.get_threshold() == BULK_THRESHOLDS
        with collections_paced():
            assert gc.get_threshold() == BULK_THRESHOLDS
        assert gc.get_threshold() == BULK_THRESHOLDS  # the first reader still runs
    assert gc.get_threshold() == default_thresholds


def test_a_failing_reader_restores_them_too(default_thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), collections_paced():
        raise RuntimeError("the database went away")
    assert gc.get_threshold() == default_thresholds


def test_the_facts_stream_is_read_paced(database: Any, default_thresholds: tuple[int, int, int]) -> None:
    for n in range(3):
        database["households"].insert_one(
            {"_id": ObjectId(), "area": f"/DZ/16/160{n}", "area_ancestors": ["/DZ", "/DZ/16"], "status": "active"}
        )
    seen = []
    for facts in MongoHouseholdRepository(database).facts_stream("/DZ/16", datetime.now(UTC).date()):
        seen.append((facts["household_id"], gc.get_threshold()))
    assert len(seen) == 3 and {threshold for _, threshold in seen} == {BULK_THRESHOLDS}
    assert gc.get_threshold() == default_thresholds


def test_the_score_recompute_is_read_paced(
    database: Any, monkeypatch: pytest.MonkeyPatch, default_thresholds: tuple[int, int, int]
) -> None:
    during: list[tuple[int, int, int]] = []
    rescore = adapter.rescore

    def spy(docs: list[dict[str, Any]], *args: Any) -> Any:
        during.append(gc.get_threshold())
        return rescore(docs, *args)

    monkeypatch.setattr(adapter, "rescore", spy)
    database["households"].insert_one({"_id": ObjectId(), "area": "/DZ/16/1601", "assessment": {}, "members": []})
    recompute_all(database, builtin_models()["v1"], lambda done, total: None)
    assert during == [BULK_THRESHOLDS]
    assert gc.get_threshold() == default_thresholds
