"""Settings every service process reads from its environment (one place, typed)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Environment of a nameko service; defaults suit the one-command local run."""

    model_config = SettingsConfigDict(extra="ignore")

    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    mongo_uri: str = "mongodb://127.0.0.1:27017/"
    mongo_db_prefix: str = "solidarity_"
    ops_port: int = 0
    log_level: str = "INFO"
    max_workers: int = 32

    def nameko_config(self) -> dict[str, object]:
        """The nameko container config; our own keys ride along for the providers."""
        return {
            "AMQP_URI": self.amqp_uri,
            "MONGO_URI": self.mongo_uri,
            "MONGO_DB_PREFIX": self.mongo_db_prefix,
            "WEB_SERVER_ADDRESS": f"0.0.0.0:{self.ops_port}",
            "max_workers": self.max_workers,
            "serializer": "json",
        }
