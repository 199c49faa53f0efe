"""An import run: read, validate, check the match keys, write in chunks, report.

Policy for invalid rows (nothing is ever dropped unseen):

- **default**: valid rows are applied, chunk by chunk; every invalid row is reported
  (row, field, code) and counted in ``invalid``, and nothing of it is written.
- **all_or_nothing**: the whole file is first checked (validation, duplicate keys, and
  a dry run of the writer against the stored state); if any row is invalid, nothing is
  written and the report is that check's. Otherwise the file is read again and applied.

A file error (bad encoding, broken CSV/JSON/XLSX…) stops the run where it is found and
is reported as ``file_error``; the valid rows read before it are applied (default) or,
with ``all_or_nothing``, nothing is. A database failure raises out of the run. Either
way, importing the corrected file again completes the work and changes nothing that is
already right: without transactions this is how a run is "never half-applied silently",
it is resumable instead.

Duplicate match keys inside the file (``household_ref``, or ``household_id``) are
refused from their second occurrence on: the first was already applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from pydantic import BaseModel

from common.spreadsheet import FORMULA_LIKE, formula_fields
from registry.importing.errors import ImportFileError, RowError
from registry.importing.formats import RawRow
from registry.importing.rows import ValidRow, parse_row

if TYPE_CHECKING:
    from registry.importing.writer import ChunkResult

DEFAULT_CHUNK = 1000
MAX_ERRORS = 1000

PlanT = TypeVar("PlanT")


class ChunkWriter(Protocol[PlanT]):
    """Decides a chunk, then writes it: :class:`registry.importing.writer.HouseholdWriter`."""

    def plan(self, rows: Sequence[ValidRow], dry_run: bool) -> PlanT:
        """What the chunk would do (reads, no writes)."""

    def commit(self, plan: PlanT, /) -> ChunkResult:
        """Write it (nothing for a dry run's plan) and say what was done."""


Parser = Callable[[RawRow], ValidRow | list[RowError]]
Phase = Literal["checking", "applying", "done"]


class ImportReport(BaseModel):
    """What a run did. ``total_rows = created + updated + unchanged + invalid``.

    ``applied`` says whether the counts were written (False for a dry run and for an
    all-or-nothing run refused at the check); ``errors`` holds the first
    ``MAX_ERRORS``, ``errors_omitted`` counts the rest. ``warnings`` (as many, the same
    way) flag values stored as given that need care: ``formula_like``, a cell a
    spreadsheet would run as a formula (:mod:`common.spreadsheet`; exports neutralise it).
    """

    phase: Phase = "checking"
    dry_run: bool = False
    all_or_nothing: bool = False
    applied: bool = False
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = []
    errors_omitted: int = 0
    warnings: list[RowError] = []
    warnings_omitted: int = 0
    file_error: RowError | None = None

    @property
    def complete(self) -> bool:
        """The whole file was read."""
        return self.file_error is None


Progress = Callable[[ImportReport], None]
"""Called after every chunk written with the live report (``total_rows`` counts the rows
read so far, up to two chunks ahead of the counts): read it there, do not keep it."""


class _Pass:
    """One reading of the file, feeding the writer chunk by chunk.

    Writes run one chunk behind, in a worker thread: while the database stores chunk n,
    this thread reads, validates and plans chunk n+1 (pymongo leaves the GIL while it
    waits, and so does a green thread under eventlet). Planning ahead of the previous
    write is safe because a file names each household once.
    """

    def __init__(
        self,
        writer: ChunkWriter[Any],
        parse: Parser,
        report: ImportReport,
        chunk_size: int,
        progress: Progress,
        worker: Executor,
    ) -> None:
        self.writer = writer
        self.parse = parse
        self.report = report
        self.chunk_size = chunk_size
        self.progress = progress
        self.worker = worker
        self.chunk: list[ValidRow] = []
        self.writing: Future[ChunkResult] | None = None
        self.refs: dict[str, int] = {}
        self.ids: dict[str, int] = {}
        self.reported_at = 0

    def reject(self, errors: Sequence[RowError]) -> None:
        report = self.report
        report.invalid += len({e.row for e in errors})
        room = max(0, MAX_ERRORS - len(report.errors))
        report.errors.extend(errors[:room])
        report.errors_omitted += max(0, len(errors) - room)

    def warn(self, raw: RawRow) -> None:
        """Flag the row's values a spreadsheet would evaluate; the row is not refused for them."""
        report = self.report
        for field in formula_fields(raw.values):
            if len(report.warnings) >= MAX_ERRORS:
                report.warnings_omitted += 1
                continue
            message = "starts like a spreadsheet formula: stored as given, exported as text"
            report.warnings.append(RowError(row=raw.number, field=field, code=FORMULA_LIKE, message=message))

    def _duplicate(self, row: ValidRow) -> RowError | None:
        if (first := self.refs.get(row.ref)) is not None:
            message = f"household_ref {row.ref} is also on row {first}"
            return RowError(row=row.row, field="household_ref", code="duplicate_ref_in_file", message=message)
        if row.household_id and (first := self.ids.get(row.household_id)) is not None:
            message = f"the household_id is also on row {first}"
            return RowError(row=row.row, field="household_id", code="duplicate_id_in_file", message=message)
        self.refs[row.ref] = row.row
        if row.household_id:
            self.ids[row.household_id] = row.row
        return None

    def take(self, raw: RawRow) -> None:
        self.report.total_rows += 1
        self.warn(raw)
        parsed = self.parse(raw)
        if isinstance(parsed, list):
            self.reject(parsed)
        elif (duplicate := self._duplicate(parsed)) is not None:
            self.reject([duplicate])
        else:
            self.chunk.append(parsed)
        if len(self.chunk) >= self.chunk_size:
            self.flush()
        elif self.report.total_rows - self.reported_at >= self.chunk_size:
            self._progress()  # a stretch of invalid rows: no chunk to wait for

    def flush(self) -> None:
        """Plan the chunk, then hand it to the worker once the previous one is stored."""
        self.reported_at = self.report.total_rows
        planned = self.writer.plan(self.chunk, not self.report.applied) if self.chunk else None
        self.chunk = []
        self.wait()
        if planned is not None:
            self.writing = self.worker.submit(self.writer.commit, planned)

    def wait(self) -> None:
        """Count the chunk being written, when it is."""
        if self.writing is None:
            return
        result, self.writing = self.writing.result(), None
        report = self.report
        report.created += result.created
        report.updated += result.updated
        report.unchanged += result.unchanged
        if result.errors:
            self.reject(result.errors)
        self._progress()

    def _progress(self) -> None:
        self.reported_at = self.report.total_rows
        self.progress(self.report)

    def run(self, rows: Iterable[RawRow]) -> ImportReport:
        try:
            for raw in rows:
                self.take(raw)
        except ImportFileError as exc:
            self.report.file_error = exc.as_row_error()
        self.flush()
        self.wait()
        return self.report


def _ignore(report: ImportReport) -> None:
    return None


def run_import(
    open_rows: Callable[[], Iterable[RawRow]],
    writer: ChunkWriter[Any],
    *,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    parse: Parser = parse_row,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Import the rows ``open_rows()`` yields (called twice with ``all_or_nothing``) through ``writer``."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    progress = on_progress or _ignore

    def run(phase: Phase, applied: bool) -> ImportReport:
        report = ImportReport(phase=phase, dry_run=dry_run, all_or_nothing=all_or_nothing, applied=applied)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as worker:
            return _Pass(writer, parse, report, chunk_size, progress, worker).run(open_rows())

    if dry_run or not all_or_nothing:
        report = run("checking" if dry_run else "applying", applied=not dry_run)
    else:
        report = run("checking", applied=False)
        if report.invalid == 0 and report.file_error is None:
            report = run("applying", applied=True)
    report.phase = "done"
    progress(report)
    return report
