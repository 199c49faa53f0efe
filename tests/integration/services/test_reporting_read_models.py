"""Reporting over the real broker and database: the event log, read models applied once, rebuilt by replay."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kombu import Connection, Exchange, Producer
from nameko.exceptions import RemoteError
from prometheus_client import REGISTRY
from pymongo import MongoClient
from pymongo.database import Database

from common.context import CallerContext
from common.contracts import events as ev
from common.nameko_ext import outbox
from reporting.adapters.event_log import MongoEventLog
from reporting.adapters.projection import MongoProjection
from reporting.adapters.read_models import MongoReadModels
from reporting.app import projection
from reporting.domain.events import Folded, fold, grant_key, household_of
from reporting.service import ReportingService
from tests.integration.services.conftest import AMQP_URI, MONGO_URI, PREFIX, eventually, new_commune

MAY = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)


def officer() -> CallerContext:
    return CallerContext(user_id="it-officer", roles=("national-officer",), area="/DZ", correlation_id=uuid.uuid4().hex)


def envelope(event: ev.Event, minutes: int = 0) -> dict[str, Any]:
    return outbox.entry(event) | {"occurred_at": (MAY + timedelta(minutes=minutes)).isoformat()}


def publish(producer: str, *payloads: dict[str, Any]) -> None:
    with Connection(AMQP_URI) as conn:
        for payload in payloads:
            Producer(conn.default_channel).publish(
                json.dumps(payload).encode(),
                exchange=Exchange(f"{producer}.events", type="topic", durable=True),
                routing_key=payload["event_type"],
                content_type="application/json",
                content_encoding="utf-8",
            )


def work_in(commune: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A quarter of a commune's registry and assistance events."""
    households = [f"{uuid.uuid4().hex[:24]}" for _ in range(6)]
    registry = [
        envelope(ev.HouseholdRegistered(household_id=h, area=commune, members=i + 1), i)
        for i, h in enumerate(households)
    ]
    registry.append(
        envelope(ev.ScoreChanged(household_id=households[0], area=commune, model_version="m1", score=0.9, band="A"), 10)
    )
    registry.append(envelope(ev.HouseholdsMerged(survivor_id=households[0], merged_id=households[1], area=commune), 11))
    aid: dict[str, Any] = {
        "household_id": households[2],
        "area": commune,
        "programme": "p-winter",
        "need": "winter_heating",
    }
    assistance = [
        envelope(ev.AidRequested(request_id="r1", channel="walk_in", **aid), 20),
        envelope(
            ev.AidDecided(request_id="r1", decision="grant", amount_dzd=8000, period=None, authority_role="x", **aid),
            21,
        ),
        envelope(ev.AidDisbursed(request_id="r1", amount_dzd=8000, method="delivery", **aid), 22),
    ]
    return registry, assistance


def figures(report: dict[str, Any], section: str) -> dict[str, int]:
    return {f["measure"]: f["count"] for f in report["content"]["sections"][section]["figures"]}


