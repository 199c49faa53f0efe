"""The registry keeps one writer per collection (the layers themselves: tests/unit/test_layers.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from common.errors import NotFound
from common.scope import Scope
from registry.app import households
from registry.domain.household import Household
from tests.fakes.repositories import FakeHouseholdRepository

PACKAGE = Path(households.__file__).resolve().parents[1]
HOUSEHOLDS_ADAPTER = PACKAGE / "adapters" / "households.py"
TOUCHES_HOUSEHOLDS = re.compile(
    r"""(database|db)\s*\[\s*["']households["']\s*\]"""  # a database indexed with its name
    r"""|=\s*["']households["']"""  # its name kept in a constant
    r"""|\bHousehold\.objects\b"""  # its document
)


def sources() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def test_only_the_households_adapter_touches_the_households_collection() -> None:
    touching = [path.relative_to(PACKAGE) for path in sources() if TOUCHES_HOUSEHOLDS.search(path.read_text("utf-8"))]
    assert touching == [HOUSEHOLDS_ADAPTER.relative_to(PACKAGE)]


def stored(repo: FakeHouseholdRepository, household_id: str, area: str, **fields: Any) -> None:
    document = {"_id": household_id, "area": area, "address": "x", "created_at": "t", "created_by": "u", **fields}
    repo.rows[household_id] = Household.from_document(document)


def test_a_household_outside_the_scope_does_not_exist() -> None:
    repo = FakeHouseholdRepository()
    stored(repo, "h-oran", "/DZ/31/3101")
    assert households.get(repo, Scope("/DZ/31"), "h-oran").household.id == "h-oran"
    for scope in (Scope("/DZ/16"), Scope("/DZ/31/3102")):
        with pytest.raises(NotFound, match="household not found"):
            households.get(repo, scope, "h-oran")
        with pytest.raises(NotFound, match="household not found"):
            households.update(repo, scope, "h-oran", _NoChange(), "user-1")
    assert households.count(repo, Scope("/DZ/16")) == 0 and households.count(repo, Scope.national()) == 1


class _NoChange:
    def model_dump(self) -> dict[str, Any]:
        return {}
