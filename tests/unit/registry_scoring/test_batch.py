"""Batch recompute against the local FerretDB, in a throwaway ``test_`` database.

mongomock 4.3 cannot take pymongo 4.15's ``UpdateOne`` in ``bulk_write``, so these run
against the real database and skip when none answers at ``MONGO_URI``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import PyMongoError

from common.contracts.assessment import Assessment
from registry.adapters.households import recompute_all
from registry.scoring import engine
from registry.scoring.batch import ScoreChange
from registry.scoring.model import ScoringModel
from synthetic.assessments import assessments
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER

MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
HOUSEHOLDS = 60


@pytest.fixture
def database() -> Iterator[Database[Any]]:
    client: MongoClient[Any] = MongoClient(MONGO_URI, serverSelectionTimeoutMS=2000)
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        pytest.skip(f"no database at {MONGO_URI}: {exc}")
    name = f"test_scoring_{uuid.uuid4().hex[:8]}"
    households = [{"area": "/DZ/16/1601", "assessment": a} for a in assessments(HOUSEHOLDS, seed=7)]
    households.append({"area": "/DZ/16/1601"})  # registered, not assessed yet
    client[name]["households"].insert_many(households)
    yield client[name]
    client.drop_database(name)
    client.close()


def stored_scores(database: Database[Any]) -> dict[Any, dict[str, Any]]:
    return {d["_id"]: d["score"] for d in database["households"].find({"score": {"$exists": True}})}


def test_recompute_scores_everyone_once_then_writes_nothing(
    database: Database[Any], models: dict[str, ScoringModel]
) -> None:
    calls: list[tuple[int, int]] = []
    report = recompute_all(database, models["v1"], lambda done, total: calls.append((done, total)), batch_size=25)
    assert (report.seen, report.written, report.unchanged, report.conflicts) == (HOUSEHOLDS, HOUSEHOLDS, 0, 0)
    assert [done for done, _ in calls] == [25, 50, 60]
    assert all(total >= done for done, total in calls)

    household = database["households"].find_one({"assessment": {"$exists": True}})
    assert household is not None
    expected = engine.score(models["v1"], Assessment.model_validate(household["assessment"]))
    score = household["score"]
    assert (score["model_version"], score["score"], score["band"]) == ("v1", expected.score, expected.band)
    assert score["inputs_hash"] == expected.inputs_hash
    before = stored_scores(database)

    again = recompute_all(database, models["v1"], lambda done, total: None, batch_size=25, write_batch=7)
    assert (again.seen, again.written, again.unchanged) == (HOUSEHOLDS, 0, HOUSEHOLDS)
    assert stored_scores(database) == before  # computed_at included: nothing was touched


def test_updates_go_in_commands_of_write_batch(database: Database[Any], models: dict[str, ScoringModel]) -> None:
    report = recompute_all(database, models["v2"], lambda done, total: None, batch_size=50, write_batch=7)
    assert (report.written, report.conflicts) == (HOUSEHOLDS, 0)
    assert {s["model_version"] for s in stored_scores(database).values()} == {"v2"}


def test_a_scope_narrows_the_run(database: Database[Any], models: dict[str, ScoringModel]) -> None:
    ids = [d["_id"] for d in database["households"].find({"assessment": {"$exists": True}}, {"_id": 1}).limit(10)]
    database["households"].update_many({"_id": {"$in": ids}}, {"$set": {"area": "/DZ/31/3101"}})
    report = recompute_all(database, models["v1"], lambda done, total: None, scope={"area": "/DZ/31/3101"})
    assert (report.seen, report.written) == (10, 10)
    assert set(stored_scores(database)) == set(ids)


def test_a_new_model_rewrites_every_score_and_announces_band_changes(
    database: Database[Any], models: dict[str, ScoringModel]
) -> None:
    recompute_all(database, models["v1"], lambda done, total: None)
    v1 = stored_scores(database)
    changes: list[ScoreChange] = []

    def announce(change: ScoreChange) -> dict[str, Any] | None:
        changes.append(change)
        if not change.band_changed:
            return None
        return {"event_id": uuid.uuid4().hex, "event_type": "score_changed", "data": {"band": change.new_band}}

    report = recompute_all(database, models["v2"], lambda done, total: None, outbox_event=announce)
    v2 = stored_scores(database)
    assert report.written == HOUSEHOLDS == len(changes)
    assert all(score["model_version"] == "v2" for score in v2.values())
    moved = [c for c in changes if c.band_changed]
    assert moved  # v2's lower thresholds move some households up
    assert report.band_changes == report.events == len(moved)
    for change in changes:
        old = v1[next(k for k in v1 if str(k) == change.household_id)]
        assert (change.old_score, change.old_band) == (old["score"], old["band"])
    with_events = list(database["households"].find({"_outbox.event_type": "score_changed"}))
    assert sorted(str(d["_id"]) for d in with_events) == sorted(c.household_id for c in moved)


def test_unscorable_assessments_are_counted_and_left_alone(
    database: Database[Any], models: dict[str, ScoringModel]
) -> None:
    broken = database["households"].find_one({"assessment": {"$exists": True}})
    assert broken is not None
    database["households"].update_one({"_id": broken["_id"]}, {"$set": {"assessment.housing.tenure": "castle"}})
    report = recompute_all(database, models["v1"], lambda done, total: None)
    assert (report.seen, report.unscorable, report.written) == (HOUSEHOLDS, 1, HOUSEHOLDS - 1)
    assert broken["_id"] not in stored_scores(database)


def test_the_guard_keeps_a_reassessment_made_during_the_run(
    database: Database[Any], models: dict[str, ScoringModel]
) -> None:
    recompute_all(database, models["v1"], lambda done, total: None)
    target = database["households"].find_one({"assessment": {"$exists": True}})
    assert target is not None
    fresh = engine.score(models["v1"], Assessment.model_validate(HOMELESS_ELDER))

    def reassess_meanwhile(change: ScoreChange) -> None:
        # The service writes a new assessment and its score between the job's read and write.
        if change.household_id == str(target["_id"]):
            database["households"].update_one(
                {"_id": target["_id"]},
                {"$set": {"assessment": HOMELESS_ELDER, "score": fresh.stored(HOMELESS_ELDER["assessed_at"])}},
            )

    report = recompute_all(database, models["v2"], lambda done, total: None, outbox_event=reassess_meanwhile)
    assert (report.written, report.conflicts) == (HOUSEHOLDS - 1, 1)
    kept = database["households"].find_one({"_id": target["_id"]})
    assert kept is not None
    assert kept["score"]["inputs_hash"] == fresh.inputs_hash
