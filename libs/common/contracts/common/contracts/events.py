"""Events: their names, their typed and versioned payloads, and the envelope they travel in.

Each event type is a pydantic model (a subclass of :class:`Event`) naming its
``event_type`` and its ``version``. A producer builds the model and stores or publishes
``EventEnvelope.of(event)`` (``common.nameko_ext.outbox.entry(event)`` in a service,
``AsyncEventPublisher.publish_event(event)`` in the gateway); a consumer turns what it
received back into the model with :func:`parse_event`.

Compatibility policy
    * Producers are strict: an event model forbids unknown fields, so a typo or a field
      the contract does not name fails where the event is built.
    * Consumers are tolerant: :func:`parse_event` ignores fields of ``data`` that the
      consumer's model does not know (a producer one version ahead may have added some),
      and fields of the envelope other than the ones below.
    * Adding a field is the only change within an event type: the new field has a
      default (older producers do not send it) and the model's ``version`` goes up by
      one. Removing, renaming or retyping a field is a new event type.
    * An envelope without ``version`` (written before versions existed, e.g. still
      waiting in an outbox) is version 1.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.contracts.aid import Channel
from common.contracts.audit import AuditEntry
from common.contracts.signals import Category as SignalCategory
from common.contracts.signals import Level as SignalLevel
from common.contracts.signals import Outcome as SignalOutcome
from common.errors import ValidationFailed

HOUSEHOLD_REGISTERED = "household_registered"
HOUSEHOLD_UPDATED = "household_updated"
HOUSEHOLDS_MERGED = "households_merged"
SCORE_CHANGED = "score_changed"
AID_REQUESTED = "aid_requested"
AID_DECIDED = "aid_decided"
AID_DISBURSED = "aid_disbursed"
URGENT_AID_GRANTED = "urgent_aid_granted"
REGULARISATION_OVERDUE = "regularisation_overdue"
BEQUEST_STAGE_CHANGED = "bequest_stage_changed"
DONATION_RECORDED = "donation_recorded"
PLEDGE_DUE = "pledge_due"
CAMPAIGN_PROGRESSED = "campaign_progressed"
RECEIPT_ISSUED = "receipt_issued"
RECEIPT_CANCELLED = "receipt_cancelled"
SIGNAL_REPORTED = "signal_reported"
SIGNAL_TRIAGED = "signal_triaged"
SIGNAL_ESCALATED = "signal_escalated"
SIGNAL_CLOSED = "signal_closed"
ALERT_RAISED = "alert_raised"
ALERT_CLEARED = "alert_cleared"
EMERGENCY_DECLARED = "emergency_declared"
EMERGENCY_ENDED = "emergency_ended"
AUDIT_ENTRY = "audit_entry"  # published by the gateway for every audited request

# (source service, event type, consuming service, handler method): each is a durable
# queue declared in the broker before anything publishes (see common.topology).
SUBSCRIPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("registry", HOUSEHOLD_REGISTERED, "reporting", "on_household_registered"),
    ("registry", HOUSEHOLDS_MERGED, "reporting", "on_households_merged"),
    ("registry", SCORE_CHANGED, "reporting", "on_score_changed"),
    ("assistance", AID_REQUESTED, "reporting", "on_aid_requested"),
    ("assistance", AID_DECIDED, "reporting", "on_aid_decided"),
    ("assistance", AID_DISBURSED, "reporting", "on_aid_disbursed"),
    ("assistance", URGENT_AID_GRANTED, "reporting", "on_urgent_aid_granted"),
    ("assistance", REGULARISATION_OVERDUE, "reporting", "on_regularisation_overdue"),
    ("solidarity", DONATION_RECORDED, "reporting", "on_donation_recorded"),
    ("veille", SIGNAL_REPORTED, "reporting", "on_signal_reported"),
    ("veille", SIGNAL_CLOSED, "reporting", "on_signal_closed"),
    ("veille", SIGNAL_ESCALATED, "reporting", "on_signal_escalated"),
    ("veille", EMERGENCY_DECLARED, "assistance", "on_emergency_declared"),
    ("veille", EMERGENCY_ENDED, "assistance", "on_emergency_ended"),
    ("gateway", AUDIT_ENTRY, "audit", "on_audit_entry"),
)


class Event(BaseModel):
    """The payload (``data``) of one event type; never a person's name, id number or phone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    version: ClassVar[int] = 1


