"""Household facts for assistance's eligibility and double-aid checks (``common.contracts.facts``)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from common import areas, clock
from common.contracts.facts import column_pages
from common.errors import NotFound, ValidationFailed
from common.nameko_ext.page_stream import ReaderGone
from common.scope import Scope
from registry.app.ports import HouseholdRepository, ReviewRepository

if TYPE_CHECKING:
    from common.nameko_ext.background import Spawn
    from common.nameko_ext.page_stream import OpenSender


STREAM_PAGE = 5000
_PRIVATE_QUEUE = re.compile(r"^amq\.gen-[A-Za-z0-9_-]{1,64}$")  # the broker's names for server-named queues

log = logging.getLogger(__name__)


def household_facts(
    households: HouseholdRepository, reviews: ReviewRepository, scope: Scope, household_id: str
) -> dict[str, Any]:
    """One household's facts, with ``related_households``: the same people registered elsewhere.

    Related are households merged into this one, sharing a member's national id, or
    pending duplicate review with it, wherever they are: the double-aid check needs
    them across wilayas, and they are only ids. A merged household answers for its survivor.
    """
    facts = households.facts(household_id, clock.now().date())
    if facts is None or not scope.contains(facts["area"]):
        raise NotFound("household not found")
    pending = reviews.partners(facts["household_id"])
    facts["related_households"] = sorted(set(facts["related_households"]) | pending)
    return facts


def stream_facts(
    households: HouseholdRepository,
    open_sender: OpenSender,
    background: Spawn,
    scope: Scope,
    area: str,
    reply_to: str,
) -> dict[str, Any]:
    """Stream the facts of every household of ``area`` to the private queue ``reply_to``, as columns.

    Pages of up to ``STREAM_PAGE`` households in the wire form of ``facts_to_columns``,
    read from one database cursor, then an end mark. An area outside ``scope`` streams
    nothing. Answers at once; the pages are sent beside the RPC workers.
    """
    target = areas.validate(area)
    if not isinstance(reply_to, str) or not _PRIVATE_QUEUE.match(reply_to):
        raise ValidationFailed("reply_to must be a server-named queue (amq.gen-…)", {"field": "reply_to"})
    visible, day = scope.contains(target), clock.now().date()
    sender = open_sender(reply_to)  # connected here, so that a broker failure is the RPC's

    def work() -> None:
        try:
            with sender:
                facts = households.facts_stream(target, day) if visible else iter(())
                sender.send_all(column_pages(facts, STREAM_PAGE))
        except ReaderGone:
            log.info("facts stream stopped: the reader went away")
        except Exception:  # a managed thread that raises would stop the whole service
            log.exception("facts stream failed")

    background(work, f"facts-stream-{reply_to}")
    return {"streaming": True, "page_size": STREAM_PAGE}
