"""The broker topology every environment declares before any service starts.

``python -m common.topology > deploy/rabbitmq/definitions.json`` regenerates the
RabbitMQ definitions file that the local run imports and compose/k8s load at boot:
the RPC and event exchanges, one durable queue per event subscription (so an event
published while its consumer is down waits for it), the dead-letter exchange and
queue, and the policy that dead-letters the event queues.

RPC queues are deliberately outside that policy: an RPC request that expires or is
rejected was given up by its caller, has no value left, and carries personal data
(national ids, phones) that must not pile up in the dead-letter queue.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
from typing import Any

from common.contracts.events import SUBSCRIPTIONS
from common.protocol import RPC_EXCHANGE, event_exchange, event_queue

DEAD_LETTER_EXCHANGE = "dead-letters"
DEAD_LETTER_QUEUE = "dead-letters"
# The policy's name stays as first published so that importing the definitions over
# an existing broker replaces the old policy (which also matched RPC queues).
DEAD_LETTER_POLICY = "dead-letter-service-queues"
DEAD_LETTERED_QUEUES = "^evt-"
DEFAULT_VHOST = "/"
SERVICES = ("registry", "assistance", "solidarity", "veille", "reporting", "audit")
PUBLISHERS = (*SERVICES, "gateway")
# Dev broker account, documented in the README; production overrides definitions.
DEV_USER, DEV_PASSWORD = "guest", "guest"
_DEV_SALT = b"\x5a\x1d\x00\x07"


def _password_hash(password: str, salt: bytes = _DEV_SALT) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256 format."""
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def _exchange(vhost: str, name: str, kind: str = "topic") -> dict[str, Any]:
    return {
        "name": name,
        "vhost": vhost,
        "type": kind,
        "durable": True,
        "auto_delete": False,
        "internal": False,
        "arguments": {},
    }


def _queue(vhost: str, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": arguments or {}}


def _binding(vhost: str, exchange: str, queue: str, routing_key: str) -> dict[str, Any]:
    return {
        "source": exchange,
        "vhost": vhost,
        "destination": queue,
        "destination_type": "queue",
        "routing_key": routing_key,
        "arguments": {},
    }


def definitions(vhost: str = DEFAULT_VHOST) -> dict[str, Any]:
    """The RabbitMQ definitions document for ``vhost``."""
    exchanges = [_exchange(vhost, RPC_EXCHANGE), _exchange(vhost, DEAD_LETTER_EXCHANGE, "fanout")]
    exchanges += [_exchange(vhost, event_exchange(s)) for s in PUBLISHERS]
    queues = [_queue(vhost, DEAD_LETTER_QUEUE, {"x-max-length": 1_000_000})]
    bindings = [_binding(vhost, DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, "")]
    for source, event_type, consumer, method in SUBSCRIPTIONS:
        name = event_queue(source, event_type, consumer, method)
        queues.append(_queue(vhost, name))
        bindings.append(_binding(vhost, event_exchange(source), name, event_type))
    return {
        "users": [
            {
                "name": DEV_USER,
                "password_hash": _password_hash(DEV_PASSWORD),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": ["administrator"],
            }
        ],
        "vhosts": [{"name": vhost}],
        "permissions": [{"user": DEV_USER, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}],
        "policies": [
            {
                "vhost": vhost,
                "name": DEAD_LETTER_POLICY,
                "pattern": DEAD_LETTERED_QUEUES,
                "apply-to": "queues",
                "priority": 0,
                "definition": {"dead-letter-exchange": DEAD_LETTER_EXCHANGE},
            }
        ],
        "exchanges": exchanges,
        "queues": queues,
        "bindings": bindings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vhost", default=DEFAULT_VHOST, help="virtual host to declare (tests use their own)")
    print(json.dumps(definitions(parser.parse_args().vhost), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
