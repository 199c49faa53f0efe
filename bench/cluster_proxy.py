"""nameko's own ClusterRpcProxy calling registry.ping: ``python -m bench.cluster_proxy N``."""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from bench.stats import summarize  # noqa: E402

if __name__ == "__main__":
    n = int(sys.argv[1])
    with ClusterRpcProxy({"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/"}, timeout=10) as rpc:
        rpc.registry.ping()
        latencies = []
        started = time.perf_counter()
        for _ in range(n):
            t = time.perf_counter()
            rpc.registry.ping()
            latencies.append(time.perf_counter() - t)
        print(
            json.dumps(
                summarize("nameko ClusterRpcProxy, sequential", latencies, time.perf_counter() - started).as_dict()
            )
        )
