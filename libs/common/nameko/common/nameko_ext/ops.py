"""``/livez``, ``/readyz`` and ``/metrics`` for every service, over nameko's HTTP server."""

from __future__ import annotations

import json
from typing import Any

import pymongo
from kombu.connection import Connection
from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Request, Response

from common.nameko_ext.caller import Caller
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.metrics import EntrypointMetrics
from common.nameko_ext.mongo import service_database

PROBE_TIMEOUT_SECONDS = 1.5


class Readiness(DependencyProvider):
    """Checks that the broker and the service's database answer, each within the probe timeout.

    A container that died does not answer at all: ``common.run_service`` restarts it.
    """

    def get_dependency(self, worker_ctx: Any) -> Readiness:
        return self

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        config = self.container.config
        try:
            with pymongo.timeout(PROBE_TIMEOUT_SECONDS):
                service_database(config, self.container.service_name).command("ping")
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            found["database"] = type(exc).__name__
        try:
            with Connection(config["AMQP_URI"], connect_timeout=PROBE_TIMEOUT_SECONDS) as conn:  # type: ignore[no-untyped-call]
                conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT_SECONDS)
        except Exception as exc:  # noqa: BLE001
            found["broker"] = type(exc).__name__
        return found


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class PlatformService:
    """Base of every service: caller context, RED metrics and the ops endpoints."""

    caller = Caller()
    entrypoint_metrics = EntrypointMetrics()
    readiness = Readiness()

    @rpc
    def ping(self) -> dict[str, str]:
        """Answer at once: used by contract tests and the RPC benchmark."""
        return {"service": self.name}  # type: ignore[attr-defined]

    @http("GET", "/livez")
    def livez(self, request: Request) -> Response:
        return _json(200, {"status": "alive"})

    @http("GET", "/readyz")
    def readyz(self, request: Request) -> Response:
        problems = self.readiness.problems()
        if problems:
            return _json(503, {"status": "not ready", "problems": problems})
        return _json(200, {"status": "ready"})

    @http("GET", "/metrics")
    def metrics(self, request: Request) -> Response:
        return Response(generate_latest(), status=200, headers={"Content-Type": CONTENT_TYPE_LATEST})
