"""Reporting entrypoints: event handlers keep every event in the log and apply it; RPCs read the read models."""

from __future__ import annotations

import base64
from typing import Any

from nameko.timer import timer

from common import areas, clock, policy
from common.contracts import events as ev
from common.errors import NotFound
from common.jobs import JobRepository, MongoJobRepository
from common.jsonable import jsonable
from common.nameko_ext.background import Background, Spawn
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.transient import event_handler
from reporting import business_metrics, carte_views, files, lag, views
from reporting.adapters.action_plans import MongoActionPlans
from reporting.adapters.carte_tallies import MongoCarteTallies
from reporting.adapters.event_log import MongoEventLog
from reporting.adapters.export_files import MongoExportFiles
from reporting.adapters.impact_marks import MongoImpactFacts
from reporting.adapters.projection import MongoProjection
from reporting.adapters.read_models import MongoReadModels
from reporting.adapters.report_versions import MongoReportVersions
from reporting.app import carte, exports, impact, projection, reports
from reporting.app.carte import CarteTallies
from reporting.app.impact import ImpactFacts
from reporting.app.ports import ActionPlans, EventLog, ExportFiles, File, Projection, ReadModels, ReportVersions
from reporting.domain import carte_business
from reporting.domain.carte import IndicatorSheet
from reporting.domain.carte_tallies import MEASURES as CARTE_MEASURES
from reporting.printing.carte_map import indicator_of, map_png, must_have_map
from reporting.printing.carte_pdf import render as render_pdf
from reporting.settings import ReportingSettings, ReportingSettingsProvider


