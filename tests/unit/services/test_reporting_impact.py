"""Programme impact over in-memory ports: a worked example with numbers computed by hand, access, bad input."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from common.context import CallerContext
from common.contracts import events as ev
from common.errors import NotFound, ValidationFailed
from reporting.app import projection
from reporting.domain.impact import ScoreMark
from reporting.settings import ReportingSettings
from tests.fakes.reporting import FakeImpactFacts
from tests.unit.services.test_reporting import CELL, OTHER_CELL, Stores, envelope, feed, figures_of

FEB = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)  # 2026-Q1: the scores at the start of 2026-Q2
APRIL = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)  # 2026-Q2
MAY = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)  # 2026-Q2


def scored(household: str, score: float, band: str, at: datetime, area: str = CELL) -> dict[str, Any]:
    event = ev.ScoreChanged(household_id=household, area=area, model_version="m1", score=score, band=band)
    return envelope(event, at, f"score-{household}-{at.isoformat()}-{score}")


def grant(household: str, at: datetime, programme: str = "p-food") -> dict[str, Any]:
    event = ev.AidDecided(
        request_id=f"r-{household}-{at.month}",
        household_id=household,
        area=CELL,
        programme=programme,
        need="ramadan_food",
        decision="grant",
        amount_dzd=10_000,
        period=None,
        authority_role="x",
    )
    return envelope(event, at)


def registered(household: str, area: str = CELL) -> dict[str, Any]:
    return envelope(ev.HouseholdRegistered(household_id=household, area=area, members=3, categories=[]), FEB)


def worked_example() -> list[dict[str, Any]]:
    """2026-Q2 in commune 1601 (start = last score of Q1, end = last score up to Q2's end):

    household  start        end              granted     change
    a1         0.70 high    0.60 high (2nd)  Q2          -0.10   assisted, high
    a2         0.80 high    0.60 moderate    Q2          -0.20   assisted, high
    c1         0.72 high    0.70 high        never       -0.02   comparison, high
    c2         0.75 high    0.79 high        Q1 only     +0.04   comparison, high (assisted before, not in Q2)
    a3         0.30 low     0.30 low (Q1's)  Q2           0.00   assisted, low  -> one each: too few (min 2)
    c3         0.20 low     0.20 low         never        0.00   comparison, low
    e1         none         0.90 extreme     never        -      not comparable (no start score)
    o1 (1602)  0.70 high    0.70 high        never        0.00   comparison, high, in the other commune (too few)

    high in 1601: assisted mean -0.15, comparison mean +0.01, difference -0.16.
    Errors in 1601: assisted 3 (a1 a2 a3), ineligible at start 1 (a3): 1/3; eligible at the end 4
    (a1 c1 c2 e1), never assisted 2 (c1 e1): 2/4. In 1602: eligible 1 (o1), never assisted 1.
    """
    households = ["a1", "a2", "c1", "c2", "a3", "c3", "e1"]
    return [
        *(registered(household) for household in households),
        registered("o1", OTHER_CELL),
        scored("a1", 0.70, "high", FEB),
        scored("a2", 0.80, "high", FEB),
        scored("c1", 0.72, "high", FEB),
        scored("c2", 0.75, "high", FEB),
        scored("a3", 0.30, "low", FEB),
        scored("c3", 0.20, "low", FEB),
        scored("o1", 0.70, "high", FEB, OTHER_CELL),
        grant("c2", FEB),
        grant("a1", APRIL),
        scored("a1", 0.65, "high", APRIL),
        grant("a2", APRIL),
        grant("a3", APRIL),
        grant("a3", MAY, "p-winter"),
        scored("a1", 0.60, "high", MAY),
        scored("a2", 0.60, "moderate", MAY),
        scored("c1", 0.70, "high", MAY),
        scored("c2", 0.79, "high", MAY),
        scored("c3", 0.20, "low", MAY),
        scored("o1", 0.70, "high", MAY, OTHER_CELL),
        scored("e1", 0.90, "extreme", MAY),
    ]


def fed(min_cell: int = 2) -> Stores:
    stores = Stores()
    stores.settings = ReportingSettings(min_cell=min_cell)
    feed(stores, *worked_example())
    return stores


def impact_of(stores: Stores, who: CallerContext, period: str = "2026-Q2", **asked: Any) -> dict[str, Any]:
    from nameko.testing.services import worker_factory

    from reporting.service import ReportingService

    service = worker_factory(ReportingService, caller=who, impact_facts=FakeImpactFacts(stores.models), **vars(stores))
    result: dict[str, Any] = service.programme_impact(period, **asked)
    return result


def test_score_marks_keep_the_first_and_last_score_of_each_quarter() -> None:
    stores = fed()
    marks = {key: mark for key, (_, mark) in stores.models.scores.items()}
    assert marks[("a1", "2026-Q2")] == ScoreMark("a1", "2026-Q2", CELL, 0.65, "high", 0.60, "high")
    assert marks[("a1", "2026-Q1")] == ScoreMark("a1", "2026-Q1", CELL, 0.70, "high", 0.70, "high")
    assert ("e1", "2026-Q1") not in marks and len(marks) == 14  # 7 households scored in Q1, 7 in Q2 (a3 not)


def test_score_marks_rebuilt_by_replay_equal_the_incremental_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    stores = fed()
    incremental = figures_of(stores.models)
    monkeypatch.setattr(projection, "REPLAY_CHUNK", 3)  # a household's two Q2 scores in different chunks
    assert projection.rebuild(stores.log, stores.progress, stores.models) == len(worked_example())
    assert figures_of(stores.models) == incremental and incremental[3]


def test_the_worked_example(caller: Callable[..., CallerContext]) -> None:
    found = impact_of(fed(), caller(CELL, "social-worker"))
    assert found["period"] == "2026-Q2" and found["area"] == CELL and not found["suppressed"]
    assert found["score_change"]["cells"] == [
        {
            "commune": CELL,
            "band": "high",
            "assisted": {"count": 2, "mean_change": -0.15},
            "comparison": {"count": 2, "mean_change": 0.01},
            "difference": -0.16,
            "too_few_to_compare": False,
        },
        {
            "commune": CELL,
            "band": "low",
            "assisted": {"count": 1, "mean_change": None},
            "comparison": {"count": 1, "mean_change": None},
            "difference": None,
            "too_few_to_compare": True,
        },
    ]
    assert found["score_change"]["difference"] == -0.16
    assert found["targeting_errors"]["communes"] == [
        {
            "commune": CELL,
            "assisted": 3,
            "assisted_ineligible": 1,
            "eligible": 4,
            "eligible_never_assisted": 2,
            "inclusion_error_rate": 0.3333,
            "exclusion_error_rate": 0.5,
        }
    ]
    assert found["follow_up_visits"] == {"available": False, "figures": None}


def test_the_wilaya_sees_its_communes_and_a_programme_narrows_the_assisted(
    caller: Callable[..., CallerContext],
) -> None:
    stores = fed()
    found = impact_of(stores, caller("/DZ/16", "wilaya-director"))
    cells = {(cell["commune"], cell["band"]): cell for cell in found["score_change"]["cells"]}
    assert cells[(OTHER_CELL, "high")]["comparison"]["count"] == 1 and cells[(OTHER_CELL, "high")]["too_few_to_compare"]
    assert found["targeting_errors"]["total"] == {
        "assisted": 3,
        "assisted_ineligible": 1,
        "eligible": 5,
        "eligible_never_assisted": 3,
        "inclusion_error_rate": 0.3333,
        "exclusion_error_rate": 0.6,
    }
    winter = impact_of(stores, caller("/DZ/16", "wilaya-director"), programme="p-winter")
    assert winter["targeting_errors"]["total"]["assisted"] == 1  # a3 only
    assert winter["targeting_errors"]["total"]["eligible_never_assisted"] == 5  # a1's food grant is not winter aid


def test_donors_read_only_suppressed_figures(caller: Callable[..., CallerContext]) -> None:
    found = impact_of(fed(min_cell=5), caller("/DZ", "donor"), area="/DZ/16")
    assert found["suppressed"]
    assert all(
        cell["too_few_to_compare"] and cell["assisted"]["count"] is None for cell in found["score_change"]["cells"]
    )
    rows = {row["commune"]: row for row in found["targeting_errors"]["communes"]}
    assert rows[CELL]["assisted"] is None and rows[CELL]["inclusion_error_rate"] is None
    assert found["targeting_errors"]["total"]["assisted"] is None  # 3 households: a small total
    assert rows[OTHER_CELL]["eligible"] is None  # 1 household; 1601's 4 hidden with it or the total hidden
    assert rows[CELL]["eligible"] is None or found["targeting_errors"]["total"]["eligible"] is None


@pytest.mark.parametrize("who", [("/DZ/31", "wilaya-director"), (OTHER_CELL, "social-worker"), ("/DZ/31", "donor")])
def test_an_area_outside_the_callers_answers_404(caller: Callable[..., CallerContext], who: tuple[str, str]) -> None:
    with pytest.raises(NotFound):
        impact_of(fed(), caller(*who), area=CELL)


@pytest.mark.parametrize("period", ["2026-Q9", "2026", "2099-Q1", "last quarter"])
def test_a_bad_period_answers_unknown_period(caller: Callable[..., CallerContext], period: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        impact_of(fed(), caller(CELL, "social-worker"), period)
    assert refused.value.details["code"] == "unknown_period"
