"""Gateway configuration: one settings object, read from the environment."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    keycloak_url: str = "http://127.0.0.1:8080"
    keycloak_realm: str = "solidarity"
    oidc_issuer: str = ""
    oidc_audience: str = "gateway"
    token_leeway_seconds: int = 30
    jwks_min_refetch_seconds: float = 30.0
    rpc_timeout_seconds: float = 5.0
    rpc_search_timeout_seconds: float = 30.0  # searches that may read a whole trail (the audit search)
    max_body_bytes: int = 1_048_576
    import_max_bytes: int = 104_857_600  # POST /v1/imports: a file, streamed to the registry
    rate_limit_per_user: str = "100/second;3000/minute"
    rate_limit_storage_uri: str = "async+memory://"  # async+redis://… shares limits across replicas
    cors_origins: str = ""  # comma-separated origins of the front ends
    log_level: str = "INFO"
    # Services /readyz also waits for: "registry=http://127.0.0.1:8101/readyz,audit=…"
    # (empty: none). The local run lists every service's ops port.
    readiness_services: str = ""
    readiness_timeout_seconds: float = 3.0
    # Audit entries the broker cannot take wait here (one file per process) until it is back.
    audit_spool_dir: str = ".run/audit-spool"
    audit_spool_max_entries: int = 100_000  # then audited routes answer 503
    audit_spool_retry_seconds: float = 5.0
    audit_publish_timeout_seconds: float = 5.0  # an entry not confirmed by then is spooled

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def readiness_service_urls(self) -> dict[str, str]:
        """READINESS_SERVICES as ``{service: readyz URL}``."""
        pairs = (item.split("=", 1) for item in self.readiness_services.split(",") if "=" in item)
        return {name.strip(): url.strip() for name, url in pairs if name.strip() and url.strip()}

    @property
    def issuer(self) -> str:
        """Tokens must carry this ``iss``; by default the realm's URL at KEYCLOAK_URL."""
        return self.oidc_issuer or f"{self.keycloak_url.rstrip('/')}/realms/{self.keycloak_realm}"
