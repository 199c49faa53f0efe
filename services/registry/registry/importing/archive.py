"""The check every zip-based upload (XLSX today; ODS or a zip of files if ever accepted) passes before it is read.

A zip's central directory, at the end of the file, declares every member's compressed
and inflated size. :func:`check_archive` reads only that directory (nothing is
inflated) and refuses the file, code ``archive_bomb``, when:

- it holds more than ``MAX_MEMBERS`` members (an XLSX holds about ten);
- its members would inflate to more than ``MAX_INFLATED`` bytes in all: 256 MiB is
  about 250,000 households of survey data, more than any wilaya sends in one file;
- a member of more than ``RATIO_GRACE`` bytes inflated is compressed more than
  ``MAX_RATIO`` to 1. Spreadsheet XML compresses 5 to 30 times, rarely 100; a zip
  bomb, a thousand times (Apache POI refuses past 100 by default).

A lying directory gains nothing: Python's ``zipfile`` stops a member's output at its
declared size and fails its CRC check, so no member inflates past what was checked here.
The XML inside is parsed by openpyxl through ``defusedxml`` (entity expansion refused).
"""

from __future__ import annotations

import zipfile
from typing import IO

from registry.importing.errors import ImportFileError

MAX_MEMBERS = 1000
MAX_INFLATED = 256 * 1024 * 1024
MAX_RATIO = 200
RATIO_GRACE = 1024 * 1024

BOMB = "archive_bomb"


def check_archive(
    stream: IO[bytes],
    *,
    max_inflated: int = MAX_INFLATED,
    max_ratio: int = MAX_RATIO,
    max_members: int = MAX_MEMBERS,
) -> None:
    """Refuse ``stream`` (a seekable zip) if it would inflate too much; leave it at its start.

    Raises :class:`ImportFileError` (``archive_bomb``); a stream that is not a zip raises
    ``zipfile.BadZipFile``, for the format's reader to report as it does a damaged file.
    """
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    finally:
        stream.seek(0)
    if len(members) > max_members:
        raise ImportFileError(BOMB, f"the file holds {len(members)} compressed parts (at most {max_members})")
    inflated = sum(member.file_size for member in members)
    if inflated > max_inflated:
        limit = max_inflated // (1024 * 1024)
        raise ImportFileError(BOMB, f"the file would inflate to {inflated // (1024 * 1024)} MiB (at most {limit} MiB)")
    for member in members:
        if member.file_size > RATIO_GRACE and member.file_size > max_ratio * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise ImportFileError(BOMB, f"a part of the file is compressed {ratio} to 1 (at most {max_ratio} to 1)")
