"""Reading, closing and correcting the quarterly cell report and the annual balance.

A report of an open period is *provisional*: computed from the read models as of the
last event applied. Closing an ended period freezes the report as a new version
(content hash, who closed it, when); asking a period *as final* reads the last version,
and a period never closed answers 409 ``period_not_closed``. An area outside the
caller's answers 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common import areas, policy, refusals
from common.context import CallerContext
from common.errors import NotFound
from common.idempotency import keyed
from reporting.app.ports import ActionPlans, Projection, ReadModels, ReportVersions
from reporting.domain import report
from reporting.domain.periods import Period

PLAN_MAX_CHARS = 4000
LAST_QUARTER = "9999-Q4"


@dataclass(frozen=True, slots=True)
class Report:
    """A report as read: provisional (``version`` None) or a closed version."""

    area: str
    status: str  # provisional | final
    as_of: datetime | None
    content: dict[str, Any]
    consolidation: dict[str, dict[str, int]]
    version: report.Snapshot | None = None


def area_in_sight(caller: CallerContext, area: str | None) -> str:
    """The area asked (the caller's own by default) if the caller sees it; 404 otherwise."""
    wanted = caller.area if area is None else areas.validate(area)
    if not policy.scope(caller).contains(wanted):
        raise NotFound("report not found")
    return wanted


def compute(models: ReadModels, plans: ActionPlans, area: str, period: Period) -> dict[str, Any]:
    """The report's content from the read models (the period's last quarter bounds the stocks)."""
    rows = models.rows(area, period.quarters[-1])
    return report.content(period, rows, plans.get(area, str(period)))


def read(
    models: ReadModels,
    progress: Projection,
    versions: ReportVersions,
    plans: ActionPlans,
    caller: CallerContext,
    area: str | None,
    period_text: str,
    final: bool,
    now: datetime,
) -> Report:
    """The provisional report, or with ``final`` the last closed version."""
    where = area_in_sight(caller, area)
    period = Period.parse(period_text).must_have_started(now)
    consolidation = report.headline(models.children(where, period.quarters))
    if final:
        closed = versions.latest(where, str(period))
        if closed is None:
            raise refusals.conflict("period_not_closed", "this period has not been closed", period=str(period))
        return Report(where, "final", closed.as_of, closed.content, consolidation, closed)
    as_of = progress.checkpoint().as_of
    return Report(where, "provisional", as_of, compute(models, plans, where, period), consolidation)


def history(
    versions: ReportVersions, caller: CallerContext, area: str | None, period_text: str
) -> list[report.Snapshot]:
    """Every closed version of the period, oldest first (empty when never closed)."""
    where = area_in_sight(caller, area)
    return versions.versions(where, str(Period.parse(period_text)))


def _own_area(caller: CallerContext, area: str | None) -> str:
    where = area_in_sight(caller, area)
    if where != caller.area:
        raise refusals.forbidden("own_area_only", "a report is closed and planned by its own area", area=where)
    return where


def close(
    models: ReadModels,
    progress: Projection,
    versions: ReportVersions,
    plans: ActionPlans,
    caller: CallerContext,
    area: str | None,
    period_text: str,
    idempotency_key: object,
    now: datetime,
) -> report.Snapshot:
    """Freeze the ended period's report as its next version (the same key answers the same version)."""
    where = _own_area(caller, area)
    period = Period.parse(period_text)
    request = keyed(caller.user_id, idempotency_key, "close_report", where, str(period))
    done = versions.closed_with(request.scoped)
    if done is not None:
        request.ensure_same(done[1])
        return done[0]
    period.must_have_started(now).must_be_over(now)
    content = compute(models, plans, where, period)
    previous = versions.latest(where, str(period))
    as_of = progress.checkpoint().as_of
    snapshot = report.Snapshot.close(where, period, content, caller.user_id, now, as_of, previous)
    return versions.freeze(snapshot, request.scoped, request.fingerprint)


def plan(
    plans: ActionPlans,
    caller: CallerContext,
    area: str | None,
    period_text: str,
    text: object,
    idempotency_key: object,
    now: datetime,
) -> dict[str, Any]:
    """The action plan the area enters with the period's report, for the next period."""
    where = _own_area(caller, area)
    period = Period.parse(period_text).must_have_started(now)
    keyed(caller.user_id, idempotency_key, "action_plan", where, str(period), text)
    if not isinstance(text, str) or not text.strip() or len(text) > PLAN_MAX_CHARS:
        raise refusals.invalid("bad_action_plan", f"the action plan is a text of 1 to {PLAN_MAX_CHARS} characters")
    plans.put(where, str(period), text.strip(), caller.user_id, now)
    return {"area": where, "period": str(period), "for_period": str(period.next()), "text": text.strip()}


def household_count(models: ReadModels, caller: CallerContext) -> int:
    """Registered households in the caller's area, merged ones aside, as reporting has seen them."""
    return int(report.on_register(models.rows(caller.area, LAST_QUARTER))[report.ON_REGISTER])
