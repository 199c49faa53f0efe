"""Find a platform service class by its name (``<name>.service``)."""

from __future__ import annotations

import importlib
from typing import Any

from common.nameko_ext.ops import PlatformService


def service_class(name: str) -> type[Any]:
    """The PlatformService subclass named ``name`` in package ``<name>.service``."""
    module = importlib.import_module(f"{name}.service")
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, PlatformService) and getattr(value, "name", None) == name:
            return value
    raise LookupError(f"no service named {name!r} in {module.__name__}")
