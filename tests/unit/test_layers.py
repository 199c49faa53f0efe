"""Every service reads downward (docs/architecture.md, "Where things go").

domain/ and app/ import no nameko, database driver, adapter, service class or view; adapters
import no use case (only the ports they implement); and no service imports another service.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"
NAMES = sorted(path.name for path in SERVICES.iterdir() if (path / "service.toml").exists())
INFRASTRUCTURE = ("nameko", "pymongo", "bson", "mongoengine", "eventlet", "kombu")


def package(service: str) -> Path:
    return SERVICES / service / service


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def banned(service: str, layer: str) -> tuple[str, ...]:
    above = {
        "domain": ("adapters", "app", "service", "views"),
        "app": ("adapters", "service", "views"),
        "adapters": ("app", "service", "views"),
    }[layer]
    return (*(INFRASTRUCTURE if layer != "adapters" else ()), *(f"{service}.{name}" for name in above))


def offences(service: str, layer: str) -> set[str]:
    allowed = {f"{service}.app.ports"}
    return {
        f"{path.relative_to(package(service))}: {name}"
        for path in (package(service) / layer).rglob("*.py")
        for name in imported(path)
        if name not in allowed and any(name == b or name.startswith(b + ".") for b in banned(service, layer))
    }


LAYERED = [(s, layer) for s in NAMES for layer in ("domain", "app", "adapters") if (package(s) / layer).is_dir()]


@pytest.mark.parametrize(("service", "layer"), LAYERED)
def test_a_layer_imports_nothing_above_it(service: str, layer: str) -> None:
    assert offences(service, layer) == set()


def test_the_migrated_services_have_every_layer() -> None:
    for service in ("registry", "assistance", "audit"):
        assert {layer for s, layer in LAYERED if s == service} == {"domain", "app", "adapters"}


@pytest.mark.parametrize("service", NAMES)
def test_no_service_imports_another(service: str) -> None:
    others = tuple(name for name in NAMES if name != service)
    wrong = {
        f"{path.relative_to(SERVICES)}: {name}"
        for path in package(service).rglob("*.py")
        for name in imported(path)
        if any(name == other or name.startswith(other + ".") for other in others)
    }
    assert wrong == set()


def test_the_rule_sees_an_offence() -> None:
    """The check itself: a domain module importing pymongo or its own adapters is caught."""
    assert banned("registry", "domain")[:3] == ("nameko", "pymongo", "bson")
    assert any(b == "registry.adapters" for b in banned("registry", "domain"))
    assert not any(b.startswith("registry.app") for b in banned("registry", "adapters") if b != "registry.app")
