"""The carte sociale on the wire: the indicator sheet as JSON, the map and the PDF as files (base64)."""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Any

from reporting.domain.carte import Indicators, IndicatorSheet
from reporting.maps.boundaries import name


def _line(line: Indicators) -> dict[str, Any]:
    data = asdict(line)
    data["hidden"] = sorted(line.hidden)
    data["names"] = {"fr": name(line.area, "fr"), "ar": name(line.area, "ar")}
    return data


def sheet(found: IndicatorSheet) -> dict[str, Any]:
    """The sheet: ``null`` is a figure with no source yet, or hidden when its name is in ``hidden``."""
    return {
        "area": found.area,
        "level": found.level,
        "as_of": found.as_of.isoformat() if found.as_of else None,
        "suppressed": found.suppressed,
        "min_cell": found.threshold,
        "totals": _line(found.totals),
        "children": [_line(line) for line in found.children],
    }


def file(content: bytes, filename: str, media_type: str) -> dict[str, Any]:
    return {"filename": filename, "media_type": media_type, "content_base64": base64.b64encode(content).decode("ascii")}


def filename(found: IndicatorSheet, suffix: str) -> str:
    """``carte-sociale-DZ-16.pdf``: the area's path, no slash."""
    return f"carte-sociale-{found.area.strip('/').replace('/', '-')}{suffix}"
