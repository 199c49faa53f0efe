"""Registry-specific nameko dependency providers."""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider

from common.pii import NationalIdProtector


class NationalIds(DependencyProvider):
    """Inject the national-ID protector, keys loaded once at start (never from the database)."""

    def setup(self) -> None:
        self.protector = NationalIdProtector.from_env()

    def get_dependency(self, worker_ctx: Any) -> NationalIdProtector:
        return self.protector