# --- registry -------------------------------------------------------------------------


class HouseholdRegistered(Event):
    event_type: ClassVar[str] = HOUSEHOLD_REGISTERED
    version: ClassVar[int] = 2

    household_id: str
    area: str
    members: int = Field(ge=0)
    categories: list[str] = Field(  # version 2
        default_factory=list, description="the vulnerable categories its members held when it was registered"
    )


class HouseholdUpdated(Event):
    event_type: ClassVar[str] = HOUSEHOLD_UPDATED

    household_id: str
    fields: list[str] = Field(description="names of the fields the update changed")


class HouseholdsMerged(Event):
    event_type: ClassVar[str] = HOUSEHOLDS_MERGED

    survivor_id: str
    merged_id: str
    area: str = Field(description="area of the merged (dropped) household")


class ScoreChanged(Event):
    event_type: ClassVar[str] = SCORE_CHANGED

    household_id: str
    area: str
    model_version: str
    score: float
    band: str
    old_score: float | None = None
    old_band: str | None = None


# --- assistance -----------------------------------------------------------------------


class AidEvent(Event):
    """What every aid event says: ids, area and programme; never a person."""

    request_id: str
    household_id: str
    area: str
    programme: str
    need: str
    urgent: bool = False


class AidRequested(AidEvent):
    event_type: ClassVar[str] = AID_REQUESTED

    channel: Channel


class AidDecided(AidEvent):
    event_type: ClassVar[str] = AID_DECIDED

    decision: Literal["grant", "refuse"]
    amount_dzd: int | None = Field(description="granted amount; None for a refusal")
    period: str | None
    authority_role: str
    double_aid_flagged: bool = False


class AidDisbursed(AidEvent):
    event_type: ClassVar[str] = AID_DISBURSED

    amount_dzd: int | None
    method: Literal["delivery", "payment"]
    reference: str | None = Field(default=None, description="the payment operator's reference (payments)")
    paid_at: datetime | None = None


class UrgentAidGranted(AidEvent):
    event_type: ClassVar[str] = URGENT_AID_GRANTED
    version: ClassVar[int] = 2

    amount_dzd: int
    due_at: datetime = Field(description="when the regularisation of the urgent grant is due")
    emergency_id: str | None = Field(  # version 2
        default=None, description="the declared emergency it was granted under (its fast track), if any"
    )
    campaign_id: str | None = Field(default=None, description="the solidarity campaign that emergency links")  # v2


class RegularisationOverdue(AidEvent):
    event_type: ClassVar[str] = REGULARISATION_OVERDUE

    due_at: datetime
    level: int = Field(ge=1, description="escalation level reached (1 = first escalation)")
    escalated_to: str
    status: str = Field(description="the regularisation's status when it was escalated")
    days_late: float


# --- solidarity ---------------------------------------------------------------------


class BequestStageChanged(Event):
    """A bequest took a step, or its current step went overdue; ids and states only, never the donor."""

    event_type: ClassVar[str] = BEQUEST_STAGE_CHANGED

    bequest_id: str
    area: str
    step: str = Field(description="the step taken (declare, notify, accept, ...) or 'overdue'")
    from_state: str | None = Field(description="None when the bequest was declared")
    to_state: str
    overdue: bool = False
    due_on: date | None = Field(default=None, description="when the new state's step is due (None: no deadline)")
    realisation: Literal["cash", "real_estate", "movable_goods"] | None = Field(
        default=None, description="on 'realise': how it was realised (cash is money the directorate received)"
    )
    amount_minor: int | None = Field(default=None, description="on 'realise': the amount realised, in minor units")
    currency: str | None = None


class DonationRecorded(Event):
    """A gift recorded (cash or in kind): ids, area and amount in minor units; never the donor's name."""

    event_type: ClassVar[str] = DONATION_RECORDED

    gift_id: str
    donor_id: str
    area: str
    campaign_id: str | None = None
    kind: Literal["cash", "in_kind"]
    amount_minor: int = Field(description="cash amount, or the valuation of the items, in minor units")
    currency: str


