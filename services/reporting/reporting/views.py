"""Reports as public JSON: what the gateway answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reporting.app.exports import Table
from reporting.app.reports import Report
from reporting.domain.report import Snapshot


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def version(snapshot: Snapshot) -> dict[str, Any]:
    """A closed version's seal: number, hash, who closed it and when, and what it corrected."""
    return {
        "version": snapshot.version,
        "content_hash": snapshot.content_hash,
        "closed_by": snapshot.closed_by,
        "closed_at": _when(snapshot.closed_at),
        "as_of": _when(snapshot.as_of),
        "differences": snapshot.differences,
    }


def closed(snapshot: Snapshot) -> dict[str, Any]:
    """A closed version with its content."""
    return {"area": snapshot.area, "period": snapshot.period, **version(snapshot), "content": snapshot.content}


def report(found: Report) -> dict[str, Any]:
    return {
        "area": found.area,
        "period": found.content["period"],
        "kind": found.content["kind"],
        "status": found.status,
        "as_of": _when(found.as_of),
        "version": None if found.version is None else version(found.version),
        "content": found.content,
        "consolidation": [{"area": area, **counts} for area, counts in sorted(found.consolidation.items())],
    }


def table(found: Table) -> dict[str, Any]:
    """Published figures: per area, the headline counts (``None`` where suppressed), and their total."""
    return {
        "area": found.area,
        "period": found.period,
        "as_of": _when(found.as_of),
        "suppressed": found.suppressed,
        "min_cell": found.min_cell,
        "rows": [{"area": area, **counts} for area, counts in sorted(found.rows.items())],
        "total": found.total,
    }
