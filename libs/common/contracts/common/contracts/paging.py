"""The page cursor of list routes: the ``next_cursor`` a previous page answered, nothing else.

Lists page by id (``_id`` after the cursor), and a cursor is the id of the last item of
the previous page: 24 lowercase hexadecimal characters. Anything else is refused with
the stable code ``invalid_cursor`` (HTTP 422): read as "no cursor", a bogus one would
answer the first page again and a client would loop over it for ever.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

INVALID_CURSOR = "invalid_cursor"
_CURSOR = re.compile(r"^[0-9a-f]{24}$")


def check_cursor(value: str) -> str:
    """``value`` if it is a cursor this API hands out; else ``invalid_cursor``."""
    if not _CURSOR.match(value):
        raise PydanticCustomError(INVALID_CURSOR, "not a cursor: pass the next_cursor of the previous page")
    return value


Cursor = Annotated[
    str,
    AfterValidator(check_cursor),
    Field(description="cursor: the next_cursor of the previous page", examples=["65f1c0ffee0ddba11c0ffee0"]),
]
