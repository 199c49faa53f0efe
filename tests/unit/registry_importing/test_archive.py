"""Zip-based uploads are checked before anything of them is inflated (``registry.importing.archive``)."""

import io
import zipfile
from unittest import mock

import pytest

from registry.importing.archive import check_archive
from registry.importing.errors import ImportFileError
from registry.importing.formats import read_rows
from tests.unit.registry_importing.conftest import head_row, padded_xlsx, xlsx_bytes


def workbook() -> bytes:
    row = head_row("H-1")
    return xlsx_bytes(list(row), [list(row.values())])


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive_file:
        for name, data in members.items():
            archive_file.writestr(name, data)
    return out.getvalue()


def test_a_zip_bomb_xlsx_is_refused_before_it_is_inflated() -> None:
    bomb = padded_xlsx(workbook(), 64)
    assert len(bomb) < 200 * 1024  # 64 MiB inflated
    inflating = mock.patch.object(zipfile.ZipFile, "open", side_effect=AssertionError("a member was inflated"))
    with inflating, pytest.raises(ImportFileError) as caught:
        list(read_rows(io.BytesIO(bomb), "xlsx"))
    assert caught.value.code == "archive_bomb"
    assert caught.value.row is None  # before any row: nothing of the file is imported


def test_an_ordinary_workbook_passes_and_is_read_from_its_start() -> None:
    stream = io.BytesIO(workbook())
    check_archive(stream)
    assert stream.tell() == 0
    [row] = list(read_rows(stream, "xlsx"))
    assert row.values["household_ref"] == "H-1"


def test_a_well_compressed_sheet_under_the_ratio_passes() -> None:
    varied = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>H-{n * 7919 % 100003}</t></is></c></row>' for n in range(40_000)
    )
    check_archive(io.BytesIO(zip_of({"xl/worksheets/sheet1.xml": varied.encode()})))


def test_the_inflated_total_is_capped_even_at_a_modest_ratio() -> None:
    data = zip_of({f"part{n}.xml": bytes(range(256)) * 4096 for n in range(3)})  # 1 MiB each, barely compressible
    check_archive(io.BytesIO(data))
    with pytest.raises(ImportFileError) as caught:
        check_archive(io.BytesIO(data), max_inflated=2 * 1024 * 1024)
    assert caught.value.code == "archive_bomb" and "MiB" in caught.value.message


def test_too_many_members_is_refused() -> None:
    data = zip_of({f"m{n}": b"x" for n in range(12)})
    with pytest.raises(ImportFileError) as caught:
        check_archive(io.BytesIO(data), max_members=10)
    assert caught.value.code == "archive_bomb"


def test_the_declared_sizes_bound_what_zipfile_inflates() -> None:
    """A directory that understates a member's size gains nothing: the read stops there and fails."""
    honest = zip_of({"sheet.xml": b" " * (4 * 1024 * 1024)})
    info_at = honest.rindex(b"PK\x01\x02")  # the central directory entry: its sizes are what the check reads
    lying = bytearray(honest)
    lying[info_at + 24 : info_at + 28] = (1024).to_bytes(4, "little")  # inflated size: 1 KiB
    check_archive(io.BytesIO(bytes(lying)))
    with zipfile.ZipFile(io.BytesIO(bytes(lying))) as opened, pytest.raises(zipfile.BadZipFile):
        opened.read("sheet.xml")


def test_a_file_that_is_not_a_zip_stays_a_corrupt_xlsx() -> None:
    with pytest.raises(ImportFileError) as caught:
        list(read_rows(io.BytesIO(b"not a zip at all"), "xlsx"))
    assert caught.value.code == "corrupt_xlsx"
