"""Assistance reads downward: domain/ and app/ import no nameko, database driver, adapter or view;
adapters (the registry's client among them speaks nameko RPC) import no use case, only the ports they implement."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from assistance.domain import aid_request

PACKAGE = Path(aid_request.__file__).resolve().parents[1]
FORBIDDEN = {
    "domain": (
        "nameko",
        "pymongo",
        "bson",
        "mongoengine",
        "assistance.adapters",
        "assistance.app",
        "assistance.service",
        "assistance.views",
    ),
    "app": (
        "nameko",
        "pymongo",
        "bson",
        "mongoengine",
        "assistance.adapters",
        "assistance.service",
        "assistance.views",
    ),
    "adapters": ("assistance.app", "assistance.service", "assistance.views"),
}
ALLOWED = {"assistance.app.ports"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    modules = sorted((PACKAGE / layer).glob("*.py"))
    assert modules
    wrong = {
        f"{path.name}: {name}"
        for path in modules
        for name in imported(path)
        if name not in ALLOWED and any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[layer])
    }
    assert not wrong
