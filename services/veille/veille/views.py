"""Veille's answers: domain objects as public JSON (the contracts in ``common.contracts.signals``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.jsonable import jsonable
from veille.app.alerts import alert_id
from veille.app.signals import Seen
from veille.domain.alerts import Alert
from veille.domain.emergency import Emergency
from veille.domain.pockets import Pocket
from veille.domain.protection import BreakGlassGrant

INTERNAL = {"steps"}


def signal(seen: Seen) -> dict[str, Any]:
    """A signal as its caller may see it: withheld protected fields emptied and named."""
    shown, filed = seen.shown, seen.filed
    data = {k: v for k, v in shown.signal.model_dump(mode="json").items() if k not in INTERNAL}
    return {
        **data,
        "level": shown.signal.level,
        "assigned_area": filed.assigned_area,
        "priority": filed.priority,
        "due_at": jsonable(filed.due_at),
        "withheld": list(shown.withheld),
        "break_glass": shown.break_glass,
    }


def grant(found: BreakGlassGrant, area: str | None = None) -> dict[str, Any]:
    data = found.model_dump(mode="json")
    return data if area is None else {**data, "area": area}


def emergency(found: Emergency, now: datetime) -> dict[str, Any]:
    return {**found.model_dump(mode="json"), "active": found.active(now)}


def alert(found: Alert) -> dict[str, Any]:
    return {"id": alert_id(found), **found.model_dump(mode="json")}


def pocket(found: Pocket) -> dict[str, Any]:
    return {**found.model_dump(mode="json"), "likely_exclusion": found.likely_exclusion}
