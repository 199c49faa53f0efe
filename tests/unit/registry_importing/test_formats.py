import io
import json
from datetime import date, datetime

import pytest

from registry.importing import formats
from registry.importing.errors import ImportFileError
from registry.importing.formats import RawRow, format_of, read_rows
from tests.unit.registry_importing.conftest import csv_bytes, head_row, xlsx_bytes


def rows_of(data: bytes, file_format: formats.FileFormat) -> list[RawRow]:
    return list(read_rows(io.BytesIO(data), file_format))


def file_error(data: bytes, file_format: formats.FileFormat) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        rows_of(data, file_format)
    return caught.value


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (",", True), (";", True), (";", False)])
def test_csv_keeps_arabic_text_with_either_delimiter_and_bom(delimiter: str, bom: bool) -> None:
    rows = rows_of(csv_bytes([head_row("H-1"), head_row("H-2")], delimiter=delimiter, bom=bom), "csv")
    assert [row.number for row in rows] == [2, 3]
    assert rows[0].values["household_ref"] == "H-1"  # the BOM is not part of the first column's name
    assert rows[0].values["head_family_name_ar"] == "بن علي"
    assert rows[0].values["address"] == "12 شارع ديدوش مراد"
    assert rows[0].problem is None


def test_csv_headers_are_case_insensitive_and_blank_rows_skipped_but_counted() -> None:
    data = "Household_Ref , AREA,address,head_sex,_uuid\r\nH-1,/DZ/16/1601,rue A,M,x\r\n,,,,\r\n"
    data += "H-2,/DZ/16/1601,rue B,F,\r\n"
    rows = rows_of(data.encode(), "csv")
    assert [(row.number, row.values["household_ref"]) for row in rows] == [(2, "H-1"), (4, "H-2")]
    assert rows[1].values["_uuid"] is None  # blank cells are absent values


def test_csv_quoted_values_may_hold_delimiters_and_newlines() -> None:
    data = 'household_ref;area;address;head_sex\r\nH-1;/DZ/16/1601;"cité 5; bloc A\r\nporte 3";M\r\n'
    [row] = rows_of(data.encode(), "csv")
    assert row.values["address"] == "cité 5; bloc A\r\nporte 3"


def test_csv_extra_cells_are_a_row_problem() -> None:
    data = "household_ref,area,address,head_sex\r\nH-1,/DZ/16/1601,rue A,M\r\nH-2,/DZ/16/1601,12,rue B,F\r\n"
    first, second = rows_of(data.encode(), "csv")
    assert first.problem is None
    assert second.problem is not None
    assert (second.problem.row, second.problem.code) == (3, "extra_cells")


def test_csv_not_utf8_is_a_file_error_at_its_row() -> None:
    data = csv_bytes([head_row("H-1")]) + "H-2,/DZ/16/1601,Bordj Bou Arréridj,M\r\n".encode("latin-1")
    rows = read_rows(io.BytesIO(data), "csv")
    assert next(rows).number == 2
    with pytest.raises(ImportFileError) as caught:
        next(rows)
    assert (caught.value.code, caught.value.row) == ("bad_encoding", 3)


def test_csv_utf16_is_refused_with_a_hint() -> None:
    error = file_error("household_ref,area\r\n".encode("utf-16"), "csv")
    assert error.code == "bad_encoding"
    assert "UTF-8" in error.message


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("household_ref,area,address", "missing_columns"),
        ("household_ref,area,address,head_sex,notes", "unknown_columns"),
        ("household_ref,area,address,head_sex,m41_sex", "unknown_columns"),
        ("household_ref,area,address,head_sex,head_relationship", "unknown_columns"),
        ("household_ref,area,area,address,head_sex", "duplicate_columns"),
    ],
)
def test_csv_header_must_follow_the_layout(header: str, code: str) -> None:
    error = file_error(f"{header}\r\n".encode(), "csv")
    assert (error.code, error.row) == (code, 1)


