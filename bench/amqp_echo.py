"""The floor: a raw kombu request/reply round trip, with nameko's exchange and routing.

``python -m bench.amqp_echo serve`` answers every request on ``bench_echo.*``;
``python -m bench.amqp_echo call N`` makes N sequential calls and prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

from kombu import Connection, Consumer, Exchange, Producer, Queue

from bench.stats import summarize

AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
EXCHANGE = Exchange("nameko-rpc", type="topic", durable=True)
REPLY_BODY = json.dumps({"result": {"service": "bench_echo"}, "error": None})


def serve() -> None:
    with Connection(AMQP_URI) as conn:
        channel = conn.channel()
        producer = Producer(channel, exchange=EXCHANGE)
        queue = Queue("rpc-bench_echo", EXCHANGE, routing_key="bench_echo.*", auto_delete=True)

        def on_message(body: Any, message: Any) -> None:
            producer.publish(
                REPLY_BODY,
                routing_key=message.properties["reply_to"],
                correlation_id=message.properties["correlation_id"],
                content_type="application/json",
            )
            message.ack()

        with Consumer(channel, [queue], callbacks=[on_message], accept=["json"]):
            print("ready", flush=True)
            while True:
                conn.drain_events()


def call(n: int) -> None:
    with Connection(AMQP_URI) as conn:
        channel = conn.channel()
        reply_name = f"bench-reply-{uuid.uuid4().hex}"
        reply_queue = Queue(reply_name, EXCHANGE, routing_key=reply_name, exclusive=True, auto_delete=True)
        producer = Producer(channel, exchange=EXCHANGE)
        replies: list[str] = []
        with Consumer(
            channel,
            [reply_queue],
            callbacks=[lambda body, msg: replies.append(msg.properties["correlation_id"])],
            accept=["json"],
            no_ack=True,
        ):
            latencies = []
            started = time.perf_counter()
            for _ in range(n):
                corr = uuid.uuid4().hex
                t = time.perf_counter()
                producer.publish(
                    '{"args": [], "kwargs": {}}',
                    routing_key="bench_echo.ping",
                    reply_to=reply_name,
                    correlation_id=corr,
                    content_type="application/json",
                )
                while corr not in replies:
                    conn.drain_events(timeout=5)
                latencies.append(time.perf_counter() - t)
            print(json.dumps(summarize("raw kombu round trip", latencies, time.perf_counter() - started).as_dict()))


if __name__ == "__main__":
    serve() if sys.argv[1] == "serve" else call(int(sys.argv[2]))
