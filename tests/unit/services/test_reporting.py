"""Reporting's service over in-memory ports: the log, the projection, the reports, closing and correcting."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from unittest.mock import ANY

import pytest
from nameko.testing.services import worker_factory

from common.context import CallerContext
from common.contracts import events as ev
from common.errors import Conflict, Forbidden, IdempotencyKeyReused, NotFound, ValidationFailed
from common.nameko_ext import outbox
from reporting.app.ports import Checkpoint
from reporting.domain.events import Folded, LegacyHousehold
from reporting.service import ReportingService
from reporting.settings import ReportingSettings
from tests.fakes.reporting import (
    FakeFiles,
    FakeJobs,
    FakeLog,
    FakePlans,
    FakeProjection,
    FakeReadModels,
    FakeVersions,
    Spawned,
)

MAY = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)  # 2026-Q2, over by now
CELL = "/DZ/16/1601"
OTHER_CELL = "/DZ/16/1602"


def envelope(event: ev.Event, at: datetime = MAY, event_id: str | None = None) -> dict[str, Any]:
    payload = outbox.entry(event) | {"occurred_at": at.isoformat()}
    return payload | {"event_id": event_id} if event_id else payload


class Stores:
    def __init__(self) -> None:
        self.log = FakeLog()
        self.progress = FakeProjection()
        self.models = FakeReadModels()
        self.versions = FakeVersions()
        self.plans = FakePlans()
        self.jobs = FakeJobs()
        self.export_files = FakeFiles()
        self.background = Spawned()
        self.settings = ReportingSettings()

    def service(self, caller: CallerContext | None = None) -> Any:
        return worker_factory(ReportingService, caller=caller, **vars(self))


def registered(household: str, area: str = CELL, members: int = 4, categories: tuple[str, ...] = ()) -> dict[str, Any]:
    event = ev.HouseholdRegistered(household_id=household, area=area, members=members, categories=list(categories))
    return envelope(event)


def aid(kind: type[ev.AidEvent], request: str, household: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "request_id": request,
        "household_id": household,
        "area": CELL,
        "programme": "p-food",
        "need": "ramadan_food",
    }
    return envelope(kind(**base, **fields))


def granted(request: str, household: str, amount: int = 10_000) -> dict[str, Any]:
    return aid(ev.AidDecided, request, household, decision="grant", amount_dzd=amount, period=None, authority_role="x")


def feed(stores: Stores, *payloads: dict[str, Any]) -> None:
    handler = stores.service()
    by_type = {
        ev.HOUSEHOLD_REGISTERED: handler.on_household_registered,
        ev.HOUSEHOLDS_MERGED: handler.on_households_merged,
        ev.SCORE_CHANGED: handler.on_score_changed,
        ev.AID_REQUESTED: handler.on_aid_requested,
        ev.AID_DECIDED: handler.on_aid_decided,
        ev.AID_DISBURSED: handler.on_aid_disbursed,
        ev.URGENT_AID_GRANTED: handler.on_urgent_aid_granted,
        ev.DONATION_RECORDED: handler.on_donation_recorded,
        ev.SIGNAL_REPORTED: handler.on_signal_reported,
    }
    for payload in payloads:
        by_type[payload["event_type"]](payload)


def figures(report: dict[str, Any], section: str) -> dict[tuple[str, str, str], tuple[int, int]]:
    found = report["content"]["sections"][section]["figures"]
    return {(f["measure"], f["programme"], f["category"]): (f["count"], f["amount"]) for f in found}


def test_count_is_scoped_and_redelivery_counts_once(caller: Callable[..., CallerContext]) -> None:
    stores = Stores()
    first = registered("h1")
    feed(stores, first, first, registered("h2", "/DZ/31/3101"))
    assert len(stores.log.entries) == 2
    assert stores.service(caller("/DZ/16", "wilaya-director")).household_count() == {"area": "/DZ/16", "households": 1}
    assert stores.service(caller("/DZ", "national-officer")).household_count()["households"] == 2


def test_consumers_read_the_typed_events_old_and_newer_envelopes_alike(caller: Callable[..., CallerContext]) -> None:
    stores = Stores()
    feed(stores, registered("h1"), registered("h2"))
    before_versions = {  # as an outbox held it before events had versions
        "event_id": "e1",
        "event_type": "households_merged",
        "occurred_at": "2026-05-11T00:00:00Z",
        "data": {"survivor_id": "h1", "merged_id": "h2", "area": CELL},
    }
    stores.service().on_households_merged(before_versions)
    score = ev.ScoreChanged(household_id="h1", area=CELL, model_version="m2", score=0.75, band="B")
    newer = envelope(score) | {"version": 2}
    newer["data"] = {**newer["data"], "explanation_id": "x"}  # a field a later version added
    stores.service().on_score_changed(newer)
    report = stores.service(caller(CELL, "cell-coordinator")).get_report("2026-Q2")
    on_register = report["content"]["sections"]["households"]["on_register"]
    assert on_register == {"households_on_register": 1, "people_on_register": 4, "households_by_band": {"B": 1}}


def test_a_malformed_event_is_refused_and_records_nothing() -> None:
    stores = Stores()
    broken = registered("h1")
    broken["data"]["members"] = "two"
    with pytest.raises(ev.MalformedEvent) as refused:
        stores.service().on_household_registered(broken)
    assert refused.value.details["errors"] == [{"loc": "data.members", "msg": ANY}]
    with pytest.raises(ev.MalformedEvent, match="unexpected event type"):
        stores.service().on_household_registered({**registered("h1"), "event_type": "score_changed"})
    assert stores.log.entries == {}
    assert stores.models.tallies == {}


def quarter_of_work() -> list[dict[str, Any]]:
    score = ev.ScoreChanged(household_id="h1", area=CELL, model_version="m1", score=0.8, band="A")
    rescore = ev.ScoreChanged(household_id="h1", area=CELL, model_version="m2", score=0.5, band="B", old_band="A")
    return [
        registered("h1", members=5, categories=("elderly", "disability")),
        registered("h2", members=3, categories=("elderly",)),
        registered("h3", OTHER_CELL, members=2),
        envelope(score),
        envelope(rescore),
        aid(ev.AidRequested, "r1", "h1", channel="walk_in"),
        granted("r1", "h1", 10_000),
        granted("r2", "h1", 5_000),  # the same household again, same programme and quarter: assisted once
        aid(ev.AidDecided, "r3", "h2", decision="refuse", amount_dzd=None, period=None, authority_role="x"),
        aid(ev.AidDisbursed, "r1", "h1", amount_dzd=10_000, method="delivery"),
        aid(ev.UrgentAidGranted, "u1", "h2", amount_dzd=20_000, due_at=MAY),
        envelope(ev.HouseholdsMerged(survivor_id="h1", merged_id="h2", area=CELL)),
        envelope(
            ev.DonationRecorded(
                gift_id="g1", donor_id="d1", area=CELL, kind="cash", amount_minor=500_00, currency="DZD"
            )
        ),
        envelope(
            ev.SignalReported(
                signal_id="s1", area=CELL, category="isolated_elderly", severity=3, reporter_kind="agent", persons=1
            )
        ),
    ]


def test_the_quarterly_report_in_the_official_layout(caller: Callable[..., CallerContext]) -> None:
    stores = Stores()
    feed(stores, *quarter_of_work())
    report = stores.service(caller(CELL, "cell-coordinator")).get_report("2026-Q2")
    assert report["status"] == "provisional"
    assert report["as_of"] == MAY.isoformat()
    sections = report["content"]["sections"]
    assert list(sections) == [
        "households",
        "assistance",
        "urgent_aid",
        "referrals_and_placements",
        "visits",
        "signals",
        "distributions",
        "donations",
    ]
    for missing in ("referrals_and_placements", "visits", "distributions"):
        assert sections[missing] == {"available": False, "figures": None}  # not available, not 0
    assert figures(report, "households") == {
        ("households_registered", "", ""): (2, 0),
        ("people_registered", "", ""): (8, 0),
        ("households_registered_by_category", "", "disability"): (1, 0),
        ("households_registered_by_category", "", "elderly"): (2, 0),
        ("households_merged", "", ""): (1, 0),
        ("people_merged", "", ""): (3, 0),
        ("households_assessed", "", "A"): (1, 0),
        ("households_reassessed", "", "B"): (1, 0),
    }
    assert sections["households"]["on_register"] == {
        "households_on_register": 1,
        "people_on_register": 5,
        "households_by_band": {"B": 1},
    }
    assert figures(report, "assistance") == {
        ("aid_requested", "p-food", "ramadan_food"): (1, 0),
        ("aid_granted", "p-food", "ramadan_food"): (2, 15_000),
        ("households_assisted", "p-food", "ramadan_food"): (1, 0),
        ("aid_refused", "p-food", "ramadan_food"): (1, 0),
        ("aid_disbursed", "p-food", "ramadan_food"): (1, 10_000),
    }
    assert figures(report, "urgent_aid") == {("urgent_aid_granted", "p-food", "ramadan_food"): (1, 20_000)}
    assert figures(report, "donations") == {("donations_recorded", "", "cash/DZD"): (1, 500_00)}
    assert figures(report, "signals") == {("signals_reported", "", "isolated_elderly"): (1, 0)}
    assert report["content"]["action_plan"] == {"for_period": "2026-Q3", "text": None}
    # consolidation: the wilaya's report sums its cells and lists them
    wilaya = stores.service(caller("/DZ/16", "wilaya-director")).get_report("2026-Q2")
    assert figures(wilaya, "households")[("households_registered", "", "")] == (3, 0)
    assert [(row["area"], row["households_registered"]) for row in wilaya["consolidation"]] == [
        (CELL, 2),
        (OTHER_CELL, 1),
    ]
    # the annual balance is the year's quarters
    annual = stores.service(caller(CELL, "cell-coordinator")).get_report("2026")
    assert annual["kind"] == "annual"
    assert figures(annual, "assistance") == figures(report, "assistance")
    assert figures(stores.service(caller(CELL, "auditor")).get_report("2026-Q3"), "assistance") == {}


def figures_of(models: FakeReadModels) -> tuple[dict[Any, list[int]], dict[str, Any], set[str], dict[Any, Any]]:
    """What the read models say, without the batch numbers that guard them."""
    tallies = {key: tally[:2] for key, tally in models.tallies.items()}
    households = {key: held[2] for key, held in models.households_by_id.items()}
    return tallies, households, set(models.grants), {key: held[1] for key, held in models.scores.items()}


def test_rebuilding_by_replay_gives_the_read_models_built_as_events_arrived() -> None:
    from reporting.app import projection

    stores = Stores()
    feed(stores, *quarter_of_work())  # one batch per event, as they arrived
    incremental = figures_of(stores.models)
    assert stores.service().apply_log() is None  # nothing left to apply
    assert projection.rebuild(stores.log, stores.progress, stores.models) == len(quarter_of_work())  # one batch
    assert figures_of(stores.models) == incremental


def test_a_rebuild_read_a_few_entries_at_a_time_equals_the_incremental_models_and_resumes_from_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reporting.app import projection

    work = quarter_of_work()
    incremental = Stores()
    feed(incremental, *work)
    stores = Stores()
    feed(stores, *work[:9])
    monkeypatch.setattr(projection, "REPLAY_CHUNK", 2)  # a household's events and its grants in different chunks
    assert projection.rebuild(stores.log, stores.progress, stores.models) == 9
    assert stores.progress.checkpoint() == Checkpoint(9, MAY, 9, rebuilding=False)
    feed(stores, *work[9:])  # the incremental path goes on from the rebuild's last entry
    assert figures_of(stores.models) == figures_of(incremental.models)


class CrashingLoad(FakeReadModels):
    def __init__(self) -> None:
        super().__init__()
        self.crashes = 1

    def load(self, seq: int, folded: Folded, grants: set[str]) -> None:
        if self.crashes:
            self.crashes -= 1
            raise ConnectionError("the database went away mid-rebuild")
        super().load(seq, folded, grants)


def test_a_rebuild_cut_short_is_started_again_by_the_next_projection() -> None:
    from reporting.app import projection

    stores = Stores()
    stores.models = CrashingLoad()
    feed(stores, *quarter_of_work())
    incremental = figures_of(stores.models)
    with pytest.raises(ConnectionError):
        projection.rebuild(stores.log, stores.progress, stores.models)
    assert stores.progress.checkpoint().rebuilding and figures_of(stores.models) == ({}, {}, set(), {})
    feed(stores, registered("h9"))  # the next event's projection finishes the rebuild, then applies nothing twice
    assert not stores.progress.checkpoint().rebuilding
    after = Stores()
    feed(after, *quarter_of_work(), registered("h9"))
    assert figures_of(stores.models) == figures_of(after.models) != incremental


def test_a_batch_applied_again_after_a_crash_changes_nothing() -> None:
    from reporting.app import projection

    stores = Stores()
    for payload in quarter_of_work():
        projection.receive(stores.log, "registry", payload, ev.EVENT_MODELS[payload["event_type"]], MAY)
    stores.log.sequence_pending(100)
    batch = stores.log.after(0, 100)
    projection.apply(stores.models, batch)
    once = figures_of(stores.models)
    projection.apply(stores.models, batch)  # the checkpoint was lost: the same batch again
    assert figures_of(stores.models) == once
    assert stores.progress.acquire("t") is not None
    stores.progress.begin("t", batch[-1].seq or 0)  # a batch begun, then a crash before its checkpoint
    stores.progress.release("t")
    assert stores.service().apply_log() is None
    assert figures_of(stores.models) == once and stores.progress.applied_through == batch[-1].seq


def test_a_rebuild_adopts_the_households_counted_before_the_log(caller: Callable[..., CallerContext]) -> None:
    from reporting.app import projection

    stores = Stores()
    feed(stores, registered("h1"))
    stores.models.legacy_households = [  # facts the household count kept before the event log existed
        LegacyHousehold("690000000ac699314d2184e0", CELL, 3, band="B", score=0.4, model_version="m1"),
        LegacyHousehold("legacy-2", CELL, 2, merged=True),
    ]
    coordinator = stores.service(caller(CELL, "cell-coordinator"))
    assert coordinator.household_count()["households"] == 1
    assert projection.rebuild(stores.log, stores.progress, stores.models) == 5
    assert coordinator.household_count()["households"] == 2  # the merged one aside
    october = coordinator.get_report("2025-Q4")  # the ObjectId's own time: 2025-10-27
    assert figures(october, "households")[("households_registered", "", "")] == (1, 0)
    assert october["content"]["sections"]["households"]["on_register"]["households_by_band"] == {"B": 1}
    assert projection.rebuild(stores.log, stores.progress, stores.models) == 5  # adopted once
    assert coordinator.household_count()["households"] == 2


def test_reports_answer_only_inside_the_callers_area(caller: Callable[..., CallerContext]) -> None:
    stores = Stores()
    feed(stores, *quarter_of_work())
    with pytest.raises(NotFound):
        stores.service(caller(OTHER_CELL, "cell-coordinator")).get_report("2026-Q2", CELL)
    with pytest.raises(NotFound):
        stores.service(caller("/DZ/31", "wilaya-director")).get_report("2026-Q2", "/DZ/16")
    with pytest.raises(NotFound):
        stores.service(caller("/DZ/31", "wilaya-director")).report_versions("2026-Q2", "/DZ/16")
    assert stores.service(caller("/DZ", "auditor")).get_report("2026-Q2", CELL)["area"] == CELL
    with pytest.raises(Forbidden):
        stores.service(caller("/DZ", "donor")).get_report("2026-Q2")


@pytest.mark.parametrize("period", ["2026-Q5", "26-Q1", "2026Q1", "", "2099-Q1"])
def test_an_unknown_period_is_refused(caller: Callable[..., CallerContext], period: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        Stores().service(caller(CELL, "cell-coordinator")).get_report(period)
    assert refused.value.details["code"] == "unknown_period"


def test_closing_freezes_a_version_and_a_correction_lists_its_differences(
    caller: Callable[..., CallerContext],
) -> None:
    stores = Stores()
    coordinator = stores.service(caller(CELL, "cell-coordinator"))
    feed(stores, registered("h1"))
    with pytest.raises(Conflict) as not_closed:
        coordinator.get_report("2026-Q2", final=True)
    assert not_closed.value.details["code"] == "period_not_closed"
    plan = coordinator.set_action_plan("2026-Q2", None, "Visiter les foyers isolés", "plan-key-1")
    assert plan == {"area": CELL, "period": "2026-Q2", "for_period": "2026-Q3", "text": "Visiter les foyers isolés"}
    first = coordinator.close_report("2026-Q2", None, "close-key-1")
    assert (first["version"], first["closed_by"], first["differences"]) == (1, "user-1", [])
    assert first["content"]["action_plan"]["text"] == "Visiter les foyers isolés"
    assert coordinator.close_report("2026-Q2", None, "close-key-1") == first  # the same close again
    with pytest.raises(Conflict) as unchanged:
        coordinator.close_report("2026-Q2", None, "close-key-2")
    assert unchanged.value.details["code"] == "nothing_to_correct"
    feed(stores, registered("h2"))  # a late event of the closed quarter
    final = coordinator.get_report("2026-Q2", final=True)
    assert final["version"]["content_hash"] == first["content_hash"]  # the frozen one, not today's figures
    assert figures(final, "households")[("households_registered", "", "")] == (1, 0)
    second = coordinator.close_report("2026-Q2", None, "close-key-3")
    assert second["version"] == 2 and second["content_hash"] != first["content_hash"]
    assert {"figure": "households/households/households_registered//", "before": None, "after": None} not in second[
        "differences"
    ]
    changed = {d["figure"]: (d["before"], d["after"]) for d in second["differences"]}
    assert changed["households/households_registered//"] == ({"count": 1, "amount": 0}, {"count": 2, "amount": 0})
    assert changed["households/households_on_register"] == (1, 2)
    assert [v["version"] for v in coordinator.report_versions("2026-Q2")] == [1, 2]
    assert coordinator.get_report("2026-Q2", final=True)["version"]["version"] == 2
    with pytest.raises(IdempotencyKeyReused):
        coordinator.close_report("2026-Q1", None, "close-key-3")


def test_who_may_close_and_when(caller: Callable[..., CallerContext]) -> None:
    stores = Stores()
    current = f"{datetime.now(UTC).year}-Q{(datetime.now(UTC).month - 1) // 3 + 1}"
    with pytest.raises(Conflict) as running:
        stores.service(caller(CELL, "cell-coordinator")).close_report(current, None, "close-key-1")
    assert running.value.details["code"] == "period_not_over"
    with pytest.raises(Forbidden) as not_own:
        stores.service(caller("/DZ/16", "wilaya-director")).close_report("2026-Q2", CELL, "close-key-1")
    assert not_own.value.details["code"] == "own_area_only"
    with pytest.raises(NotFound):
        stores.service(caller("/DZ/31", "wilaya-director")).close_report("2026-Q2", "/DZ/16", "close-key-1")
    for role in ("social-worker", "wilaya-agent", "auditor", "donor"):
        with pytest.raises(Forbidden):
            stores.service(caller(CELL, role)).close_report("2026-Q2", None, "close-key-1")
    with pytest.raises(ValidationFailed) as empty:
        stores.service(caller(CELL, "cell-coordinator")).set_action_plan("2026-Q2", None, "  ", "plan-key-1")
    assert empty.value.details["code"] == "bad_action_plan"
    assert stores.versions.by_id == {} and stores.plans.plans == {}
