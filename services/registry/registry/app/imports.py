"""Bulk import of households: upload a file in parts, import it as a job, screen what it wrote.

The gateway streams the file with ``put_upload_part`` (see :mod:`registry.adapters.uploads`),
then calls ``start_import``, which answers at once with the job (``get_job``) and runs
:func:`registry.importing.job.run_import` beside the RPC workers. The upload id is the
idempotency key of both calls: a part stored twice counts once, and a second start of an
upload being imported answers the same job. The job's progress is the live
:class:`~registry.importing.job.ImportReport`; its result is the final report plus the
screening's counts (``held_for_review``, ``updated_in_review``). The uploaded file is
deleted when the job ends, whatever the outcome.

Duplicate screening: after each chunk is written, the households it created or updated
are compared with the registry, as registration compares a new household (shared
blocking keys, then the member-to-member comparison). A created household that
probably is one already stored is set ``held_for_review`` and gets a review item per
household it resembles. Households created earlier by the same file are compared too
(a file naming one family under two references holds the later one), never one created
after it, so only the newer of a pair is held. An updated household (a member added,
say) gets review items too, but is not held: it is established, perhaps receiving aid,
as the batch scan leaves the pairs it finds. Pairs queued or decided before are never
asked again.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from common import areas
from common.context import CallerContext
from common.errors import Conflict, NotFound, ValidationFailed
from common.jobs import Report, run_job
from common.pii import NationalIdProtector
from registry.app.households import CANDIDATE_LIMIT
from registry.app.ports import (
    HouseholdRepository,
    ImportedHouseholdStore,
    JobRepository,
    RecordId,
    ReviewRepository,
    UploadRepository,
)
from registry.dedup import DEFAULT_POLICY, searched
from registry.domain.uploads import MAX_PART_BYTES, UPLOAD_ID
from registry.duplicates import findings, person_records
from registry.importing.formats import FORMATS, FileFormat, RawRow, read_rows
from registry.importing.job import DEFAULT_CHUNK, ImportReport, run_import
from registry.importing.rows import ValidRow
from registry.importing.stored import check_source
from registry.importing.writer import ChunkPlan, ChunkResult, HouseholdWriter

if TYPE_CHECKING:
    from common.nameko_ext.background import Spawn


MAX_SEQ = 999_999  # part ids hold six digits
POOL_PER_HOUSEHOLD = 200
"""Registry households read per screened one, at most: a guard (each searches its keys within
``DedupPolicy.search_budget`` per member). The read is not ranked; the ``CANDIDATE_LIMIT`` per
household is applied after ranking."""
SCREEN_GROUP = 250
"""Written households screened per read of the registry: a read's keys and results stay bounded
whatever the chunk size (one read of a 1,000-household chunk's 16,000 keys took 3x longer than
four reads of 250 households' keys, measured on FerretDB 2.7)."""

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportRequest:
    """What ``start_import`` was asked, checked."""

    upload_id: str
    file_format: FileFormat
    source: str
    dry_run: bool
    all_or_nothing: bool


class ScreeningWriter:
    """The import's :class:`HouseholdWriter`, screening each written chunk's households.

    A read of the households created or updated (by ``_id``), then, per group of
    ``SCREEN_GROUP`` of them, one read of their keys' block sizes (``blocking_blocks``),
    and one of every stored household holding a key one of them searches (through the
    ``dedup_keys`` index). Each searches its rarest keys within the policy's budget
    (``registry.dedup.searched``), so a screen's work stays bounded as the registry
    grows. A household's candidates are ranked by how many searched keys they share
    with it, and the likeliest compared (``DedupPolicy.compared_per_member``, at most
    ``CANDIDATE_LIMIT``).
    """

    def __init__(self, writer: HouseholdWriter, households: ImportedHouseholdStore, reviews: ReviewRepository) -> None:
        self.writer = writer
        self.households = households
        self.reviews = reviews
        self.held = 0  # created households held for review
        self.updated_in_review = 0  # updated households with new review items, not held

    def plan(self, rows: Sequence[ValidRow], dry_run: bool) -> ChunkPlan:
        return self.writer.plan(rows, dry_run)

    def commit(self, plan: ChunkPlan, /) -> ChunkResult:
        result = self.writer.commit(plan)
        if not plan.dry_run:
            written = list(zip(plan.ids, plan.kinds, strict=True))
            self.screen(
                created=[oid for oid, kind in written if kind == "created"],
                updated=[oid for oid, kind in written if kind == "updated"],
            )
        return result

    def screen(self, created: list[RecordId], updated: list[RecordId]) -> None:
        """Queue reviews for the households that probably are stored already; hold the created ones."""
        if not created and not updated:
            return
        written = self.households.screened(created + updated)
        new = set(created)
        for start in range(0, len(written), SCREEN_GROUP):
            self._screen_group(written[start : start + SCREEN_GROUP], new)

    def _screen_group(self, written: list[dict[str, Any]], new: set[RecordId]) -> None:
        """Screen a group of written households against the households sharing one of the keys each searches."""
        sizes = self.households.block_sizes(sorted({key for doc in written for key in doc.get("dedup_keys") or []}))
        searching = {doc["_id"]: _searched(doc, sizes) for doc in written}
        keys = sorted({key for chosen in searching.values() for key in chosen})
        if not keys:
            return
        pool = self.households.holding(keys, POOL_PER_HOUSEHOLD * len(written))
        blocks = _blocks(pool, set(keys))
        for doc in written:
            shared: Counter[int] = Counter()
            by_index: dict[int, dict[str, Any]] = {}
            for key in searching[doc["_id"]]:
                for index, other in blocks.get(key, ()):
                    shared[index] += 1
                    by_index[index] = other
            candidates = [
                other
                for other in (by_index[index] for index in sorted(shared, key=lambda i: (-shared[i], i)))
                if other["_id"] != doc["_id"]
                # a household created in this chunk is screened itself, against the older ones
                and not (other["_id"] in new and (doc["_id"] not in new or other["_id"] > doc["_id"]))
            ][: _compared(doc)]
            found = findings(person_records(str(doc["_id"]), doc["area"], doc.get("members", [])), candidates)
            if not found:
                continue
            # Reviews first: a crash in between leaves an active household under review, not a held one without.
            opened = self.reviews.open(str(doc["_id"]), doc["area"], found)
            if doc["_id"] in new:
                self.households.hold(doc["_id"])
                self.held += 1
            elif opened:
                self.updated_in_review += 1

    def counts(self) -> dict[str, int]:
        """What screening did, for the job's progress and result."""
        return {"held_for_review": self.held, "updated_in_review": self.updated_in_review}


def _searched(doc: dict[str, Any], sizes: dict[str, int]) -> list[str]:
    """The keys a written household searches (``registry.dedup.searched``): its blocks less itself."""
    keys = doc.get("dedup_keys") or []
    others = {key: sizes.get(key, 0) - 1 for key in keys}  # the household is written: its blocks count it
    return searched(others, members=len(doc.get("members") or ()))


def _compared(doc: dict[str, Any]) -> int:
    """How many of a written household's ranked candidates it is compared with."""
    return min(CANDIDATE_LIMIT, DEFAULT_POLICY.compared_per_member * max(1, len(doc.get("members") or ())))


def _blocks(pool: list[dict[str, Any]], wanted: set[str]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """The pool's households by the ``wanted`` blocking keys, each with its place in the pool.

    A household's candidates are the union of its keys' blocks, in pool order: the work
    grows with the blocks' sizes, not with the chunk times the pool.
    """
    blocks: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, other in enumerate(pool):
        for key in wanted.intersection(other.get("dedup_keys") or ()):
            blocks[key].append((index, other))
    return blocks


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(f"{name} must be true or false", {name: value})
    return value


def _upload_id(upload_id: Any) -> str:
    if not isinstance(upload_id, str) or not UPLOAD_ID.match(upload_id):
        raise ValidationFailed("upload_id is 8 to 64 letters, digits, '_' or '-'", {"upload_id": upload_id})
    return upload_id


def _request(upload_id: Any, file_format: Any, source: Any, dry_run: Any, all_or_nothing: Any) -> ImportRequest:
    if file_format not in FORMATS:
        raise ValidationFailed("format must be csv, json or xlsx", {"format": file_format})
    try:
        checked_source = check_source(source)
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"source": source}) from None
    return ImportRequest(
        upload_id=_upload_id(upload_id),
        file_format=file_format,
        source=checked_source,
        dry_run=_flag("dry_run", dry_run),
        all_or_nothing=_flag("all_or_nothing", all_or_nothing),
    )


