"""Where a caller may see and act, as a value: an area and everything below it.

Policy decides the scope (:func:`common.policy.scope`); domain code asks it questions
(:meth:`Scope.contains`, :meth:`Scope.reaches`); only repositories translate it into a
query (``common.scoping`` for MongoDB), so test fakes filter plain objects with the same
questions instead of re-implementing Mongo matching.
"""

from __future__ import annotations

from dataclasses import dataclass

from common import areas


@dataclass(frozen=True, slots=True)
class Scope:
    """The area a caller works in; objects inside it are visible, all others do not exist."""

    area: str

    def __post_init__(self) -> None:
        areas.validate(self.area)

    @classmethod
    def national(cls) -> Scope:
        return cls(areas.NATIONAL)

    def contains(self, area: str) -> bool:
        """True if an object located in ``area`` is inside this scope."""
        return areas.contains(self.area, area)

    def reaches(self, published_area: str) -> bool:
        """True if something published to ``published_area`` is offered in this scope.

        A programme or campaign published above the scope reaches it (a national programme
        reaches every commune); one published inside it is the scope's own.
        """
        return published_area in areas.ancestors(self.area) or self.contains(published_area)
