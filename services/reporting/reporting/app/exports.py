"""Exports of a period's headline figures, one row per area of a level, and the figures published outside.

Anything published outside the directorate (asked ``public``, or read by a donor) goes
through small-cell suppression, column by column, with the area's own figure as the
column's total: a hidden cell cannot be recovered from the total and the visible cells.
An export that reads more tallies than ``export_inline_tallies`` runs as a job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from common import areas, refusals
from common.context import CallerContext
from common.errors import NotFound
from common.jobs import JobRepository, run_job
from reporting.app.ports import ActionPlans, ExportFiles, File, Projection, ReadModels
from reporting.app.reports import area_in_sight
from reporting.domain import report, suppression
from reporting.domain.periods import Period

if TYPE_CHECKING:
    from common.nameko_ext.background import Spawn

Level = Literal["children", "communes"]
LEVELS = ("children", "communes")
FORMATS = ("csv", "xlsx")
COMMUNE_DEPTH = 2
OWN = "(direct)"  # what the area recorded itself, not through an area below it


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of headline figures by area, their total, and what the export says of itself."""

    area: str
    period: str
    as_of: datetime | None
    suppressed: bool
    min_cell: int
    rows: dict[str, dict[str, int | None]]
    total: dict[str, int | None]
    action_plan: str | None

    @property
    def columns(self) -> list[str]:
        return ["period", "area", "as_of", *report.HEADLINE, "action_plan"]

    def lines(self) -> list[dict[str, Any]]:
        """The rows as written to a file: one per area, then the total (with the action plan)."""
        as_of = self.as_of.isoformat() if self.as_of else None
        head = {"period": self.period, "as_of": as_of}
        lines = [{**head, "area": area, **counts} for area, counts in sorted(self.rows.items())]
        lines.append({**head, "area": self.area, **self.total, "action_plan": self.action_plan})
        return lines


@dataclass(frozen=True, slots=True)
class Request:
    area: str
    period: Period
    depth: int
    public: bool


def request(
    caller: CallerContext, area: str | None, period_text: str, level: str, public: bool, now: datetime
) -> Request:
    """Check what is asked: an area in sight, a started period, a level; donors always get the public figures."""
    if level not in LEVELS:
        raise refusals.invalid(
            "unknown_level", "an export lists the areas below (children) or every commune", level=level
        )
    where = area_in_sight(caller, area)
    period = Period.parse(period_text).must_have_started(now)
    own_depth = len(areas.ancestors(where)) - 1
    depth = own_depth + 1 if level == "children" else max(COMMUNE_DEPTH, own_depth + 1)
    return Request(where, period, depth, public or suppression.needs_suppression(caller.roles))


def is_large(models: ReadModels, asked: Request, inline_tallies: int) -> bool:
    """Whether the export reads more than ``inline_tallies`` tallies (then it runs as a job)."""
    return models.count_below(asked.area, asked.depth, asked.period.quarters) > inline_tallies


def table(models: ReadModels, progress: Projection, plans: ActionPlans, asked: Request, min_cell: int) -> Table:
    """The rows, suppressed when published outside the directorate."""
    quarters = asked.period.quarters
    rows = report.headline(models.below(asked.area, asked.depth, quarters))
    own = report.headline(row for row in models.rows(asked.area, quarters[-1]) if row.quarter in quarters)
    totals = own.get(asked.area, dict.fromkeys(report.HEADLINE, 0))
    rest = {measure: totals[measure] - sum(counts[measure] for counts in rows.values()) for measure in report.HEADLINE}
    if any(rest.values()):
        rows[OWN] = rest
    as_of = progress.checkpoint().as_of
    if not asked.public:
        raw: dict[str, dict[str, int | None]] = {
            area: {m: counts[m] for m in report.HEADLINE} for area, counts in rows.items()
        }
        total_raw: dict[str, int | None] = {m: totals[m] for m in report.HEADLINE}
        plan = plans.get(asked.area, str(asked.period))
        return Table(asked.area, str(asked.period), as_of, False, min_cell, raw, total_raw, plan)
    shown: dict[str, dict[str, int | None]] = {area: {} for area in rows}
    total: dict[str, int | None] = {}
    for measure in report.HEADLINE:
        published = suppression.suppress({area: counts[measure] for area, counts in rows.items()}, min_cell)
        for area, value in published.cells.items():
            shown[area][measure] = value
        total[measure] = published.total
    return Table(asked.area, str(asked.period), as_of, True, min_cell, shown, total, None)  # the plan is internal


@dataclass(frozen=True, slots=True)
class Sources:
    """What an export reads."""

    models: ReadModels
    progress: Projection
    plans: ActionPlans


Render = Callable[[Table, str], File]


def export(
    sources: Sources,
    jobs: JobRepository,
    files: ExportFiles,
    spawn: Spawn,
    render: Render,
    caller: CallerContext,
    asked: Request,
    fmt: str,
    limits: tuple[int, int],
) -> File | dict[str, Any]:
    """The file at once, or, for a large export, the job that writes it (read it with :func:`job_file`)."""
    if fmt not in FORMATS:
        raise refusals.invalid("unknown_format", "an export is csv or xlsx", format=fmt)
    min_cell, inline_tallies = limits

    def build() -> File:
        return render(table(sources.models, sources.progress, sources.plans, asked, min_cell), fmt)

    if not is_large(sources.models, asked, inline_tallies):
        return build()
    params = {"period": str(asked.period), "depth": asked.depth, "public": asked.public, "format": fmt}
    job = jobs.start("report_export", asked.area, caller.user_id, params)

    def work(progress: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        file = build()
        files.put(job["id"], file)
        return {"name": file.name, "bytes": len(file.content)}

    spawn(lambda: run_job(jobs, job["id"], work), f"report_export:{job['id']}")
    return job


def job_file(jobs: JobRepository, files: ExportFiles, caller: CallerContext, job_id: str) -> File | dict[str, Any]:
    """A finished export's file, or the job while it runs; only for whoever started it (404 for anyone else)."""
    job = jobs.get(job_id)
    if job is None or job.get("kind") != "report_export" or job.get("started_by") != caller.user_id:
        raise NotFound("job not found")
    file = files.get(job_id) if job["status"] == "succeeded" else None
    return job if file is None else file