def test_empty_files_are_file_errors() -> None:
    assert file_error(b"", "csv").code == "empty_file"
    assert file_error(b"\xef\xbb\xbf", "csv").code == "empty_file"
    assert file_error(b"", "json").code == "empty_file"
    assert file_error(b"  \n", "json").code == "empty_file"


def test_json_streams_flat_and_nested_objects_across_read_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "READ_BYTES", 7)  # elements and UTF-8 sequences cut at every place
    nested = {"household_ref": "H-2", "area": "/DZ/31/3101", "address": "حي السلام", "members": [{"sex": "F"}]}
    data = b"\xef\xbb\xbf" + json.dumps([head_row("H-1"), nested], ensure_ascii=False, indent=1).encode()
    rows = rows_of(data, "json")
    assert [row.number for row in rows] == [1, 2]
    assert rows[0].values["head_given_name_ar"] == "محمد"
    assert rows[1].values == nested


def test_json_empty_array_has_no_rows() -> None:
    assert rows_of(b" [ ] ", "json") == []


@pytest.mark.parametrize(
    ("data", "code", "row"),
    [
        (b'{"household_ref": "H-1"}', "not_an_array", None),
        (b'[{"a": 1}, 2]', "not_an_object", 2),
        (b'[{"a": 1}, {"a": ', "malformed_json", 2),
        (b'[{"a": 1} {"a": 2}]', "malformed_json", 1),
        (b'[{"a": 1}] x', "malformed_json", 1),
        (b'[{"a": 1}, {"a": "\xff"}]', "bad_encoding", None),  # decoded by blocks: located by block
    ],
)
def test_json_malformed_files(data: bytes, code: str, row: int | None) -> None:
    error = file_error(data, "json")
    assert (error.code, error.row) == (code, row)


def test_json_rows_before_a_malformed_element_are_yielded() -> None:
    rows = read_rows(io.BytesIO(b'[{"a": 1}, {"a": 2}, {"a": '), "json")
    assert next(rows).number == 1
    assert next(rows).number == 2
    with pytest.raises(ImportFileError):
        next(rows)


def test_xlsx_reads_the_first_sheet_with_typed_cells() -> None:
    header = ["household_ref", "area", "address", "head_given_name_ar", "head_sex"]
    header += ["head_birth_date", "head_birth_year"]
    rows = [
        ["H-1", "/DZ/16/1601", "حي 5 جويلية", "محمد", "M", datetime(1961, 4, 12), 1961],
        [None, None, None, None, None, None, None],
        [1002, "/DZ/16/1601", "rue B", "فاطمة", "F", date(1965, 3, 2), 1965.0],
    ]
    read = rows_of(xlsx_bytes(header, rows), "xlsx")
    assert [row.number for row in read] == [2, 4]
    assert read[0].values["head_birth_date"] == "1961-04-12"
    assert read[0].values["head_birth_year"] == "1961"
    assert read[0].values["address"] == "حي 5 جويلية"
    assert read[1].values["household_ref"] == "1002"
    assert read[1].values["head_birth_year"] == "1965"


def test_xlsx_cells_beyond_the_header_are_a_row_problem() -> None:
    data = xlsx_bytes(["household_ref", "area", "address", "head_sex"], [["H-1", "/DZ", "a", "M", "x"]])
    [row] = rows_of(data, "xlsx")
    assert row.problem is not None
    assert row.problem.code == "extra_cells"


def test_xlsx_corrupt_or_missing_columns() -> None:
    assert file_error(b"PK\x03\x04 not really a zip", "xlsx").code == "corrupt_xlsx"
    assert file_error(csv_bytes([head_row()]), "xlsx").code == "corrupt_xlsx"
    assert file_error(xlsx_bytes(["household_ref", "area"], [["H-1", "/DZ/16/1601"]]), "xlsx").code == "missing_columns"


def test_format_from_file_name() -> None:
    assert [format_of(name) for name in ("a.csv", "B.JSON", "survey 2025.xlsx")] == ["csv", "json", "xlsx"]
    with pytest.raises(ImportFileError) as caught:
        format_of("old.xls")
    assert caught.value.code == "unsupported_format"
    assert ".xlsx" in caught.value.message
