"""Hostile import files through the registry's RPCs (real nameko containers, broker and database).

A zip bomb posted as XLSX is refused before it is inflated: nothing is written and the
upload is deleted. Rows naming people with invisible or control characters are refused
row by row; cells a spreadsheet would run as formulas are imported as given, with a warning.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook

from common.context import CallerContext
from registry.service import RegistryService
from tests.integration.services.conftest import new_commune
from tests.integration.services.test_imports import as_user, csv_file, imported, name, row, upload_is_gone, wilaya_of
from tests.unit.registry_importing.conftest import padded_xlsx


@pytest.fixture
def services(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)


def workbook(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    columns = list(rows[0])
    sheet.append(columns)
    for cells in rows:
        sheet.append([cells[column] for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_read_and_nothing_is_kept(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    commune = new_commune()
    agent = rpc_as(as_user("agent-a", wilaya_of(commune), "wilaya-agent"))
    plain = workbook([row(f"B-{n}", commune, name(), name()) for n in range(3)])
    bomb = padded_xlsx(plain, 300)  # 300 MiB of sheet XML, past the 256 MiB cap and the 200:1 ratio
    assert len(bomb) < 512 * 1024

    upload_id, job = imported(agent.registry, bomb, "xlsx")
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["file_error"]["code"] == "archive_bomb" and "MiB" in result["file_error"]["message"]
    assert (result["total_rows"], result["created"], result["applied"]) == (0, 0, True)
    assert upload_is_gone(upload_id)
    local = rpc_as(as_user("reader", commune, "social-worker"))
    assert local.registry.count_households() == 0

    _, control = imported(agent.registry, plain, "xlsx")  # the same rows, not padded
    assert (control["result"]["file_error"], control["result"]["created"]) == (None, 3)


def test_invisible_names_are_refused_by_row_and_formulas_imported_with_a_warning(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    commune = new_commune()
    agent = rpc_as(as_user("agent-a", wilaya_of(commune), "wilaya-agent"))
    rows = [
        row("N-1", commune, "\u200b\u200c", name()),
        row("N-2", commune, name(), "\x1b[8m"),
        row("N-3", commune, '=HYPERLINK("http://x.example","Ali")', name()),
        row("N-4", commune, f"\u202e{name()}", name(), head_phone="+213 550 12 34 56"),
    ]
    _, job = imported(agent.registry, csv_file(rows), source=f"hostile-{uuid.uuid4().hex[:8]}")
    result = job["result"]
    assert (result["total_rows"], result["created"], result["invalid"]) == (4, 2, 2)
    assert [(e["row"], e["field"], e["code"]) for e in result["errors"]] == [
        (2, "head_given_name_lat", "invalid_name"),
        (3, "head_family_name_lat", "invalid_name"),
    ]
    assert [(w["row"], w["field"], w["code"]) for w in result["warnings"]] == [
        (4, "head_given_name_lat", "formula_like")
    ]
    local = rpc_as(as_user("reader", commune, "social-worker")).registry
    names = {h["members"][0]["given_name_lat"] for h in local.list_households({})["items"]}
    assert '=HYPERLINK("http://x.example","Ali")' in names  # stored as given
    assert not any("\u202e" in given for given in names)  # the override is not