class ReportingService(PlatformService):
    name = "reporting"

    log: EventLog = MongoRepository(MongoEventLog)
    progress: Projection = MongoRepository(MongoProjection)
    models: ReadModels = MongoRepository(MongoReadModels)
    versions: ReportVersions = MongoRepository(MongoReportVersions)
    plans: ActionPlans = MongoRepository(MongoActionPlans)
    settings: ReportingSettings = ReportingSettingsProvider()
    jobs: JobRepository = MongoRepository(MongoJobRepository)
    export_files: ExportFiles = MongoRepository(MongoExportFiles)
    background: Spawn = Background()

    def _consume(self, producer: str, payload: dict[str, Any], expected: type[ev.Event]) -> None:
        """Keep the event in the log (once), then apply the log (unless another worker is applying it)."""
        projection.receive(self.log, producer, payload, expected, clock.now())
        projection.project(self.log, self.progress, self.models, lag.observe)

    # --- events (subscriptions in common.contracts.events.SUBSCRIPTIONS) ---

    @event_handler("registry", ev.HOUSEHOLD_REGISTERED)
    def on_household_registered(self, payload: dict[str, Any]) -> None:
        self._consume("registry", payload, ev.HouseholdRegistered)

    @event_handler("registry", ev.HOUSEHOLDS_MERGED)
    def on_households_merged(self, payload: dict[str, Any]) -> None:
        self._consume("registry", payload, ev.HouseholdsMerged)

    @event_handler("registry", ev.SCORE_CHANGED)
    def on_score_changed(self, payload: dict[str, Any]) -> None:
        self._consume("registry", payload, ev.ScoreChanged)

    @event_handler("assistance", ev.AID_REQUESTED)
    def on_aid_requested(self, payload: dict[str, Any]) -> None:
        self._consume("assistance", payload, ev.AidRequested)

    @event_handler("assistance", ev.AID_DECIDED)
    def on_aid_decided(self, payload: dict[str, Any]) -> None:
        self._consume("assistance", payload, ev.AidDecided)

    @event_handler("assistance", ev.AID_DISBURSED)
    def on_aid_disbursed(self, payload: dict[str, Any]) -> None:
        self._consume("assistance", payload, ev.AidDisbursed)

    @event_handler("assistance", ev.URGENT_AID_GRANTED)
    def on_urgent_aid_granted(self, payload: dict[str, Any]) -> None:
        self._consume("assistance", payload, ev.UrgentAidGranted)

    @event_handler("assistance", ev.REGULARISATION_OVERDUE)
    def on_regularisation_overdue(self, payload: dict[str, Any]) -> None:
        self._consume("assistance", payload, ev.RegularisationOverdue)

    @event_handler("solidarity", ev.DONATION_RECORDED)
    def on_donation_recorded(self, payload: dict[str, Any]) -> None:
        self._consume("solidarity", payload, ev.DonationRecorded)

    @event_handler("veille", ev.SIGNAL_REPORTED)
    def on_signal_reported(self, payload: dict[str, Any]) -> None:
        self._consume("veille", payload, ev.SignalReported)

    @event_handler("veille", ev.SIGNAL_CLOSED)
    def on_signal_closed(self, payload: dict[str, Any]) -> None:
        self._consume("veille", payload, ev.SignalClosed)

    @event_handler("veille", ev.SIGNAL_ESCALATED)
    def on_signal_escalated(self, payload: dict[str, Any]) -> None:
        self._consume("veille", payload, ev.SignalEscalated)

    @timer(interval=1)
    def apply_log(self) -> None:
        """Apply what handlers left (another worker held the lease when they finished, or one died)."""
        lag.PENDING.set(self.log.pending())
        projection.project(self.log, self.progress, self.models, lag.observe)

    # --- reports ---

    @rpc
    def household_count(self) -> dict[str, Any]:
        """Registered households in the caller's area, as reporting has seen them."""
        caller = policy.authorize(self.caller, "report.read")
        return {"area": caller.area, "households": reports.household_count(self.models, caller)}

    @rpc
    def get_report(self, period: str, area: str | None = None, final: bool = False) -> dict[str, Any]:
        """The quarterly report (``2026-Q3``) or annual balance (``2026``) of an area: provisional, or final."""
        caller = policy.authorize(self.caller, "report.read")
        found = reports.read(
            self.models, self.progress, self.versions, self.plans, caller, area, period, final, clock.now()
        )
        return views.report(found)

    @rpc
    def report_versions(self, period: str, area: str | None = None) -> list[dict[str, Any]]:
        """Every closed version of an area's period, oldest first, with what each corrected."""
        caller = policy.authorize(self.caller, "report.read")
        return [views.version(snapshot) for snapshot in reports.history(self.versions, caller, area, period)]

    @rpc
    def close_report(self, period: str, area: str | None, idempotency_key: str) -> dict[str, Any]:
        """Freeze an ended period's report of the caller's own area as its next version."""
        caller = policy.authorize(self.caller, "report.close")
        snapshot = reports.close(
            self.models, self.progress, self.versions, self.plans, caller, area, period, idempotency_key, clock.now()
        )
        return views.closed(snapshot)

    @rpc
    def set_action_plan(self, period: str, area: str | None, text: str, idempotency_key: str) -> dict[str, Any]:
        """The action plan for the period after ``period``, entered with its report by the area itself."""
        caller = policy.authorize(self.caller, "report.close")
        return reports.plan(self.plans, caller, area, period, text, idempotency_key, clock.now())

    # --- exports and published figures ---

    @rpc
    def public_figures(self, period: str, area: str | None = None) -> dict[str, Any]:
        """The headline figures by area below ``area``, small cells suppressed: what is published outside."""
        caller = policy.authorize(self.caller, "report.publish")
        asked = exports.request(caller, area, period, "children", True, clock.now())
        table = exports.table(self.models, self.progress, self.plans, asked, self.settings.min_cell)
        return views.table(table)

    @rpc
    def export_report(
        self, period: str, area: str | None = None, level: str = "children", fmt: str = "csv", public: bool = False
    ) -> dict[str, Any]:
        """A CSV or XLSX file of the headline figures by area (suppressed for donors or when ``public``), or its job."""
        caller = policy.authorize(self.caller, "report.publish")
        asked = exports.request(caller, area, period, level, public, clock.now())
        sources = exports.Sources(self.models, self.progress, self.plans)
        limits = (self.settings.min_cell, self.settings.export_inline_tallies)
        done = exports.export(
            sources, self.jobs, self.export_files, self.background, files.render, caller, asked, fmt, limits
        )
        return _file(done) if isinstance(done, File) else {"job": done}

    @rpc
    def export_job(self, job_id: str) -> dict[str, Any]:
        """A large export: its file once written, else its job (poll it); only for whoever started it."""
        caller = policy.authorize(self.caller, "report.publish")
        done = exports.job_file(self.jobs, self.export_files, caller, job_id)
        return _file(done) if isinstance(done, File) else {"job": done}

    # --- operations ---

    @rpc
    def rebuild_read_models(self) -> dict[str, Any]:
        """Empty the read models and replay the whole event log, as a job (national officer)."""
        caller = policy.authorize(self.caller, "report.rebuild")
        return projection.start_rebuild(
            self.jobs, self.background, self.log, self.progress, self.models, caller.user_id
        )

    @rpc
    def get_job(self, job_id: str) -> dict[str, Any]:
        """A reporting job (a rebuild, an export) as its starter or a national officer sees it."""
        caller = policy.authorize(self.caller, "report.publish")
        job = self.jobs.get(job_id)
        if job is None or (
            job.get("started_by") != caller.user_id and not caller.has_any_role(policy.NATIONAL_OFFICER)
        ):
            raise NotFound("job not found")
        return job

    # --- carte sociale ---

    carte_tallies: CarteTallies = MongoRepository(MongoCarteTallies)

    def _carte(self, area: str | None) -> IndicatorSheet:
        caller = policy.authorize(self.caller, "report.publish")
        return carte.read(self.carte_tallies, self.progress, caller, area, clock.now(), self.settings.min_cell)

    @rpc
    def carte_sheet(self, area: str | None = None) -> dict[str, Any]:
        """The carte sociale's indicator sheet of an area (the caller's own by default), with its child areas."""
        return carte_views.sheet(self._carte(area))

    @rpc
    def carte_map(self, area: str | None = None, indicator: str = "households") -> dict[str, Any]:
        """The choropleth of the wilayas for one indicator, as a PNG (nation and wilayas only)."""
        wanted = indicator_of(indicator)
        found = must_have_map(self._carte(area))
        return carte_views.file(map_png(found, wanted), carte_views.filename(found, ".png"), "image/png")

    @rpc
    def carte_pdf(self, area: str | None = None) -> dict[str, Any]:
        """The indicator sheet as a bilingual PDF, with its charts and, for the nation or a wilaya, the map."""
        found = self._carte(area)
        picture = map_png(found) if found.level in ("national", "wilaya") else None
        pdf = render_pdf(found, picture)
        return carte_views.file(pdf, carte_views.filename(found, ".pdf"), "application/pdf")

    @timer(interval=30)
    def refresh_business_metrics(self) -> None:
        """Business gauges for Prometheus from the national and wilaya tallies (reporting.business_metrics)."""
        rows = self.carte_tallies.of_area(areas.NATIONAL, reports.LAST_QUARTER)
        rows += self.carte_tallies.of_children(areas.NATIONAL, reports.LAST_QUARTER)
        business_metrics.publish(carte_business.figures(rows, CARTE_MEASURES), clock.now())

    # --- programme impact ---

    impact_facts: ImpactFacts = MongoRepository(MongoImpactFacts)

    @rpc
    def programme_impact(self, period: str, area: str | None = None, programme: str | None = None) -> dict[str, Any]:
        """A quarter's programme impact in an area: score change against comparable households, targeting errors."""
        caller = policy.authorize(self.caller, "report.publish")
        found = impact.read(
            self.impact_facts, self.progress, caller, area, period, programme, clock.now(), self.settings.min_cell
        )
        return jsonable(found)


def _file(file: File) -> dict[str, Any]:
    return {
        "file": {
            "name": file.name,
            "media_type": file.media_type,
            "content_base64": base64.b64encode(file.content).decode("ascii"),
        }
    }
