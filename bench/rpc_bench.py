"""RPC benchmark (``make bench-rpc``): the gateway's asyncio client next to the raw floor.

Needs the running platform (``make run``): calls go to the real registry service's
``ping`` over the real broker. Every figure is measured in this one run, because the
machine is noisy; ratios are to the raw kombu round trip. The asyncio client runs on
uvloop, as it does inside the gateway (uvicorn picks uvloop when installed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from bench.processes import stop
from bench.stats import Summary, summarize
from common.aio.rpc import AsyncRpcClient

ROOT = Path(__file__).parents[1]
AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
SEQUENTIAL = 3000
CONCURRENT = 12000
CONCURRENCY = 32


def run_json(module: str, *args: str) -> Summary:
    """Run ``python -m <module> args`` (a module, so it imports ``bench`` from any working directory)."""
    command = [sys.executable, "-m", module, *args]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return Summary(**json.loads(out.strip().splitlines()[-1]))


def start_echo(log: Path) -> subprocess.Popen[bytes]:
    """The raw echo server, detached (own session, no inherited pipes); ready once it logs ``ready``."""
    with log.open("wb") as out:
        echo = subprocess.Popen(
            [sys.executable, "-m", "bench.amqp_echo", "serve"],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while "ready" not in log.read_text():
        if echo.poll() is not None or time.monotonic() > deadline:
            echo.kill()
            raise RuntimeError(f"the echo server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.05)
    return echo


async def async_client(label: str, service: str, total: int, concurrency: int) -> Summary:
    client = AsyncRpcClient(AMQP_URI, timeout=10, name="bench")
    await client.start()
    for _ in range(200):
        await client.call(service, "ping")  # warm up both ends
    latencies: list[float] = []
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            t = time.perf_counter()
            await client.call(service, "ping")
            latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    elapsed = time.perf_counter() - started
    await client.close()
    return summarize(label, latencies, elapsed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="a few calls each: checks the bench runs")
    args = parser.parse_args(argv)
    sequential, concurrent = (50, 200) if args.smoke else (SEQUENTIAL, CONCURRENT)
    uvloop.install()
    with tempfile.TemporaryDirectory(prefix="bench-rpc-") as tmp:
        echo = start_echo(Path(tmp) / "echo.log")
        try:
            floor = run_json("bench.amqp_echo", "call", str(sequential))
            raw_async = asyncio.run(
                async_client(f"asyncio client -> raw echo, c={CONCURRENCY}", "bench_echo", concurrent, CONCURRENCY)
            )
        finally:
            stop(echo)
    results = [
        floor,
        raw_async,
        asyncio.run(async_client("asyncio client -> registry.ping, sequential", "registry", sequential, 1)),
        asyncio.run(
            async_client(f"asyncio client -> registry.ping, c={CONCURRENCY}", "registry", concurrent, CONCURRENCY)
        ),
        run_json("bench.cluster_proxy", str(sequential)),
    ]
    print(f"{'measurement':<48} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p50/floor':>10}")
    for r in results:
        print(f"{r.label:<48} {r.per_second:>9.0f} {r.p50_ms:>8.3f} {r.p99_ms:>8.3f} {r.p50_ms / floor.p50_ms:>10.2f}")


if __name__ == "__main__":
    main()
