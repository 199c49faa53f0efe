"""The carte sociale's entrypoints with fake read models: who reads which area, suppressed or not."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from nameko.testing.services import worker_factory

from common.context import CallerContext
from common.errors import Forbidden, NotFound, ValidationFailed
from reporting.app.ports import Checkpoint
from reporting.domain import events as m
from reporting.domain.report import TallyRow
from reporting.service import ReportingService
from reporting.settings import ReportingSettings

AS_OF = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class FakeTallies:
    """Tallies by area, as the read models keep them (each area with its own sums)."""

    def __init__(self, rows: list[TallyRow]) -> None:
        self.rows = rows

    def of_area(self, area: str, through: str) -> list[TallyRow]:
        return [r for r in self.rows if r.area == area and r.quarter <= through]

    def of_children(self, area: str, through: str) -> list[TallyRow]:
        depth = area.count("/") + 1
        return [r for r in self.rows if r.area.startswith(area + "/") and r.area.count("/") == depth
                and r.quarter <= through]  # fmt: skip


class FakeProgress:
    def checkpoint(self) -> Checkpoint:
        return Checkpoint(applied_through=7, as_of=AS_OF)


def registered(area: str, count: int) -> list[TallyRow]:
    """``count`` households registered in ``area``, tallied at the area and each area above it."""
    parts = area.strip("/").split("/")
    return [
        TallyRow("/" + "/".join(parts[: i + 1]), "2026-Q1", m.REGISTERED, "", "", count, 0) for i in range(len(parts))
    ]


ROWS = registered("/DZ/16/1601", 40) + registered("/DZ/16/1602", 20) + registered("/DZ/31/3101", 3)


@pytest.fixture
def service(caller: Callable[..., CallerContext]) -> Callable[..., Any]:
    """The service as a caller in ``area`` with ``roles`` sees it."""

    def make(area: str, *roles: str) -> Any:
        return worker_factory(ReportingService, caller=caller(area, *roles), carte_tallies=FakeTallies(ROWS),
                              progress=FakeProgress(), settings=ReportingSettings())  # fmt: skip

    return make


def test_a_wilaya_director_reads_the_wilaya_and_its_communes(service: Callable[..., Any]) -> None:
    reporting = service("/DZ/16", "wilaya-director")
    sheet = reporting.carte_sheet()
    assert (sheet["area"], sheet["level"], sheet["suppressed"]) == ("/DZ/16", "wilaya", False)
    assert sheet["totals"]["households"] == 60
    assert [(c["area"], c["households"]) for c in sheet["children"]] == [("/DZ/16/1601", 40), ("/DZ/16/1602", 20)]
    assert sheet["as_of"] == AS_OF.isoformat()


@pytest.mark.parametrize("rpc", ["carte_sheet", "carte_map", "carte_pdf"])
def test_an_area_outside_the_callers_is_not_found(service: Callable[..., Any], rpc: str) -> None:
    reporting = service("/DZ/16", "wilaya-director")
    with pytest.raises(NotFound):
        getattr(reporting, rpc)("/DZ/31")


def test_the_national_sheet_lists_the_58_wilayas_and_a_donor_reads_it_suppressed(service: Callable[..., Any]) -> None:
    reporting = service("/DZ", "national-officer")
    staff = reporting.carte_sheet()
    assert len(staff["children"]) == 58
    reporting = service("/DZ", "donor")
    public = reporting.carte_sheet()
    lines = {c["area"]: c for c in public["children"]}
    assert public["suppressed"] is True
    assert lines["/DZ/31"]["households"] is None and "households" in lines["/DZ/31"]["hidden"]
    assert lines["/DZ/16"]["households"] is None  # its complement: the national total would reveal Oran's 3
    assert public["totals"]["households"] == 63
    assert lines["/DZ/05"]["households"] == 0  # nothing recorded: zero is no small cell


def test_a_role_without_report_access_is_refused(service: Callable[..., Any]) -> None:
    reporting = service("/DZ", "someone-else")
    with pytest.raises(Forbidden):
        reporting.carte_sheet()


def test_the_map_and_the_pdf_are_files(service: Callable[..., Any]) -> None:
    reporting = service("/DZ/16", "wilaya-director")
    picture = reporting.carte_map(None, "coverage")
    assert picture["media_type"] == "image/png"
    assert base64.b64decode(picture["content_base64"]).startswith(b"\x89PNG")
    document = reporting.carte_pdf()
    assert (document["filename"], document["media_type"]) == ("carte-sociale-DZ-16.pdf", "application/pdf")
    assert base64.b64decode(document["content_base64"]).startswith(b"%PDF")


def test_no_map_for_a_commune_nor_for_an_unknown_indicator(service: Callable[..., Any]) -> None:
    reporting = service("/DZ/16/1601", "social-worker")
    with pytest.raises(ValidationFailed) as refused:
        reporting.carte_map()
    assert refused.value.details["code"] == "no_boundaries"
    with pytest.raises(ValidationFailed) as unknown:
        reporting.carte_map(None, "wealth")
    assert unknown.value.details["code"] == "unknown_indicator"
    assert reporting.carte_pdf()["filename"] == "carte-sociale-DZ-16-1601.pdf"  # a sheet without a map
