"""Streaming readers of import files: CSV, JSON and XLSX, one row at a time.

Every reader yields :class:`RawRow` (``number``, ``values``, ``problem``) and holds at
most one chunk of the file in memory. Row numbers are what the user sees: the
spreadsheet row for CSV and XLSX (the header is row 1; blank rows are skipped but
counted), the element's position (from 1) in a JSON array.

- **CSV**: UTF-8, with or without BOM (bytes that are not UTF-8 stop the file at the
  row holding them; UTF-16 is refused at once); the delimiter is ``;`` or ``,``,
  whichever the header line holds more of (Excel in a French or Arabic locale writes
  ``;``). The header must follow :mod:`.layout`.
- **JSON**: one top-level array of objects, each flat (the layout's columns) or nested
  like ``HouseholdIn``. It is decoded element by element with
  ``json.JSONDecoder.raw_decode`` over blocks of ``READ_BYTES``; an element may not
  exceed ``MAX_ELEMENT`` characters, and an encoding error is located by block.
- **XLSX**: the first sheet, opened read-only; its first row is the header. Cells keep
  their text; dates become ``YYYY-MM-DD`` and whole numbers lose their ``.0``. The zip
  is checked first (:mod:`.archive`): a file that would inflate too much is refused
  (``archive_bomb``) before anything of it is inflated.

A file that cannot be read from some point on raises :class:`ImportFileError`; rows
before that point have already been yielded (see :mod:`.job` for what that means).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import chain
from pathlib import PurePath
from typing import IO, Any, Literal, NamedTuple, get_args

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from registry.importing.archive import check_archive
from registry.importing.errors import ImportFileError, RowError
from registry.importing.layout import check_header

FileFormat = Literal["csv", "json", "xlsx"]
FORMATS: tuple[str, ...] = get_args(FileFormat)
READ_BYTES = 1 << 16
MAX_ELEMENT = 1 << 20
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UNDECODED = re.compile("[\udc80-\udcff]")

__all__ = ["FORMATS", "FileFormat", "ImportFileError", "RawRow", "format_of", "read_rows"]


class RawRow(NamedTuple):
    """A row as read: ``values`` by normalised column name (blank cells are ``None``)."""

    number: int
    values: dict[str, Any]
    problem: RowError | None = None


def format_of(filename: str) -> FileFormat:
    """The format a file name announces."""
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix  # type: ignore[return-value]
    hint = " (save .xls workbooks as .xlsx)" if suffix == "xls" else ""
    raise ImportFileError("unsupported_format", f"import files are CSV, JSON or XLSX{hint}")


def read_rows(stream: IO[bytes], file_format: FileFormat) -> Iterator[RawRow]:
    """The rows of ``stream`` (binary, seekable for XLSX), lazily."""
    readers = {"csv": read_csv, "json": read_json, "xlsx": read_xlsx}
    if file_format not in readers:
        raise ImportFileError("unsupported_format", "import files are CSV, JSON or XLSX")
    return readers[file_format](stream)


def _start(stream: IO[bytes]) -> bytes:
    """The first bytes, without consuming them."""
    peek = getattr(stream, "peek", None)
    if peek is not None:
        return bytes(peek(4)[:4])
    head = stream.read(4)
    stream.seek(0)
    return head


def _check_utf8_start(stream: IO[bytes]) -> None:
    start = _start(stream)
    if not start:
        raise ImportFileError("empty_file", "the file is empty")
    if start.startswith(_UTF16_BOMS):
        raise ImportFileError("bad_encoding", "the file is UTF-16: save it as CSV UTF-8 (or JSON in UTF-8)")


def _raw_row(number: int, columns: list[str], cells: list[str | None]) -> RawRow:
    """Cells by column name; a value under no column (unnamed, or past the header) is a problem."""
    values: dict[str, Any] = dict.fromkeys(filter(None, columns))
    stray = False
    for index, cell in enumerate(cells):
        name = columns[index] if index < len(columns) else ""
        if name:
            values[name] = cell
        elif cell is not None and cell.strip():
            stray = True
    if not stray:
        return RawRow(number, values)
    message = f"{len(cells)} cells for {len(columns)} columns, a value under no column (an unquoted delimiter?)"
    return RawRow(number, values, RowError(row=number, field=None, code="extra_cells", message=message))


def _not_utf8(number: int) -> ImportFileError:
    return ImportFileError("bad_encoding", f"row {number} is not UTF-8 text (save the file as CSV UTF-8)", row=number)


def read_csv(stream: IO[bytes]) -> Iterator[RawRow]:
    _check_utf8_start(stream)
    # Undecodable bytes become lone surrogates, so the error is located at its row.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    number = 1
    try:
        first = text.readline()
        if _UNDECODED.search(first):
            raise _not_utf8(number)
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(chain([first], text), delimiter=delimiter)
        columns = check_header(next(reader, []))
        for cells in reader:
            number += 1
            if _UNDECODED.search("".join(cells)):
                raise _not_utf8(number)
            if any(cell.strip() for cell in cells):
                yield _raw_row(number, columns, [cell or None for cell in cells])
    except csv.Error as exc:
        raise ImportFileError("malformed_csv", f"unreadable CSV near row {number}: {exc}", row=number) from None
    finally:
        text.detach()


class _JsonArray:
    """A top-level JSON array read element by element from a byte stream."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.json = json.JSONDecoder()
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.index = 0

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(READ_BYTES)
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            message = f"the file is not UTF-8 (after element {self.index})"
            raise ImportFileError("bad_encoding", message, row=self.index or None) from None
        self.eof = not chunk
        self.buffer = self.buffer[self.pos :] + text
        self.pos = 0
        return True

    def _next_char(self) -> str | None:
        """The next non-blank character (not consumed), or None at the end of the file."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return None

    def _malformed(self, message: str) -> ImportFileError:
        return ImportFileError("malformed_json", message, row=self.index or None)

    def _element(self) -> Any:
        while True:
            try:
                value, end = self.json.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buffer) - self.pos > MAX_ELEMENT:
                    raise self._malformed(f"element {self.index} is malformed or too large") from None
                if not self._more():
                    raise self._malformed(f"element {self.index}: {exc.msg}") from None
                continue
            self.pos = end
            return value

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        if self._next_char() is None:
            raise ImportFileError("empty_file", "the file is empty")
        if self._next_char() != "[":
            raise ImportFileError("not_an_array", "a JSON import is one array of objects: [{...}, {...}]")
        self.pos += 1
        if self._next_char() == "]":
            self.pos += 1
        else:
            while True:
                self.index += 1
                if self._next_char() != "{":
                    raise ImportFileError("not_an_object", f"element {self.index} is not an object", row=self.index)
                yield self.index, self._element()
                separator = self._next_char()
                self.pos += 1
                if separator == "]":
                    break
                if separator != ",":
                    raise self._malformed(f"expected ',' or ']' after element {self.index}")
        if self._next_char() is not None:
            raise self._malformed("data after the closing ]")


def read_json(stream: IO[bytes]) -> Iterator[RawRow]:
    _check_utf8_start(stream)
    for index, element in _JsonArray(stream):
        yield RawRow(index, element)


def _cell_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


_XLSX_ERRORS = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError, EOFError)


def read_xlsx(stream: IO[bytes]) -> Iterator[RawRow]:
    if not _start(stream):
        raise ImportFileError("empty_file", "the file is empty")
    number = 0
    try:
        check_archive(stream)
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except _XLSX_ERRORS:
        raise ImportFileError("corrupt_xlsx", "the file is not a readable XLSX workbook") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        number = 1
        if header is None:
            raise ImportFileError("empty_file", "the first sheet is empty")
        columns = check_header(header)
        for cells in rows:
            number += 1
            texts = [_cell_text(cell) for cell in cells]
            if any(text is not None and text.strip() for text in texts):
                yield _raw_row(number, columns, texts)
    except IndexError:
        raise ImportFileError("corrupt_xlsx", "the workbook has no sheet") from None
    except _XLSX_ERRORS:
        raise ImportFileError("corrupt_xlsx", f"the workbook is damaged near row {number}", row=number) from None
    finally:
        workbook.close()
