"""Where a geo-point may lie: the bounding box of a signal's area, or of the nearest area above it that has one.

The platform's areas reference has no geometry yet, so the reference file holds Algeria's
box only (``/DZ``); wilaya or commune boxes added to it are used as soon as they are there.
"""

from __future__ import annotations

from collections.abc import Mapping

from common import areas
from veille.domain.signals import BoundingBox


def box_for(area: str, boxes: Mapping[str, BoundingBox]) -> BoundingBox | None:
    """The box of ``area`` or of its nearest ancestor that has one (``None``: nothing to check against)."""
    for place in reversed(areas.ancestors(area)):
        if place in boxes:
            return boxes[place]
    return None
