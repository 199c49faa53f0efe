"""RPC replies are published without publisher confirms.

nameko waits for a broker confirm after every reply, one extra round trip on the
critical path of every call. A reply lost to a broker crash costs the caller a
timeout, which it must already handle, and state-changing calls are idempotent, so
the retry is safe. Events and everything else keep their confirms.
"""

from __future__ import annotations

from nameko.amqp.publish import Publisher
from nameko.rpc import Responder


class UnconfirmedReplyPublisher(Publisher):
    use_confirms = False


def install() -> None:
    """Make nameko's RPC responder publish replies unconfirmed (idempotent)."""
    Responder.publisher_cls = UnconfirmedReplyPublisher
