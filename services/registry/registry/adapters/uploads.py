"""Import files uploaded through the gateway, kept in parts until their import ends.

The gateway streams a request body to the registry in parts of about 1 MiB
(``put_upload_part``): each part is one document of ``upload_parts`` keyed
``<upload_id>:<seq:06d>``, and one header in ``uploads`` (keyed by the upload id) holds
the owner, the area, the size and the number of parts. Every read and write names a
document by its text ``_id``.

- **Order and ownership**: part ``seq`` must be the next one; a part already stored is
  a redelivered call and changes nothing; a part out of order, for someone else's
  upload, or for an upload whose import has started answers :class:`NotFound`.
- **Size**: an upload past ``IMPORT_MAX_BYTES`` (default 100 MiB) is dropped and
  answers :class:`ValidationFailed`.
- **Reading**: :meth:`MongoUploadRepository.open` gives a binary file over the parts,
  fetched one at a time; a seekable one (XLSX) is spooled to a temporary file first.
- **Lifetime**: the raw file holds personal data: its import job deletes it when it
  ends, and :meth:`MongoUploadRepository.sweep` removes uploads left unfinished after
  ``ABANDONED_AFTER``. The job keeps the report, never the file.

Parts are stored zlib-compressed (level 1): CSV and JSON shrink several times.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from bson import Binary
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from common import clock
from common.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

ENV_MAX_BYTES = "IMPORT_MAX_BYTES"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
ABANDONED_AFTER = timedelta(hours=24)
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # a seekable copy beyond this goes to a temporary file
READ_BUFFER = 1 << 16


def configured_max_bytes(environ: Mapping[str, str] | None = None) -> int:
    """``IMPORT_MAX_BYTES`` from the environment, else 100 MiB."""
    value = (os.environ if environ is None else environ).get(ENV_MAX_BYTES, "")
    return int(value) if value.strip().isdigit() and int(value) > 0 else DEFAULT_MAX_BYTES


def part_id(upload_id: str, seq: int) -> str:
    return f"{upload_id}:{seq:06d}"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _state(header: Mapping[str, Any]) -> dict[str, Any]:
    return {"upload_id": header["_id"], "parts": header["parts"], "size": header["size"]}


class PartsReader(io.RawIOBase):
    """A read-only raw stream over ``fetch(0)``, ``fetch(1)``, … ``fetch(parts - 1)``."""

    def __init__(self, fetch: Callable[[int], bytes], parts: int) -> None:
        super().__init__()
        self._fetch = fetch
        self._parts = parts
        self._next = 0
        self._current = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        target = memoryview(buffer).cast("B")
        while self._offset >= len(self._current):
            if self._next >= self._parts:
                return 0
            self._current, self._offset = self._fetch(self._next), 0
            self._next += 1
        count = min(len(target), len(self._current) - self._offset)
        target[:count] = self._current[self._offset : self._offset + count]
        self._offset += count
        return count


class MongoUploadRepository:
    """Uploads in ``uploads`` (headers) and ``upload_parts`` (the bytes), by text ``_id`` only."""

    def __init__(self, database: Database[Any], max_bytes: int | None = None) -> None:
        self.database = database
        self.uploads = database["uploads"]
        self.parts = database["upload_parts"]
        self.max_bytes = max_bytes if max_bytes is not None else configured_max_bytes()

    def put_part(self, upload_id: str, seq: int, data: bytes, owner: str, area: str) -> dict[str, Any]:
        header = self.uploads.find_one({"_id": upload_id})
        if header is None and seq == 0:
            header = {"_id": upload_id, "owner": owner, "area": area, "size": 0, "parts": 0}
            header.update({"created_at": clock.now(), "job_id": None})
            try:
                self.uploads.insert_one(header)
            except DuplicateKeyError:
                header = self.uploads.find_one({"_id": upload_id})
        if header is None or header["owner"] != owner or header.get("job_id") or seq > header["parts"]:
            raise NotFound("upload not found, or this part is not the next one", {"upload_id": upload_id, "seq": seq})
        if seq < header["parts"]:
            return _state(header)  # stored already: a redelivered call
        size = header["size"] + len(data)
        if size > self.max_bytes:
            self.discard(upload_id)
            raise ValidationFailed(f"the file exceeds {self.max_bytes} bytes", {"max_bytes": self.max_bytes})
        part = {"_id": part_id(upload_id, seq), "data": Binary(zlib.compress(data, 1)), "size": len(data)}
        try:
            self.parts.insert_one(part)
        except DuplicateKeyError:
            self.parts.replace_one({"_id": part["_id"]}, part)  # left by a call that stopped before counting it
        header.update({"parts": seq + 1, "size": size})
        self.uploads.update_one({"_id": upload_id}, {"$set": {"parts": seq + 1, "size": size}})
        return _state(header)

    def get(self, upload_id: str) -> dict[str, Any] | None:
        return self.uploads.find_one({"_id": upload_id})

    def attach(self, upload_id: str, job_id: str) -> None:
        self.uploads.update_one({"_id": upload_id}, {"$set": {"job_id": job_id}})

    def _part(self, upload_id: str, seq: int) -> bytes:
        doc = self.parts.find_one({"_id": part_id(upload_id, seq)})
        if doc is None:
            raise NotFound("the uploaded file is incomplete or was removed", {"upload_id": upload_id})
        return zlib.decompress(doc["data"])

    def open(self, upload_id: str, seekable: bool = False) -> IO[bytes]:
        header = self.get(upload_id)
        if header is None:
            raise NotFound("upload not found", {"upload_id": upload_id})
        raw = PartsReader(lambda seq: self._part(upload_id, seq), int(header["parts"]))
        stream = io.BufferedReader(raw, buffer_size=READ_BUFFER)
        if not seekable:
            return stream
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - returned open
        with stream:
            shutil.copyfileobj(stream, spool, READ_BUFFER)
        spool.seek(0)
        return spool

    def discard(self, upload_id: str) -> None:
        header = self.get(upload_id)
        if header is None:
            return
        # One command for all parts (the one past the count may have been stored uncounted).
        ids = [part_id(upload_id, seq) for seq in range(int(header["parts"]) + 1)]
        self.parts.delete_many({"_id": {"$in": ids}})
        self.uploads.delete_one({"_id": upload_id})

    def sweep(self, job_running: Callable[[str], bool]) -> int:
        cutoff = clock.now() - ABANDONED_AFTER
        headers = list(self.uploads.find({}, {"created_at": 1, "job_id": 1}))  # a handful of small documents
        swept = 0
        for header in headers:
            if _aware(header["created_at"]) >= cutoff or (header.get("job_id") and job_running(header["job_id"])):
                continue
            self.discard(header["_id"])
            swept += 1
        return swept