class PledgeDue(Event):
    """A pledge's instalment is due soon or overdue (one reminder per instalment and day)."""

    event_type: ClassVar[str] = PLEDGE_DUE

    pledge_id: str
    donor_id: str
    area: str
    due_on: date
    amount_minor: int
    outstanding_minor: int
    currency: str


class CampaignProgressed(Event):
    """A campaign's totals passed a tenth of one of its goals (or its first gift)."""

    event_type: ClassVar[str] = CAMPAIGN_PROGRESSED

    campaign_id: str
    area: str
    raised: dict[str, int] = Field(description="currency -> minor units received")
    gifts: int
    percents: dict[str, int] = Field(default_factory=dict, description="goal -> whole percent reached")


# --- veille ---------------------------------------------------------------------------


class SignalEvent(Event):
    """What every signal event says: ids, area, category and severity; never who reported or whom it is about."""

    signal_id: str
    area: str
    category: SignalCategory
    severity: int = Field(ge=1, le=5)


class SignalReported(SignalEvent):
    event_type: ClassVar[str] = SIGNAL_REPORTED

    reporter_kind: Literal["agent", "association", "institution", "hotline"]
    persons: int = Field(ge=1, description="how many people the signal is about")
    priority: int = Field(default=0, description="1 when reported in an area under a declared emergency")


class SignalTriaged(SignalEvent):
    event_type: ClassVar[str] = SIGNAL_TRIAGED

    previous_severity: int


class SignalEscalated(SignalEvent):
    event_type: ClassVar[str] = SIGNAL_ESCALATED

    status: str = Field(description="the step the signal was waiting for when it escalated")
    from_level: SignalLevel
    to_level: SignalLevel
    assigned_area: str = Field(description="the area now handling it: the wilaya, or /DZ for the ministry")
    due_at: datetime
    overdue_seconds: int


class SignalClosed(SignalEvent):
    event_type: ClassVar[str] = SIGNAL_CLOSED

    outcome: SignalOutcome
    reference: str | None = Field(default=None, description="the case, referral, aid request or original signal")


class AlertRaised(Event):
    event_type: ClassVar[str] = ALERT_RAISED

    alert_id: str
    rule_id: str
    rule_version: int
    commune: str
    period: str
    value: float
    threshold: float


class AlertCleared(Event):
    event_type: ClassVar[str] = ALERT_CLEARED

    alert_id: str
    rule_id: str
    commune: str
    period: str
    value: float


class EmergencyDeclared(Event):
    """A disaster declared over areas: assistance opens the urgent-aid fast track there with these caps."""

    event_type: ClassVar[str] = EMERGENCY_DECLARED

    emergency_id: str
    areas: list[str]
    ends_at: datetime
    urgent_cap_dzd: int = Field(ge=1)
    grants_per_household: int = Field(ge=1)
    campaign_id: str | None = None


class EmergencyEnded(Event):
    """An emergency ended before its date (lifted or shortened): assistance closes its fast track at ``ended_at``."""

    event_type: ClassVar[str] = EMERGENCY_ENDED

    emergency_id: str
    areas: list[str]
    ended_at: datetime


class ReceiptIssued(Event):
    """A receipt took its number (a gift's, a re-issue naming the one it replaces, or a donor's annual one)."""

    event_type: ClassVar[str] = RECEIPT_ISSUED

    number: str
    kind: Literal["gift", "annual"]
    issuer: str
    area: str
    donor_id: str
    gift_ids: list[str]
    amount_minor: int
    currency: str
    issued_on: date
    replaces: str | None = None


class ReceiptCancelled(Event):
    """A receipt made void; its number stays in the register (the reason is not sent: staff write it freely)."""

    event_type: ClassVar[str] = RECEIPT_CANCELLED

    number: str
    issuer: str
    area: str
    donor_id: str
    replaced_by: str | None = None


# --- gateway --------------------------------------------------------------------------


