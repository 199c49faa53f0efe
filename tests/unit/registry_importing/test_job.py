import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from registry.importing import job
from registry.importing.formats import FileFormat, RawRow, read_rows
from registry.importing.job import ImportReport, run_import
from registry.importing.rows import ValidRow
from registry.importing.writer import ChunkResult
from tests.unit.registry_importing.conftest import BulkCollection, csv_bytes, head_row


def opener(data: bytes, file_format: FileFormat = "csv") -> Callable[[], Iterator[RawRow]]:
    return lambda: read_rows(io.BytesIO(data), file_format)


def survey(count: int, **changes_by_ref: dict[str, str | None]) -> list[dict[str, str | None]]:
    rows = []
    for n in range(1, count + 1):
        ref = f"H-{n:04d}"
        rows.append(head_row(ref, address=f"{n} rue de la Liberté", **changes_by_ref.get(ref, {})))
    return rows


class CountingWriter:
    """Records chunk sizes and dry-run flags; everything is new."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, bool]] = []

    def plan(self, rows: Sequence[ValidRow], dry_run: bool) -> int:
        self.calls.append((len(rows), dry_run))
        return len(rows)

    def commit(self, planned: int) -> ChunkResult:
        return ChunkResult(created=planned)


def test_rows_are_written_in_chunks_with_progress() -> None:
    writer, seen = CountingWriter(), []
    report = run_import(
        opener(csv_bytes(survey(25))), writer, chunk_size=10, on_progress=lambda r: seen.append((r.phase, r.created))
    )
    assert writer.calls == [(10, False), (10, False), (5, False)]
    assert seen == [("applying", 10), ("applying", 20), ("applying", 25), ("done", 25)]
    assert (report.total_rows, report.created, report.applied, report.complete) == (25, 25, True, True)


def test_invalid_and_duplicate_rows_are_reported_and_the_rest_applied(
    households: BulkCollection, make_writer: Any
) -> None:
    rows = survey(6, **{"H-0002": {"head_sex": "X"}, "H-0004": {"area": "/DZ/99"}})
    rows.append(head_row("H-0003", address="encore"))  # same reference twice in the file
    report = run_import(opener(csv_bytes(rows)), make_writer(), chunk_size=2)
    assert (report.total_rows, report.created, report.invalid) == (7, 4, 3)
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (3, "head_sex", "invalid_choice"),
        (5, "area", "invalid_area"),
        (8, "household_ref", "duplicate_ref_in_file"),
    ]
    assert "row 4" in report.errors[2].message
    assert households.count_documents({}) == 4


def test_reimporting_the_same_file_changes_nothing(households: BulkCollection, make_writer: Any) -> None:
    data = csv_bytes(survey(30), delimiter=";", bom=True)
    first = run_import(opener(data), make_writer(), chunk_size=8)
    before = list(households.find({}))
    calls = households.bulk_calls
    again = run_import(opener(data), make_writer(), chunk_size=8)
    assert (first.created, again.created, again.updated, again.unchanged) == (30, 0, 0, 30)
    assert list(households.find({})) == before
    assert households.bulk_calls == calls


def test_one_changed_field_in_a_reimport(households: BulkCollection, make_writer: Any) -> None:
    run_import(opener(csv_bytes(survey(12))), make_writer(), chunk_size=5)
    changed = survey(12, **{"H-0007": {"head_phone": "0661 00 11 22"}})
    report = run_import(opener(csv_bytes(changed)), make_writer(), chunk_size=5)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 11)
    doc = households.find_one({"household_ref": "H-0007"})
    assert doc is not None
    assert doc["members"][0]["phone"] == "+213661001122"
    assert doc["_outbox"][-1]["event_type"] == "household_updated"
    assert doc["_outbox"][-1]["data"]["fields"] == ["members"]


def test_dry_run_reports_without_writing(households: BulkCollection, make_writer: Any) -> None:
    rows = survey(5, **{"H-0003": {"head_sex": None}})
    report = run_import(opener(csv_bytes(rows)), make_writer(), dry_run=True, all_or_nothing=True)
    assert (report.created, report.invalid, report.applied, report.dry_run) == (4, 1, False, True)
    assert [(e.row, e.field, e.code) for e in report.errors] == [(4, "head_sex", "required")]
    assert households.count_documents({}) == 0


def test_all_or_nothing_writes_nothing_if_any_row_is_invalid(households: BulkCollection, make_writer: Any) -> None:
    rows = survey(9, **{"H-0009": {"m2_relationship": "voisin"}})
    report = run_import(opener(csv_bytes(rows)), make_writer(), all_or_nothing=True, chunk_size=4)
    assert (report.applied, report.created, report.invalid) == (False, 8, 1)
    assert households.count_documents({}) == 0


def test_all_or_nothing_also_checks_the_stored_state(households: BulkCollection, make_writer: Any) -> None:
    rows = survey(3, **{"H-0002": {"household_id": "0123456789abcdef01234567"}})
    report = run_import(opener(csv_bytes(rows)), make_writer(), all_or_nothing=True)
    assert [e.code for e in report.errors] == ["unknown_household_id"]
    assert households.count_documents({}) == 0


def test_all_or_nothing_applies_a_valid_file(households: BulkCollection, make_writer: Any) -> None:
    writer, phases = make_writer(), []
    report = run_import(opener(csv_bytes(survey(7))), writer, all_or_nothing=True, chunk_size=3,
                        on_progress=lambda r: phases.append(r.phase))  # fmt: skip
    assert (report.applied, report.created, report.invalid) == (True, 7, 0)
    assert households.count_documents({}) == 7
    assert phases == ["checking"] * 3 + ["applying"] * 3 + ["done"]


def test_a_file_error_stops_the_run_and_is_reported(households: BulkCollection, make_writer: Any) -> None:
    data = csv_bytes(survey(3)) + "H-0004,/DZ/16/1601,Béjaïa,M\r\n".encode("latin-1")
    report = run_import(opener(data), make_writer())
    assert report.file_error is not None and report.file_error.code == "bad_encoding"
    assert (report.complete, report.created) == (False, 3)  # the rows before it, all valid, are applied
    refused = run_import(opener(data), make_writer(), all_or_nothing=True)
    assert (refused.applied, refused.complete) == (False, False)


def test_a_malformed_file_writes_nothing(households: BulkCollection, make_writer: Any) -> None:
    report = run_import(opener(b'{"household_ref": "H-1"}', "json"), make_writer())
    assert report.file_error is not None
    assert (report.file_error.code, report.total_rows) == ("not_an_array", 0)
    assert households.count_documents({}) == 0


def test_errors_are_capped_and_the_rest_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job, "MAX_ERRORS", 3)
    rows = [head_row(f"H-{n}", head_sex="X") for n in range(5)]
    report = run_import(opener(csv_bytes(rows)), CountingWriter())
    assert (report.invalid, len(report.errors), report.errors_omitted) == (5, 3, 2)


def test_report_is_plain_json() -> None:
    report = ImportReport(total_rows=1, invalid=1)
    assert ImportReport.model_validate_json(report.model_dump_json()) == report


def test_formula_like_cells_are_imported_as_given_and_warned_about_by_row_and_column(
    households: BulkCollection, make_writer: Any
) -> None:
    rows = survey(
        3,
        **{
            "H-0001": {
                "head_given_name_lat": '=HYPERLINK("http://x.example","Ali")',
                "head_family_name_lat": "@SUM(A1)",
            },
            "H-0003": {"m3_family_name_lat": "-Benali"},
        },
    )
    report = run_import(opener(csv_bytes(rows)), make_writer())
    assert (report.created, report.invalid) == (3, 0)  # a warning refuses nothing
    assert [(w.row, w.field, w.code) for w in report.warnings] == [
        (2, "head_given_name_lat", "formula_like"),
        (2, "head_family_name_lat", "formula_like"),
        (4, "m3_family_name_lat", "formula_like"),
    ]
    stored = households.find_one({"household_ref": "H-0001"})
    assert stored is not None and stored["members"][0]["given_name_lat"] == '=HYPERLINK("http://x.example","Ali")'


def test_phones_and_plain_values_raise_no_warning(make_writer: Any) -> None:
    rows = survey(2, **{"H-0001": {"head_phone": "+213 550 12 34 56"}, "H-0002": {"head_phone": "+213550123456"}})
    report = run_import(opener(csv_bytes(rows)), make_writer())
    assert (report.created, report.warnings) == (2, [])
