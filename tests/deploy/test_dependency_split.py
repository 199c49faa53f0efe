"""The split of libs/common holds in what is installed: the gateway pulls in no nameko side, no service
the asyncio side.

Walks ``importlib.metadata.requires`` from each deployable distribution over everything installed
(extras and environment markers evaluated), so a dependency that comes in through another package
counts too. The distributions are the ones of the manifests (gateway/, services/*/pyproject.toml).
"""

from __future__ import annotations

import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from scripts import generate

NAMEKO_SIDE = {"nameko", "eventlet", "kombu"}
ASYNCIO_SIDE = {"aio-pika", "aiormq"}
STORAGE = {"pymongo", "mongoengine"}


def distribution_of(folder: str) -> str:
    project = tomllib.loads((generate.REPO / folder / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(canonicalize_name(project["name"]))


def closure(root: str) -> set[str]:
    """Every distribution ``root`` needs, itself included (names canonical)."""
    seen: set[tuple[str, str]] = set()
    todo = [(str(canonicalize_name(root)), "")]
    while todo:
        name, extra = todo.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            pytest.fail(f"{name} is required (through {root}) but not installed")
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
                continue
            child = str(canonicalize_name(requirement.name))
            todo += [(child, "")] + [(child, e) for e in requirement.extras]
    return {name for name, _extra in seen}


def test_the_gateway_installs_no_nameko_side() -> None:
    needed = closure(distribution_of("gateway"))
    assert {"solidarity-common-aio", "aio-pika", "fastapi"} <= needed  # the walk sees through
    assert not needed & NAMEKO_SIDE, sorted(needed & NAMEKO_SIDE)
    assert not needed & STORAGE, sorted(needed & STORAGE)


@pytest.mark.parametrize("service", generate.load().names)
def test_a_service_installs_no_asyncio_side(service: str) -> None:
    needed = closure(distribution_of(f"services/{service}"))
    assert {"solidarity-common-nameko", "nameko", "kombu", "eventlet"} <= needed  # the walk sees through
    assert not needed & ASYNCIO_SIDE, sorted(needed & ASYNCIO_SIDE)
    assert "solidarity-gateway" not in needed and "fastapi" not in needed


@pytest.mark.parametrize("library", ["solidarity-common-core", "solidarity-contracts"])
def test_core_and_contracts_need_neither_side(library: str) -> None:
    needed = closure(library)
    assert "pydantic" in needed
    assert not needed & (NAMEKO_SIDE | ASYNCIO_SIDE | STORAGE), sorted(needed & (NAMEKO_SIDE | ASYNCIO_SIDE | STORAGE))
