"""Event names and the envelope every event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

HOUSEHOLD_REGISTERED = "household_registered"
HOUSEHOLD_UPDATED = "household_updated"
HOUSEHOLDS_MERGED = "households_merged"
SCORE_CHANGED = "score_changed"
AID_REQUESTED = "aid_requested"
AID_DECIDED = "aid_decided"
AID_DISBURSED = "aid_disbursed"
URGENT_AID_GRANTED = "urgent_aid_granted"
REGULARISATION_OVERDUE = "regularisation_overdue"
AUDIT_ENTRY = "audit_entry"  # published by the gateway for every audited request

# (source service, event type, consuming service, handler method): each is a durable
# queue declared in the broker before anything publishes (see common.topology).
SUBSCRIPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("registry", HOUSEHOLD_REGISTERED, "reporting", "on_household_registered"),
    ("registry", HOUSEHOLDS_MERGED, "reporting", "on_households_merged"),
    ("registry", SCORE_CHANGED, "reporting", "on_score_changed"),
    ("gateway", AUDIT_ENTRY, "audit", "on_audit_entry"),
)


class EventEnvelope(BaseModel):
    """``event_id`` is the consumers' deduplication key."""

    model_config = ConfigDict(extra="forbid")

    event_id: str
    event_type: str
    occurred_at: datetime
    data: dict[str, Any]

    @classmethod
    def new(cls, event_type: str, data: dict[str, Any]) -> EventEnvelope:
        return cls(
            event_id=uuid.uuid4().hex,
            event_type=event_type,
            occurred_at=datetime.now(UTC),
            data=data,
        )
