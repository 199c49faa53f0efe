"""Households as the registry decides them, before they are stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NewHousehold:
    """What the service decided before storing: id, protected members, blocking keys, status."""

    id: str
    members: list[dict[str, Any]]
    keys: list[str]
    status: str