class AuditEntryEvent(AuditEntry, Event):
    """One audited request (the fields of :class:`common.contracts.audit.AuditEntry`)."""

    event_type: ClassVar[str] = AUDIT_ENTRY


EVENT_MODELS: dict[str, type[Event]] = {
    model.event_type: model
    for model in (
        HouseholdRegistered,
        HouseholdUpdated,
        HouseholdsMerged,
        ScoreChanged,
        AidRequested,
        AidDecided,
        AidDisbursed,
        UrgentAidGranted,
        RegularisationOverdue,
        BequestStageChanged,
        DonationRecorded,
        PledgeDue,
        CampaignProgressed,
        ReceiptIssued,
        ReceiptCancelled,
        AuditEntryEvent,
        SignalReported,
        SignalTriaged,
        SignalEscalated,
        SignalClosed,
        AlertRaised,
        AlertCleared,
        EmergencyDeclared,
        EmergencyEnded,
    )
}

E = TypeVar("E", bound=Event)


class EventEnvelope(BaseModel):
    """What travels (and what an outbox stores): ``event_id`` is the consumers' deduplication key."""

    model_config = ConfigDict(extra="ignore")

    event_id: str
    event_type: str
    version: int = Field(default=1, ge=1)  # an envelope written before versions existed is version 1
    occurred_at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Event) -> EventEnvelope:
        """A new envelope (fresh id, now) around a typed event."""
        return cls(
            event_id=uuid.uuid4().hex,
            event_type=event.event_type,
            version=event.version,
            occurred_at=datetime.now(UTC),
            data=event.model_dump(mode="json"),
        )

    @classmethod
    def new(cls, event_type: str, data: dict[str, Any]) -> EventEnvelope:
        """An envelope around untyped ``data`` (the form before typed events; prefer :meth:`of`)."""
        return cls(event_id=uuid.uuid4().hex, event_type=event_type, occurred_at=datetime.now(UTC), data=data)


class Received(BaseModel, Generic[E]):
    """An event as a consumer sees it: the envelope's fields and the typed payload."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    event_type: str
    version: int
    occurred_at: datetime
    data: E


class MalformedEvent(ValidationFailed):
    """A received payload that is not a valid event of its (or the expected) type.

    ``details["errors"]`` lists where and why (``loc``, ``msg``), never the values.
    """

    code = "malformed_event"


def _problems(exc: ValidationError, prefix: tuple[str | int, ...]) -> list[dict[str, str]]:
    return [
        {"loc": ".".join(str(part) for part in (*prefix, *error["loc"])), "msg": error["msg"]}
        for error in exc.errors(include_url=False, include_input=False)
    ]


@overload
def parse_event(payload: Any) -> Received[Event]: ...


@overload
def parse_event(payload: Any, expected: type[E]) -> Received[E]: ...


def parse_event(payload: Any, expected: type[Event] | None = None) -> Received[Any]:
    """The typed event in a received ``payload`` (an envelope as published).

    With ``expected``, the payload must be of that model's type. Unknown fields are
    ignored (see the module's compatibility policy); anything else wrong raises
    :class:`MalformedEvent`.
    """
    try:
        envelope = EventEnvelope.model_validate(payload)
    except ValidationError as exc:
        raise MalformedEvent("malformed event envelope", {"errors": _problems(exc, ())}) from None
    model = EVENT_MODELS.get(envelope.event_type)
    if model is None or (expected is not None and model is not expected):
        wanted = expected.event_type if expected is not None else "a known event type"
        raise MalformedEvent(
            f"unexpected event type {envelope.event_type!r} (wanted {wanted})",
            {"event_id": envelope.event_id, "event_type": envelope.event_type},
        )
    known = {name: value for name, value in envelope.data.items() if name in model.model_fields}
    try:
        data = model.model_validate(known)
    except ValidationError as exc:
        raise MalformedEvent(
            f"malformed {envelope.event_type} event",
            {"event_id": envelope.event_id, "errors": _problems(exc, ("data",))},
        ) from None
    return Received[Any](
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        version=envelope.version,
        occurred_at=envelope.occurred_at,
        data=data,
    )