def test_events_are_kept_once_applied_once_and_rebuilt_equal_by_replay(
    start_service: Callable[[type[Any]], Any], rpc_as: Callable[[CallerContext], Any]
) -> None:
    start_service(ReportingService)
    commune = new_commune()
    registry, assistance = work_in(commune)
    publish("registry", *registry, registry[0], registry[3])  # two redelivered
    publish("assistance", *assistance, assistance[1])
    rpc = rpc_as(officer())

    def report() -> dict[str, Any]:
        return rpc.reporting.get_report("2026-Q2", commune)

    eventually(lambda: figures(report(), "assistance").get("aid_disbursed") == 1)
    found = report()
    assert figures(found, "households") == {
        "households_registered": 6,
        "people_registered": 21,
        "households_merged": 1,
        "people_merged": 2,
        "households_assessed": 1,
    }
    assert figures(found, "assistance") == {
        "aid_requested": 1,
        "aid_granted": 1,
        "households_assisted": 1,
        "aid_disbursed": 1,
    }
    assert found["content"]["sections"]["households"]["on_register"]["households_on_register"] == 5
    database: Database[Any] = MongoClient(MONGO_URI, tz_aware=True)[f"{PREFIX}reporting"]
    ids = [payload["event_id"] for payload in registry + assistance]
    assert database["event_log"].count_documents({"_id": {"$in": ids}}) == len(ids)
    assert REGISTRY.get_sample_value("solidarity_reporting_last_applied_timestamp_seconds", {"producer": "assistance"})
    assert REGISTRY.get_sample_value("solidarity_reporting_lag_seconds", {"producer": "registry"}) is not None

    households = sorted({payload["data"]["household_id"] for payload in assistance})

    def state() -> dict[str, list[dict[str, Any]]]:
        """This commune's read models, without the batch numbers that guard them (a rebuild batches otherwise).

        Other tests' events share the log, and an event of theirs that arrived after a later one
        was applied is replayed in occurrence order: only this test's own rows are compared.
        """
        hidden = {"seq": 0, "before": 0}
        mine = {
            "tallies": {"area": commune},
            "household_facts": {"area": commune},
            "grant_marks": {"_id": {"$in": [f"{h}|2026-Q2|p-winter" for h in households]}},
            "score_marks": {"area": commune},
        }
        return {name: sorted(database[name].find(query, hidden), key=str) for name, query in mine.items()}

    incremental = state()
    assert all(incremental.values()), incremental  # the comparison below compares rows, not nothing
    job = rpc.reporting.rebuild_read_models()
    done = eventually(lambda: (j := rpc.reporting.get_job(job["id"]))["status"] != "running" and j, timeout=60)
    assert done["status"] == "succeeded", done
    assert done["result"]["events"] >= len(ids)
    assert state() == incremental
    assert report()["content"] == found["content"]


def test_a_batch_applied_again_after_a_crash_counts_once_on_the_database() -> None:
    database: Database[Any] = MongoClient(MONGO_URI, tz_aware=True)[f"{PREFIX}reporting_crash"]
    log, models = MongoEventLog(database), MongoReadModels(database)
    MongoEventLog.ensure_indexes(database)
    MongoReadModels.ensure_indexes(database)
    registry, assistance = work_in(new_commune())
    for payload in registry + assistance:
        producer = "registry" if payload in registry else "assistance"
        projection.receive(log, producer, payload, ev.EVENT_MODELS[payload["event_type"]], MAY)
    log.sequence_pending(100)
    batch = log.after(0, 100)
    last = batch[-1].seq or 0
    # a crash after the batch's tallies, before its household facts: the batch comes again
    events = [ev.parse_event(entry.envelope()) for entry in batch]
    prior = models.households({h for h in map(household_of, events) if h}, last)
    assert prior == {}
    fresh = models.mark_grants({k for k in map(grant_key, events) if k}, last)
    models.tallies.add(last, fold(events, prior, fresh).tallies)
    projection.apply(models, batch)
    once = {doc["_id"]: doc["count"] for doc in database["tallies"].find()}
    projection.apply(models, batch)  # the checkpoint lost: the same batch again
    assert {doc["_id"]: doc["count"] for doc in database["tallies"].find()} == once
    commune = registry[0]["data"]["area"]
    assert once[f"{commune}|2026-Q2|households_assessed||A"] == 1
    assert once[f"{commune}|2026-Q2|households_registered||"] == 6
    assert once[f"{commune}|2026-Q2|households_assisted|p-winter|winter_heating"] == 1
    assert once["/DZ|2026-Q2|people_merged||"] == 2


class LoadCutShort(MongoReadModels):
    """The database goes away after the rebuild emptied the read models and wrote the tallies."""

    def load(self, seq: int, folded: Folded, grants: set[str]) -> None:
        self.tallies.load(seq, folded.tallies)
        raise ConnectionError("the database went away mid-rebuild")


def test_a_rebuild_cut_short_is_finished_by_the_next_projection_on_the_database() -> None:
    database: Database[Any] = MongoClient(MONGO_URI, tz_aware=True)[f"{PREFIX}reporting_rebuild"]
    log, progress, models = MongoEventLog(database), MongoProjection(database), MongoReadModels(database)
    MongoEventLog.ensure_indexes(database)
    MongoReadModels.ensure_indexes(database)
    registry, assistance = work_in(new_commune())
    for payload in registry + assistance:
        producer = "registry" if payload in registry else "assistance"
        projection.receive(log, producer, payload, ev.EVENT_MODELS[payload["event_type"]], MAY)
    assert projection.project(log, progress, models) == len(registry + assistance)

    def state() -> dict[str, list[dict[str, Any]]]:
        hidden = {"seq": 0, "before": 0}
        return {name: sorted(database[name].find({}, hidden), key=str) for name in ("tallies", "household_facts")}

    incremental = state()
    with pytest.raises(ConnectionError):
        projection.rebuild(log, progress, LoadCutShort(database))
    assert progress.checkpoint().rebuilding
    assert database["household_facts"].count_documents({}) == 0  # half written
    assert projection.project(log, progress, models) == len(registry + assistance)  # the rebuild, again, in full
    assert not progress.checkpoint().rebuilding
    assert progress.checkpoint().applied_through == len(registry + assistance)
    assert state() == incremental
    assert projection.project(log, progress, models) == 0


