"""Move audit entries from the dead-letter queue back to the audit service.

``python -m audit.replay`` (AMQP_URI as the services) takes every dead letter that the
audit queue gave up on (its ``x-first-death-queue`` header names that queue), publishes
it back onto the audit queue unchanged, and acknowledges it in the dead-letter queue
only once the broker has confirmed the copy. Other dead letters are left where they
were. Replaying is idempotent: each entry carries its event id, and the trail appends
an event id once, so a copy replayed twice, or an entry that was in fact stored before
it was dead-lettered, never becomes a second record.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass

import amqp
from kombu.connection import Connection

from common.contracts.events import AUDIT_ENTRY
from common.protocol import event_queue
from common.settings import ServiceSettings
from common.topology import DEAD_LETTER_QUEUE

log = logging.getLogger(__name__)

AUDIT_QUEUE = event_queue("gateway", AUDIT_ENTRY, "audit", "on_audit_entry")
FIRST_DEATH_QUEUE = "x-first-death-queue"


@dataclass(frozen=True)
class Replayed:
    moved: int
    left: int


def is_audit_entry(message: amqp.Message) -> bool:
    """Whether this dead letter was dead-lettered by the audit queue."""
    headers = message.properties.get("application_headers") or {}
    return headers.get(FIRST_DEATH_QUEUE) == AUDIT_QUEUE


def replay(amqp_uri: str) -> Replayed:
    """Move the audit entries now in the dead-letter queue back to the audit queue.

    Looks at as many dead letters as the queue held when it started (so letters that
    arrive meanwhile cannot keep it going); the others are handed back untouched.
    """
    moved, held = 0, []
    with Connection(amqp_uri) as connection:  # type: ignore[no-untyped-call]
        channel: amqp.Channel = connection.default_channel
        channel.queue_declare(AUDIT_QUEUE, passive=True)  # refuse to run against a broker without it
        _, waiting, _ = channel.queue_declare(DEAD_LETTER_QUEUE, passive=True)
        channel.confirm_select()
        try:
            for _ in range(waiting):
                message = channel.basic_get(DEAD_LETTER_QUEUE, no_ack=False)
                if message is None:
                    break
                if not is_audit_entry(message):
                    held.append(message.delivery_tag)
                    continue
                copy = amqp.Message(message.body, **message.properties)
                channel.basic_publish_confirm(copy, exchange="", routing_key=AUDIT_QUEUE)
                channel.basic_ack(message.delivery_tag)
                moved += 1
        finally:
            for tag in held:
                channel.basic_reject(tag, requeue=True)
    return Replayed(moved=moved, left=len(held))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amqp-uri", default=ServiceSettings().amqp_uri, help="broker (default: AMQP_URI)")
    result = replay(parser.parse_args(argv).amqp_uri)
    print(f"moved {result.moved} audit entries back to {AUDIT_QUEUE}; left {result.left} other dead letters in place")
    return 0


if __name__ == "__main__":
    sys.exit(main())
