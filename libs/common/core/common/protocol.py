"""nameko 2.14 wire protocol: names and the request/reply codec (pure, no I/O).

RPC requests go to the topic exchange ``nameko-rpc`` with routing key
``<service>.<method>`` and ``reply_to`` set to a routing key bound on the same exchange
to the caller's reply queue. Caller context travels as ``nameko.<key>`` headers.
Events go to the topic exchange ``<service>.events`` with the event type as routing key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

RPC_EXCHANGE = "nameko-rpc"
HEADER_PREFIX = "nameko"
CALL_ID_STACK_HEADER = f"{HEADER_PREFIX}.call_id_stack"
CONTENT_TYPE = "application/json"


def rpc_queue(service: str) -> str:
    """The durable queue nameko declares for a service's RPC entrypoints."""
    return f"rpc-{service}"


def event_exchange(service: str) -> str:
    """The topic exchange a service dispatches its events to."""
    return f"{service}.events"


def event_queue(source: str, event_type: str, consumer: str, method: str) -> str:
    """The durable queue of a SERVICE_POOL ``@event_handler`` (nameko's naming)."""
    return f"evt-{source}-{event_type}--{consumer}.{method}"


def encode_request(args: list[Any] | tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    """Body of an RPC request."""
    return json.dumps({"args": list(args), "kwargs": kwargs}).encode()


def context_headers(data: dict[str, Any]) -> dict[str, Any]:
    """Context data as nameko headers (``None`` values dropped, as nameko does)."""
    return {f"{HEADER_PREFIX}.{key}": value for key, value in data.items() if value is not None}


@dataclass(frozen=True)
class Reply:
    """A decoded RPC reply: exactly one of ``result`` or ``error`` is meaningful."""

    result: Any
    error: dict[str, Any] | None


def decode_reply(body: bytes) -> Reply:
    """Decode a reply body; raise ``ValueError`` if it is not a nameko reply."""
    payload = json.loads(body)
    if not isinstance(payload, dict) or "result" not in payload or "error" not in payload:
        raise ValueError("not a nameko RPC reply")
    error = payload["error"]
    if error is not None and not isinstance(error, dict):
        raise ValueError("malformed error in nameko RPC reply")
    return Reply(result=payload["result"], error=error)
