"""Stored values as plain JSON: the one converter every RPC answer and export goes through."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` with datetimes and dates as ISO text, ObjectIds and Decimals as text, containers walked.

    ObjectId is matched by name so this core module needs no bson.
    """
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal) or type(value).__name__ == "ObjectId":
        return str(value)
    return value
