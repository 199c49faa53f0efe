"""The assistance rules that are numbers or choices: data, read once per process.

Defaults are the directorates' current practice; each can be set in the environment
(``AID_URGENT_CAP_DZD=30000``) or, for tests, in the container config under
``AID_SETTINGS``.
"""

from __future__ import annotations

from typing import Any, Literal

from nameko.extensions import DependencyProvider
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DoubleAidPolicy = Literal["refuse", "flag"]

DOUBLE_AID_BY_NEED: dict[str, DoubleAidPolicy] = {
    "income_support": "refuse",
    "disability_support": "refuse",
    "school_year": "refuse",
    "ramadan_food": "refuse",
    "winter_heating": "refuse",
    "leaving_care": "refuse",
    "medical_care": "flag",  # several treatments a year are normal: a checker looks
    "urgent": "flag",
}


class AidSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AID_", extra="ignore", frozen=True)

    urgent_cap_dzd: int = Field(default=30_000, ge=1, description="the most a coordinator grants at once")
    regularisation_days: float = Field(default=15, ge=0, description="an urgent grant is regularised within")
    escalation_step_days: float = Field(default=7, ge=0, description="between two escalations of a late one")
    escalation_levels: tuple[str, ...] = ("wilaya", "ministry")
    escalation_interval_seconds: float = Field(default=60, gt=0, description="how often late ones are looked for")
    registry_timeout_seconds: float = Field(default=10, gt=0)
    letter_font_dir: str = Field(default="/usr/share/fonts/truetype/dejavu", description="DejaVu Sans (Arabic glyphs)")
    double_aid: dict[str, DoubleAidPolicy] = Field(
        default_factory=lambda: dict(DOUBLE_AID_BY_NEED),
        description="per need: refuse a second grant in an overlapping period, or only flag it",
    )
    default_double_aid: DoubleAidPolicy = "refuse"

    def double_aid_policy(self, need: str) -> DoubleAidPolicy:
        return self.double_aid.get(need, self.default_double_aid)


class AidSettingsProvider(DependencyProvider):
    """Inject the :class:`AidSettings` of this container (environment, then ``AID_SETTINGS``)."""

    def setup(self) -> None:
        overrides: dict[str, Any] = dict(self.container.config.get("AID_SETTINGS") or {})
        self.settings = AidSettings(**overrides)

    def get_dependency(self, worker_ctx: Any) -> AidSettings:
        return self.settings
