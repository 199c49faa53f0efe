"""Bulk import of households (registry): the file is the request body, the import a job.

The body is never held whole: it is read as it arrives and passed on to the registry in
parts of ``PART_BYTES`` (``put_upload_part``, base64 over RPC), then ``start_import``
starts the job and the route answers 202 with it. Bodies up to ``IMPORT_MAX_BYTES``
are accepted on this path (``MAX_BODY_BYTES`` elsewhere). A transfer that fails half
way asks the registry to drop what it received (it holds personal data).
"""

from __future__ import annotations

import base64
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status

from common.context import CallerContext
from common.contracts.jobs import JobOut
from common.errors import DomainError
from gateway.audit import audited, from_response
from gateway.deps import Caller, Rpc, RpcCaller
from gateway.errors import COMMON_ERRORS, error_responses

PATH = "/v1/imports"
PART_BYTES = 1 << 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES: dict[str, str] = {"text/csv": "csv", "application/json": "json", XLSX: "xlsx"}
SOURCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$"
FileFormat = Literal["csv", "json", "xlsx"]

LAYOUT = """One row (CSV, XLSX) or one object (JSON array) per household, the people side by side.

Household columns: `household_ref` (required: the survey's stable reference; with `source`
the match key), `household_id` (optional: binds an existing household), `area` (required:
a commune inside yours), `address` (required), `provenance_*` (`source`, `collector`,
`collected_on`, `survey_ref`), `consent_*` (`given`, `given_at`, `method`, `purposes`,
`withdrawn_at`).

People: the head's columns start with `head_` (`head_sex` is required), other members'
with `m2_` to `m40_`; each person has `given_name_ar`, `family_name_ar`,
`given_name_lat`, `family_name_lat`, `sex`, `birth_date`, `birth_year`, `relationship`
(members only), `phone`, `national_id`, `disability_type`, `disability_limitations`,
`disability_severity`, `disability_percentage`, `categories`. Lists are `|`-separated.
Columns starting with `_` are ignored; any other unknown column rejects the file. JSON
objects may also use the nested shape of a household registration. The full table is
in the registry's `registry/importing/layout.py`.

CSV: UTF-8 (with or without BOM), `,` or `;`; XLSX: the first sheet, header on row 1."""

REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "description": LAYOUT,
    "content": {media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in MEDIA_TYPES},
}

router = APIRouter(prefix=PATH, tags=["imports"], responses=COMMON_ERRORS)


def file_format(content_type: str | None, given: FileFormat | None) -> str:
    """The format from ``format`` or else the Content-Type; 415 if neither says, or they disagree."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    announced = MEDIA_TYPES.get(media_type)
    if given is not None and announced is not None and given != announced:
        raise HTTPException(415, f"the Content-Type {media_type} is not {given}")
    chosen = given or announced
    if chosen is None:
        raise HTTPException(415, f"send the file as {', '.join(MEDIA_TYPES)}, or say its format")
    return chosen


class Upload:
    """A request body on its way to the registry, in parts of ``PART_BYTES`` (at least one, maybe empty)."""

    def __init__(self, rpc: RpcCaller, caller: CallerContext) -> None:
        self.rpc = rpc
        self.caller = caller
        self.id = uuid.uuid4().hex
        self.parts = 0

    async def _put(self, part: bytes) -> None:
        data = base64.b64encode(part).decode("ascii")
        await self.rpc.call("registry", "put_upload_part", self.id, self.parts, data, context=self.caller)
        self.parts += 1

    async def send(self, body: AsyncIterator[bytes]) -> None:
        buffer = bytearray()
        async for chunk in body:
            buffer += chunk
            while len(buffer) >= PART_BYTES:
                await self._put(bytes(buffer[:PART_BYTES]))
                del buffer[:PART_BYTES]
        if buffer or self.parts == 0:
            await self._put(bytes(buffer))

    async def discard(self) -> None:
        """Best effort: the registry also deletes uploads left unimported for a day."""
        if self.parts:
            with contextlib.suppress(DomainError):
                await self.rpc.call("registry", "discard_upload", self.id, context=self.caller)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses=error_responses(401, 403, 409, 413, 415, 422, 503),
    openapi_extra={**audited("household.import", "import", from_response()), "requestBody": REQUEST_BODY},
)
async def start_import(
    request: Request,
    caller: Caller,
    rpc: Rpc,
    source: Annotated[
        str,
        Query(
            pattern=SOURCE_PATTERN,
            description="the survey or export the file comes from; with `household_ref`, the match key",
            examples=["survey-2025-alger"],
        ),
    ],
    given_format: Annotated[
        FileFormat | None, Query(alias="format", description="the file's format, if the Content-Type does not say it")
    ] = None,
    dry_run: Annotated[bool, Query(description="check the file against the registry, write nothing")] = False,
    all_or_nothing: Annotated[bool, Query(description="write nothing unless every row is valid")] = False,
) -> Any:
    """Import households from a CSV, JSON or XLSX file (the body): 202 with the job to poll (`/v1/jobs/{id}`).

    Rows are created, updated (same `source` and `household_ref`) or left alone when
    unchanged, so importing the same file again changes nothing. Invalid rows are
    reported by row, field and code in the job's result and nothing of them is written;
    rows outside your area are refused (`outside_area`). New households that probably
    are registered already are held for review (`held_for_review`); updated ones that
    now resemble another household are queued for review but stay active
    (`updated_in_review`). One import of a source runs at a time (409).

    Values a spreadsheet would run as formulas (`=`, `+`, `-`, `@`…) are imported as
    given and listed in the result's `warnings` (`formula_like`); exports write them as
    text. An XLSX that would inflate past 256 MiB, or a part of it compressed more than
    200 to 1, is refused before it is read (`file_error.code`: `archive_bomb`).
    """
    chosen = file_format(request.headers.get("content-type"), given_format)
    upload = Upload(rpc, caller)
    try:
        await upload.send(request.stream())
    except BaseException:
        await upload.discard()
        raise
    return await rpc.call(
        "registry", "start_import", upload.id, chosen, source, dry_run, all_or_nothing, context=caller
    )
