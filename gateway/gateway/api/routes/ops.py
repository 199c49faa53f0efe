"""Liveness, readiness and Prometheus metrics.

The gateway is ready when it can serve: connected to the broker, the realm's signing
keys loaded, and every service of READINESS_SERVICES ready by its own ``/readyz``
(which checks that service's broker and database). Probes run concurrently, each
bounded by READINESS_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["ops"])


@router.get("/livez", include_in_schema=False)
async def livez() -> dict[str, str]:
    return {"status": "alive"}


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    problems: dict[str, str] = {}
    if not request.app.state.rpc.connected:
        problems["broker"] = "not connected"
    if not request.app.state.verifier.ready:
        problems["jwks"] = "signing keys not loaded"
    settings = request.app.state.settings
    problems.update(await _service_problems(settings.readiness_service_urls, settings.readiness_timeout_seconds))
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


async def _service_problems(urls: dict[str, str], timeout: float) -> dict[str, str]:
    """``{"service:<name>": why}`` for each service whose /readyz does not answer 200."""
    if not urls:
        return {}
    async with httpx.AsyncClient(timeout=timeout) as client:
        answers = await asyncio.gather(*(client.get(url) for url in urls.values()), return_exceptions=True)
    problems: dict[str, str] = {}
    for name, answer in zip(urls, answers, strict=True):
        if isinstance(answer, BaseException):
            problems[f"service:{name}"] = "unreachable"
        elif answer.status_code != 200:
            problems[f"service:{name}"] = "not ready"
    return problems


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