def test_programme_impact_from_score_marks_and_grants_on_the_database(
    start_service: Callable[[type[Any]], Any], rpc_as: Callable[[CallerContext], Any]
) -> None:
    """Q1 scores are the start, Q2's last scores the end; a1 and a2 are granted aid in Q2, c1 and c2 not."""
    start_service(ReportingService)
    commune = new_commune()
    february = -89 * 24 * 60  # minutes before MAY: 2026-Q1
    ids = {name: uuid.uuid4().hex[:24] for name in ("a1", "a2", "c1", "c2", "e1")}

    def scored(name: str, score: float, band: str, minutes: int) -> dict[str, Any]:
        event = ev.ScoreChanged(household_id=ids[name], area=commune, model_version="m1", score=score, band=band)
        return envelope(event, minutes)

    registry = [
        envelope(ev.HouseholdRegistered(household_id=h, area=commune, members=2), february) for h in ids.values()
    ]
    registry += [scored(name, 0.7, "high", february + 1) for name in ("a1", "a2", "c1", "c2")]
    registry += [
        scored("a1", 0.5, "moderate", 30),
        scored("a2", 0.6, "high", 30),
        scored("c1", 0.7, "high", 30),
        scored("c2", 0.8, "high", 30),
        scored("e1", 0.9, "extreme", 30),
    ]
    assistance = [
        envelope(
            ev.AidDecided(
                request_id=f"r-{name}",
                household_id=ids[name],
                area=commune,
                programme="p-food",
                need="ramadan_food",
                decision="grant",
                amount_dzd=5000,
                period=None,
                authority_role="x",
            ),
            20,
        )
        for name in ("a1", "a2")
    ]
    publish("registry", *registry, registry[-1])  # one redelivered
    publish("assistance", *assistance)
    rpc = rpc_as(officer())

    def impact() -> dict[str, Any]:
        return rpc.reporting.programme_impact("2026-Q2", commune)

    def settled() -> bool:
        total = impact()["targeting_errors"]["total"]
        return bool(total["assisted"] == 2 and total["eligible"] == 4)

    eventually(settled)
    found = impact()
    database: Database[Any] = MongoClient(MONGO_URI, tz_aware=True)[f"{PREFIX}reporting"]
    mark = database["score_marks"].find_one({"_id": f"{ids['a1']}|2026-Q2"})
    assert mark is not None and (mark["first_score"], mark["last_score"], mark["last_band"]) == (0.5, 0.5, "moderate")
    assert database["score_marks"].count_documents({"area": commune}) == 9
    assert found["score_change"]["cells"] == [
        {
            "commune": commune,
            "band": "high",
            "assisted": {"count": 2, "mean_change": None},
            "comparison": {"count": 2, "mean_change": None},
            "difference": None,
            "too_few_to_compare": True,  # fewer than REPORTING_MIN_CELL (5) in each group
        }
    ]
    assert found["targeting_errors"]["total"] == {
        "assisted": 2,
        "assisted_ineligible": 0,
        "eligible": 4,  # a2, c1, c2 high and e1 extreme at the end
        "eligible_never_assisted": 3,
        "inclusion_error_rate": 0.0,
        "exclusion_error_rate": 0.75,
    }
    assert found["follow_up_visits"] == {"available": False, "figures": None}
    elsewhere = "/DZ/01" if not commune.startswith("/DZ/01/") else "/DZ/02"
    outsider = CallerContext(user_id="it-director", roles=("wilaya-director",), area=elsewhere, correlation_id="c")
    with pytest.raises(RemoteError) as hidden:
        rpc_as(outsider).reporting.programme_impact("2026-Q2", commune)
    assert hidden.value.exc_type == "NotFound"
