"""A :class:`~common.scope.Scope` as MongoDB filters: the one place scopes become queries."""

from __future__ import annotations

from typing import Any

from common import areas
from common.scope import Scope


def within(scope: Scope, field: str = "area_ancestors") -> dict[str, Any]:
    """Objects located inside the scope (they store their area's ancestors in ``field``, indexed)."""
    return {field: scope.area}


def reaching(scope: Scope, area: str = "area", ancestors: str = "area_ancestors") -> dict[str, Any]:
    """Things published to an area that reaches the scope (see :meth:`Scope.reaches`).

    Things published to several areas store them in one array field (``area``) and the
    ancestors of all of them in another (``ancestors``): an element matches either way.
    """
    return {"$or": [{area: {"$in": areas.ancestors(scope.area)}}, {ancestors: scope.area}]}
