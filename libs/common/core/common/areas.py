"""Administrative area paths: ``/DZ`` (national), ``/DZ/16`` (wilaya), ``/DZ/16/1601`` (commune).

Objects store the list of their area's ancestors (itself included), so "everything
inside the caller's area" is an exact match on one indexed field, not a regex.
"""

from __future__ import annotations

import re

from common.errors import ValidationFailed

NATIONAL = "/DZ"
_PATH = re.compile(r"^/DZ(/\d{2}(/\d{4}(/[A-Za-z0-9-]{1,32})?)?)?$")


def is_valid(path: str) -> bool:
    """True if ``path`` is a well-formed area path."""
    return bool(_PATH.match(path))


def validate(path: str) -> str:
    """Return ``path`` if it is a well-formed area path, else raise ValidationFailed."""
    if not is_valid(path):
        raise ValidationFailed("malformed area path", {"area": path})
    return path


def ancestors(path: str) -> list[str]:
    """``/DZ/16/1601`` -> ``["/DZ", "/DZ/16", "/DZ/16/1601"]``."""
    parts = validate(path).strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def contains(outer: str, inner: str) -> bool:
    """True if ``inner`` is ``outer`` or lies below it."""
    return inner == outer or inner.startswith(outer + "/")
