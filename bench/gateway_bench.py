"""Gateway benchmark (``python -m bench.gateway_bench``): the authenticated read path under wrk.

Needs the running platform (``make run``). In one run, with wrk as the load generator,
it measures ``GET /v1/households/{id}`` through a gateway of its own (the platform's code
and services, started on a free port with a per-user rate limit far above what wrk
sends, so the bench measures the read path and not the limiter; Keycloak token check,
RPC over RabbitMQ, registry, database) next to two baselines served by this module's
own FastAPI app (``baseline_app``), started as a uvicorn subprocess with the gateway's
settings (one worker, uvloop, httptools, no access log):

- A: ``GET /ping``, a bare route returning a small JSON;
- B: ``GET /households/{id}``, the same document read straight from the database with
  pymongo in FastAPI's threadpool, scoped like the registry and serialized through the
  same response model.

It also times ``TokenVerifier.verify`` in-process and relates it to the gateway's
latency and throughput. Every figure comes from this one run, because the machine is
noisy; ratios are to the bare route's req/s. Targets are reported, never asserted; a
run with error responses is flagged and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId
from bson.errors import InvalidId
from fastapi import FastAPI, HTTPException
from pymongo import MongoClient

from bench.processes import stop
from bench.stats import Summary, summarize
from common.contracts.households import HouseholdOut

ROOT = Path(__file__).parents[1]
GATEWAY = "http://127.0.0.1:8000"
TOKEN_URL = "http://127.0.0.1:8080/realms/solidarity/protocol/openid-connect/token"
USER = "worker.1601"
AREA = "/DZ/16/1601"
HOUSEHOLD = {
    "area": AREA,
    "address": "12 rue Didouche Mourad",
    "members": [
        {
            "given_name_lat": "Mohamed",
            "family_name_lat": "Benali",
            "sex": "M",
            "birth_year": 1961,
            "relationship": "head",
        }
    ],
}
IDEMPOTENCY_KEY = "bench-household-0001"
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
REGISTRY_DB = os.environ.get("MONGO_DB_PREFIX", "solidarity_") + "registry"

BENCH_RATE_LIMIT = "1000000/second"  # the bench's own gateway: wrk must not meet the limiter
WARMUP = ["-t2", "-c32", "-d3s"]
LOADED = ["-t2", "-c32", "-d15s"]  # tokens live 300 s: every wrk run stays far below
SINGLE = ["-t1", "-c1", "-d5s"]
VERIFIES = 3000
TARGET_RPS = 1000.0
TARGET_P99_MS = 25.0

# wrk's done() hook: one machine-readable line after wrk's own report (latencies in us).
LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "mean_us": %.1f, "p50_us": %d, "p75_us": %d, ' ..
    '"p90_us": %d, "p99_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(50), latency:percentile(75),
    latency:percentile(90), latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


# --- the baseline app (runs in the uvicorn subprocess) -------------------------------


def baseline_app() -> FastAPI:
    """``uvicorn bench.gateway_bench:baseline_app --factory``: the two baselines."""
    client: MongoClient[dict[str, Any]] = MongoClient(MONGO_URI, tz_aware=True)
    households = client[REGISTRY_DB]["households"]
    public = {"area": 1, "address": 1, "members": 1, "status": 1, "created_at": 1}
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/households/{household_id}", response_model=HouseholdOut)
    def read_household(household_id: str) -> Any:  # plain def: FastAPI's threadpool
        try:
            oid = ObjectId(household_id)
        except InvalidId:
            raise HTTPException(404) from None
        doc = households.find_one({"_id": oid, "area_ancestors": AREA}, public)
        if doc is None:
            raise HTTPException(404)
        doc["id"] = str(doc.pop("_id"))
        doc["created_at"] = doc["created_at"].isoformat()  # tz-aware: "...+00:00", as the registry says
        return doc

    return app


# --- setup ---------------------------------------------------------------------------


def fetch_token() -> str:
    form = {"grant_type": "password", "client_id": "agency-console", "username": USER, "password": f"demo-{USER}"}
    response = httpx.post(TOKEN_URL, data=form, timeout=10)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def register_household() -> str:
    headers = {"Authorization": f"Bearer {fetch_token()}", "Idempotency-Key": IDEMPOTENCY_KEY}
    response = httpx.post(f"{GATEWAY}/v1/households", json=HOUSEHOLD, headers=headers, timeout=10)
    response.raise_for_status()
    household_id: str = response.json()["id"]
    return household_id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_app(
    app: str, ready_path: str, log: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Serve ``app`` (a uvicorn factory) on a free port, detached; return it once ``ready_path`` answers 200."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "uvicorn", app, "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log"),
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}{ready_path}", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"{app} did not answer 200 on {ready_path}:\n{log.read_text()}")


# --- wrk -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    label: str
    url: str
    authenticated: bool = False


@dataclass(frozen=True)
class WrkResult:
    summary: Summary
    connections: int
    mean_ms: float
    p75_ms: float
    p90_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def failed(self) -> bool:
        return self.non_2xx > 0 or self.socket_errors > 0


def wrk(target: Target, options: list[str], lua: Path) -> WrkResult:
    headers = ["-H", f"Authorization: Bearer {fetch_token()}"] if target.authenticated else []
    command = ["wrk", *options, "--latency", "-s", str(lua), *headers, target.url]
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=120).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    r = json.loads(line.removeprefix("BENCH_JSON "))
    connections = int(next(o for o in options if o.startswith("-c"))[2:])
    label = f"{target.label}, c={connections}"
    summary = Summary(label, r["requests"], r["duration_us"] / 1e6, r["p50_us"] / 1000, r["p99_us"] / 1000)
    socket_errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    return WrkResult(
        summary, connections, r["mean_us"] / 1000, r["p75_us"] / 1000, r["p90_us"] / 1000, r["status"], socket_errors
    )


def measure(target: Target, lua: Path, smoke: bool) -> list[WrkResult]:
    if smoke:
        return [wrk(target, ["-t1", "-c32", "-d1s"], lua), wrk(target, ["-t1", "-c1", "-d1s"], lua)]
    wrk(target, WARMUP, lua)
    return [wrk(target, LOADED, lua), wrk(target, SINGLE, lua)]


# --- token verification in-process ---------------------------------------------------


async def time_verify(n: int) -> Summary:
    """``TokenVerifier.verify`` built as ``gateway.main.create_app`` builds it."""
    from gateway.auth import TokenVerifier, keycloak_jwks_fetcher
    from gateway.settings import GatewaySettings

    settings = GatewaySettings()
    verifier = TokenVerifier(
        keycloak_jwks_fetcher(settings),
        issuer=settings.issuer,
        audience=settings.oidc_audience,
        leeway_seconds=settings.token_leeway_seconds,
        min_refetch_seconds=settings.jwks_min_refetch_seconds,
    )
    await verifier.refresh()
    token = fetch_token()
    for _ in range(200):
        await verifier.verify(token)
    latencies: list[float] = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        await verifier.verify(token)
        latencies.append(time.perf_counter() - t)
    return summarize("TokenVerifier.verify, in-process", latencies, time.perf_counter() - started)


# --- report --------------------------------------------------------------------------


def print_table(results: list[WrkResult], bare_results: list[WrkResult]) -> None:
    bare = {r.connections: r.summary.per_second for r in bare_results}
    print(
        f"{'measurement':<52} {'req/s':>8} {'p50 ms':>7} {'p75 ms':>7} {'p90 ms':>7} {'p99 ms':>7}"
        f" {'vs bare':>8} {'non-2xx':>8} {'sock err':>8}"
    )
    for r in results:
        s = r.summary
        flag = "  <-- ERRORS" if r.failed else ""
        print(
            f"{s.label:<52} {s.per_second:>8.0f} {s.p50_ms:>7.2f} {r.p75_ms:>7.2f} {r.p90_ms:>7.2f} {s.p99_ms:>7.2f}"
            f" {s.per_second / bare[r.connections]:>8.3f} {r.non_2xx:>8} {r.socket_errors:>8}{flag}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="one second per measurement: checks the bench runs")
    args = parser.parse_args(argv)
    household_id = register_household()
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as tmp:
        lua = Path(tmp, "done.lua")
        lua.write_text(LUA_DONE)
        gateway_env = {"RATE_LIMIT_PER_USER": BENCH_RATE_LIMIT}
        gateway, gateway_base = start_app("gateway.main:create_app", "/readyz", Path(tmp, "gateway.log"), gateway_env)
        baseline, base = None, ""
        try:
            gateway_read = Target(
                "gateway GET /v1/households/{id} (token+RPC+DB)", f"{gateway_base}/v1/households/{household_id}", True
            )
            response = httpx.get(gateway_read.url, headers={"Authorization": f"Bearer {fetch_token()}"}, timeout=10)
            if response.status_code != 200 or response.json()["id"] != household_id:
                raise RuntimeError(f"the gateway does not serve household {household_id}: {response.status_code}")
            baseline, base = start_app(
                "bench.gateway_bench:baseline_app", f"/households/{household_id}", Path(tmp, "baseline.log")
            )
            targets = [
                Target("A bare FastAPI GET /ping", f"{base}/ping"),
                Target("B FastAPI + pymongo GET /households/{id}", f"{base}/households/{household_id}"),
                Target("gateway GET /livez (no token, no RPC)", f"{gateway_base}/livez"),
                gateway_read,
            ]
            by_target = [measure(target, lua, args.smoke) for target in targets]
        finally:
            if baseline is not None:
                stop(baseline)
            stop(gateway)
    verify = asyncio.run(time_verify(100 if args.smoke else VERIFIES))

    runs = "smoke: wrk -d1s" if args.smoke else f"wrk {' '.join(LOADED)} and {' '.join(SINGLE)}"
    print(f"household {household_id} in {AREA}, read as {USER}; {runs}")
    results = [r for runs in by_target for r in runs]
    print_table(results, bare_results=by_target[0])
    loaded, single = by_target[-1]
    verify_ms = verify.seconds / verify.calls * 1000
    print(
        f"\n{verify.label}: mean {verify_ms:.3f} ms, p50 {verify.p50_ms:.3f} ms, p99 {verify.p99_ms:.3f} ms"
        f" ({verify.calls} calls)"
        f"\n  share of the gateway read path's mean latency at c=1: {verify_ms / single.mean_ms:.1%}"
        f" ({verify_ms:.3f} of {single.mean_ms:.2f} ms)"
        f"\n  share of the gateway's one event loop at c=32: {verify_ms / 1000 * loaded.summary.per_second:.1%}"
        f" ({loaded.summary.per_second:.0f} req/s x {verify_ms:.3f} ms)"
    )
    rps, p99 = loaded.summary.per_second, loaded.summary.p99_ms
    pymongo_rps = by_target[1][0].summary.per_second
    print(
        f"\ngateway read / FastAPI + pymongo read of the same document at c=32: {rps:.0f} / {pymongo_rps:.0f} req/s"
        f" = {rps / pymongo_rps:.2f} (goal >= 0.8)"
    )
    print(
        f"\ntarget, gateway read path at c=32: >= {TARGET_RPS:.0f} req/s: {rps:.0f} "
        f"({'met' if rps >= TARGET_RPS else 'MISSED'}); p99 <= {TARGET_P99_MS:.0f} ms: {p99:.2f} ms "
        f"({'met' if p99 <= TARGET_P99_MS else 'MISSED'})"
    )
    failed = [r for r in results if r.failed]
    for r in failed:
        print(
            f"\n!!! ERRORS in '{r.summary.label}': {r.non_2xx} non-2xx/3xx responses, {r.socket_errors} socket "
            "errors: its figures are not a valid measurement !!!",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
