"""The receipt configuration a container runs with: the verification key, the public page's address, fonts.

``RECEIPT_VERIFICATION_KEY`` (environment, or ``RECEIPT_SETTINGS`` in the container config for tests)
is the HMAC key of the verification codes printed on receipts. The default is a development key,
published here and so worthless: production sets its own (32 random bytes or more, kept like a
password; changing it makes every printed code fail). It is never logged: a ``SecretStr``.
"""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_VERIFICATION_KEY = "dev-only-receipt-verification-key-not-secret"


class ReceiptSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECEIPT_", extra="ignore", frozen=True)

    verification_key: SecretStr = Field(default=SecretStr(DEV_VERIFICATION_KEY), min_length=16)
    public_base_url: str = Field(default="http://127.0.0.1:8000", description="where the public check page is")
    font_dir: str = Field(default="/usr/share/fonts/truetype/dejavu", description="DejaVu Sans (Arabic glyphs)")
    recovery_interval_seconds: float = Field(default=60, gt=0, description="how often unfinished issues are ended")
    stale_after_seconds: float = Field(default=120, gt=0, description="an issue unfinished this long is dead")

    @property
    def key(self) -> bytes:
        return self.verification_key.get_secret_value().encode()


def settings_of(config: dict[str, Any]) -> ReceiptSettings:
    return ReceiptSettings(**dict(config.get("RECEIPT_SETTINGS") or {}))


class ReceiptSettingsProvider(DependencyProvider):
    """Inject the container's :class:`ReceiptSettings` (environment, then ``RECEIPT_SETTINGS``)."""

    def setup(self) -> None:
        self.settings = settings_of(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> ReceiptSettings:
        return self.settings
