"""The gateway application factory (``uvicorn gateway.main:create_app --factory``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from common import logs
from common.aio.events import AsyncEventPublisher
from common.aio.rpc import AsyncRpcClient
from common.contracts.bequests import DOCUMENT_MAX_BYTES
from gateway import errors
from gateway.api.routes import (
    aid,
    areas,
    bequests,
    campaigns,
    carte,
    casework,
    donors,
    eligibility,
    gifts,
    households,
    impact,
    imports,
    jobs,
    ops,
    pledges,
    programmes,
    receipt_check,
    receipts,
    referrals,
    reports,
    reviews,
    scoring,
    signals,
    statements,
)
from gateway.api.routes import audit as audit_routes
from gateway.audit import AuditMiddleware, EventPublisher, require_audit_room
from gateway.audit_spool import AuditSpool, SpoolingPublisher
from gateway.auth import TokenVerifier, keycloak_jwks_fetcher
from gateway.deps import RpcCaller
from gateway.middleware import BodyLimitMiddleware, CorrelationMiddleware, MetricsMiddleware
from gateway.ratelimit import UserRateLimiter
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


def create_app(
    settings: GatewaySettings | None = None,
    rpc: RpcCaller | None = None,
    verifier: TokenVerifier | None = None,
    audit: EventPublisher | None = None,
) -> FastAPI:
    """Build the app; tests pass fakes for ``rpc`` and ``audit``, and local keys."""
    settings = settings or GatewaySettings()
    logs.configure("gateway", settings.log_level)
    verifier = verifier or TokenVerifier(
        keycloak_jwks_fetcher(settings),
        issuer=settings.issuer,
        audience=settings.oidc_audience,
        leeway_seconds=settings.token_leeway_seconds,
        min_refetch_seconds=settings.jwks_min_refetch_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = rpc
        owned: AsyncRpcClient | None = None
        if client is None:
            owned = AsyncRpcClient(settings.amqp_uri, timeout=settings.rpc_timeout_seconds)
            await owned.start()
            client = owned
        publisher = audit
        owned_publisher: AsyncEventPublisher | None = None
        spooling: SpoolingPublisher | None = None
        if publisher is None:
            owned_publisher = AsyncEventPublisher(settings.amqp_uri, source="gateway")
            await owned_publisher.start()
            spool = AuditSpool(Path(settings.audit_spool_dir), settings.audit_spool_max_entries)
            spooling = SpoolingPublisher(
                owned_publisher,
                spool,
                publish_timeout=settings.audit_publish_timeout_seconds,
                retry_seconds=settings.audit_spool_retry_seconds,
            )
            try:
                await spooling.start()
                publisher = spooling
            except OSError:  # a misconfigured deployment: serve, but say loudly what is at risk
                log.exception("audit spool unusable: entries the broker cannot take will be lost")
                spooling, publisher = None, owned_publisher
        app.state.rpc = client
        app.state.settings = settings
        app.state.audit = publisher
        app.state.verifier = verifier
        app.state.rate_limiter = UserRateLimiter(settings.rate_limit_per_user, settings.rate_limit_storage_uri)
        try:
            await verifier.refresh()
        except Exception:  # noqa: BLE001 - /readyz reports it; the next unknown kid retries
            log.warning("could not load the realm's signing keys at start-up")
        yield
        if owned is not None:
            await owned.close()
        if spooling is not None:
            await spooling.close()
        if owned_publisher is not None:
            await owned_publisher.close()

    app = FastAPI(
        title="Solidarity platform API",
        version="0.1.0",
        description="Social action and national solidarity: registry, assistance, solidarity, "
        "social watch and reporting, scoped to the caller's directorate and area.",
        lifespan=lifespan,
        dependencies=[Depends(require_audit_room)],
    )
    errors.install(app)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        path_limits={imports.PATH: settings.import_max_bytes, bequests.DOCUMENTS_PATH: DOCUMENT_MAX_BYTES},
    )
    app.add_middleware(MetricsMiddleware)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Correlation-ID"],
            expose_headers=["X-Correlation-ID"],
        )
    app.add_middleware(CorrelationMiddleware)
    routers = (
        ops,
        areas,
        households,
        imports,
        scoring,
        reviews,
        jobs,
        programmes,
        aid,
        eligibility,
        referrals,
        casework,
        campaigns,
        receipts,
        receipt_check,
        donors,
        gifts,
        pledges,
        statements,
        bequests,
        signals,
        reports,
        impact,
        carte,
        audit_routes,
    )
    for module in routers:
        app.include_router(module.router)
    return app
