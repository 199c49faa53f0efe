"""The reporting rules that are numbers: data, read once per process.

Each can be set in the environment (``REPORTING_MIN_CELL=10``) or, for tests, in the
container config under ``REPORTING_SETTINGS``.
"""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReportingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPORTING_", extra="ignore", frozen=True)

    min_cell: int = Field(default=5, ge=1, description="published counts below it (and above 0) are hidden")
    export_inline_tallies: int = Field(default=2000, ge=1, description="an export reading more runs as a job")
    projection_interval_seconds: float = Field(default=1.0, gt=0, description="how often the log is applied")


def settings_of(config: dict[str, Any]) -> ReportingSettings:
    return ReportingSettings(**dict(config.get("REPORTING_SETTINGS") or {}))


class ReportingSettingsProvider(DependencyProvider):
    """Inject the :class:`ReportingSettings` of this container (environment, then ``REPORTING_SETTINGS``)."""

    def setup(self) -> None:
        self.settings = settings_of(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> ReportingSettings:
        return self.settings
