"""The one "get, or 404 if not visible" of assistance's entities that are seen from more than one area.

``common.policy.visible_or_404`` asks one area of an object; a referral is seen from two
(the household's and the institution's wilaya), so the entity answers ``visible_in(scope)``
itself and this helper gives the same NotFound whether it is missing or out of sight.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from common.errors import NotFound
from common.scope import Scope


class Visible(Protocol):
    def visible_in(self, scope: Scope) -> bool: ...


V = TypeVar("V", bound=Visible)


def visible_or_404(found: V | None, scope: Scope, what: str) -> V:
    """``found`` if it exists and is seen in ``scope``; NotFound otherwise, the same answer in both cases."""
    if found is None or not found.visible_in(scope):
        raise NotFound(f"{what} not found")
    return found