def put_part(
    uploads: UploadRepository, caller: CallerContext, upload_id: str, seq: int, data_b64: str
) -> dict[str, Any]:
    """Store part ``seq`` (0, 1, 2… in order) of the caller's file to import, base64-encoded.

    Part 0 opens the upload for the caller; only the caller adds to it or imports it.
    Answers ``{upload_id, parts, size}``.
    """
    checked = _upload_id(upload_id)
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= MAX_SEQ:
        raise ValidationFailed(f"seq must be 0 to {MAX_SEQ}", {"seq": seq})
    if not isinstance(data_b64, str) or len(data_b64) > (MAX_PART_BYTES // 3 + 1) * 4:
        raise ValidationFailed(f"a part is base64 text of at most {MAX_PART_BYTES} bytes", {"seq": seq})
    try:
        data = base64.b64decode(data_b64, validate=True)
    except binascii.Error:
        raise ValidationFailed("the part is not base64", {"seq": seq}) from None
    return uploads.put_part(checked, seq, data, caller.user_id, caller.area)


def discard(uploads: UploadRepository, caller: CallerContext, upload_id: str) -> None:
    """Drop the caller's upload that will not be imported (the gateway's cleanup after a failed transfer)."""
    checked = _upload_id(upload_id)
    header = uploads.get(checked)
    if header is None or header["owner"] != caller.user_id or header.get("job_id"):
        raise NotFound("upload not found", {"upload_id": checked})
    uploads.discard(checked)


@dataclass(frozen=True)
class ImportDevices:
    """What an import touches: the stores, the national-id protector and the background runner."""

    households: HouseholdRepository
    reviews: ReviewRepository
    uploads: UploadRepository
    jobs: JobRepository
    national_ids: NationalIdProtector
    background: Spawn


def start_import(
    devices: ImportDevices,
    caller: CallerContext,
    upload_id: str,
    file_format: str,
    source: str,
    dry_run: bool,
    all_or_nothing: bool,
) -> dict[str, Any]:
    """Import an uploaded file of households as a job; the same upload again answers the same job.

    ``source`` names the survey or export: with each row's ``household_ref`` it is the
    match key, so importing a corrected file again updates instead of duplicating.
    Rows outside the caller's area are refused. Two imports of one source never run
    at once (Conflict, naming the running job only if it is inside the caller's area).
    """
    uploads, jobs = devices.uploads, devices.jobs
    request = _request(upload_id, file_format, source, dry_run, all_or_nothing)
    header = uploads.get(request.upload_id)
    if header is None or header["owner"] != caller.user_id:
        raise NotFound("upload not found", {"upload_id": request.upload_id})
    if header.get("job_id") and (started := jobs.get(header["job_id"])) is not None:
        return started  # the same call again
    params = {
        "upload_id": request.upload_id,
        "format": request.file_format,
        "source": request.source,
        "dry_run": request.dry_run,
        "all_or_nothing": request.all_or_nothing,
        "size": header["size"],
    }
    try:
        job = jobs.start("import", caller.area, caller.user_id, params, exclusive=f"import:{request.source}")
    except Conflict as clash:
        held = jobs.get(str(clash.details.get("job_id")))
        if held is None or not areas.contains(caller.area, held["area"]):
            raise Conflict(clash.message) from None  # another area's job: not even its id
        raise
    job_id = job["id"]
    uploads.attach(request.upload_id, job_id)

    def work(report: Report) -> dict[str, Any]:
        return run(devices, request, caller, report)

    devices.background(lambda: run_job(jobs, job_id, work), job_id)
    return job


def run(devices: ImportDevices, request: ImportRequest, caller: CallerContext, report: Report) -> dict[str, Any]:
    """The job's work: the final report and the screening's counts; the upload is gone afterwards."""
    uploads = devices.uploads
    try:
        households = devices.households.imports()
        writer = HouseholdWriter(
            households,
            source=request.source,
            user_id=caller.user_id,
            protector=devices.national_ids,
            within=caller.area,
        )
        screening = ScreeningWriter(writer, households, devices.reviews)

        def open_rows() -> Iterator[RawRow]:
            seekable = request.file_format == "xlsx"
            with uploads.open(request.upload_id, seekable=seekable) as stream:
                yield from read_rows(stream, request.file_format)

        def progress(live: ImportReport) -> None:
            report({**live.model_dump(mode="json"), **screening.counts()})

        final = run_import(
            open_rows,
            screening,
            dry_run=request.dry_run,
            all_or_nothing=request.all_or_nothing,
            chunk_size=DEFAULT_CHUNK,
            on_progress=progress,
        )
    finally:
        uploads.discard(request.upload_id)
    result = {**final.model_dump(mode="json"), **screening.counts()}
    counts = ("total_rows", "created", "updated", "unchanged", "invalid", "held_for_review", "updated_in_review")
    log.info("import finished", extra={"import_source": request.source, **{f"import_{n}": result[n] for n in counts}})
    return result


def sweep_uploads(uploads: UploadRepository, jobs: JobRepository) -> int:
    """Delete the uploads never imported (or whose job died) after 24 h; how many."""

    def running(job_id: str) -> bool:
        job = jobs.get(job_id)
        return job is not None and job["status"] == "running"

    swept = uploads.sweep(running)
    if swept:
        log.info("abandoned uploads deleted", extra={"uploads": swept})
    return swept
