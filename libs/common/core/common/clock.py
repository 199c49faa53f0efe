"""The platform's one clock: aware UTC datetimes, to the second (what MongoDB keeps is milliseconds)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC, whole seconds, timezone-aware."""
    return datetime.now(UTC).replace(microsecond=0)
