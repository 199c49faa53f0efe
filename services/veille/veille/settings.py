"""Veille's configuration: numbers and reference files, read and validated once per process at start.

Each setting can be set in the environment (``VEILLE_SLA_FILE=/etc/veille/sla.json``) or, for
tests, in the container config under ``VEILLE_SETTINGS``. A reference file that does not parse
stops the service at start (nothing runs on a wrong SLA).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from nameko.extensions import DependencyProvider
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from veille.app.ports import Rules
from veille.domain.protection import DEFAULT_POLICY
from veille.domain.signals import BoundingBox
from veille.domain.sla import SlaPolicy

REFERENCE = Path(__file__).parent / "reference"


class VeilleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VEILLE_", extra="ignore", frozen=True)

    sla_file: Path = REFERENCE / "sla.json"
    bounds_file: Path = REFERENCE / "area_bounds.json"
    sweep_interval_seconds: float = Field(default=60, gt=0, description="how often overdue signals are escalated")
    alert_interval_seconds: float = Field(default=3600, gt=0, description="how often the alert rules are evaluated")
    break_glass_minutes: float = Field(default=30, gt=0, le=24 * 60, description="how long an emergency read lasts")
    emergency_max_days: int = Field(default=90, ge=1, le=366, description="longest emergency")
    link_base: str = "https://solidarite.example.dz/veille"
    notify_channel: Literal["log", "smtp"] = "log"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "veille@solidarite.example.dz"
    smtp_recipients: tuple[str, ...] = ()
    smtp_timeout_seconds: float = Field(default=10, gt=0)

    def rules(self) -> Rules:
        """The validated configuration the use cases read (raises if a reference file does not parse)."""
        sla = SlaPolicy.model_validate(_json(self.sla_file))
        boxes = {area: BoundingBox.model_validate(box) for area, box in _json(self.bounds_file).items()}
        protection = DEFAULT_POLICY.model_copy(
            update={"break_glass_duration": timedelta(minutes=self.break_glass_minutes)}
        )
        return Rules(
            sla=sla, protection=protection, boxes=boxes, link_base=self.link_base,
            emergency_longest=timedelta(days=self.emergency_max_days),
        )  # fmt: skip


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def from_config(config: dict[str, Any]) -> VeilleSettings:
    return VeilleSettings(**(config.get("VEILLE_SETTINGS") or {}))


class RulesProvider(DependencyProvider):
    """Inject the :class:`Rules` of this container's settings, validated at setup (a bad file stops the start)."""

    def setup(self) -> None:
        self.rules = from_config(self.container.config).rules()

    def get_dependency(self, worker_ctx: Any) -> Rules:
        return self.rules
