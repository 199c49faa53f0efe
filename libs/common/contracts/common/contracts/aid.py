"""Aid requests from reception to follow-up, urgent aid, payment lists and reconciliation.

Bodies the gateway validates and the assistance service parses again, and the shapes it
answers with. A request's ``state`` moves only through the steps of
``assistance.domain.lifecycle``; every step is a POST with an ``Idempotency-Key``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common import areas
from common.contracts.paging import Cursor
from common.contracts.programmes import PERIOD_PATTERN

Channel = Literal["walk_in", "field_visit", "phone", "referral", "online"]
AidState = Literal[
    "received",
    "diagnosed",
    "checked",
    "proposed",
    "approved",
    "rejected",
    "disbursement_pending",
    "disbursed",
    "follow_up",
    "closed",
    "cancelled",
    "withdrawn",
]
PaymentStatus = Literal["pending", "sent", "paid", "failed"]

HOUSEHOLD_ID = r"^[0-9a-f]{24}$"
PROGRAMME_CODE = r"^[a-z0-9][a-z0-9-]{2,47}$"
PAYMENT_PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_AMOUNT_DZD = 100_000_000

Motive = Field(min_length=3, max_length=2000, description="why: shown on the decision letter and in the history")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)


def _area(value: str) -> str:
    if not areas.is_valid(value):
        raise ValueError("malformed area path")
    return value


class AidRequestIn(_In):
    """A request received for a household, in the area where it is handled."""

    household_id: str = Field(pattern=HOUSEHOLD_ID)
    area: str = Field(description="the household's commune, or an area above it inside yours", examples=["/DZ/16/1601"])
    programme: str = Field(pattern=PROGRAMME_CODE, examples=["afs"])
    channel: Channel
    reason: str = Field(min_length=3, max_length=2000, examples=["Perte d'emploi du chef de ménage"])

    _check_area = field_validator("area")(_area)


class DiagnosisIn(_In):
    """The social worker's diagnosis; the registry's assessment is linked to it when recorded."""

    notes: str = Field(min_length=3, max_length=4000)


class PaymentPoint(_In):
    """Where a cash grant is paid: a CCP account (transfer) or a post office (money order)."""

    kind: Literal["ccp", "post_office"]
    ref: str = Field(description="CCP account and key, or the post office code", examples=["0012345678 45", "16001"])

    @model_validator(mode="after")
    def _shape(self) -> PaymentPoint:
        digits = self.ref.replace(" ", "")
        valid = digits.isdigit() and (6 <= len(digits) <= 12 if self.kind == "ccp" else len(digits) == 5)
        if not valid:
            raise ValueError("a CCP account is 4 to 10 digits and a 2-digit key; a post office code is 5 digits")
        self.ref = digits
        return self

    @property
    def list_key(self) -> str:
        """Payments are listed per point: every CCP transfer together, money orders per office."""
        return "ccp" if self.kind == "ccp" else f"post_office:{self.ref}"


class ProposalIn(_In):
    """The maker's proposal: grant (an amount, the computed one by default) or refuse."""

    decision: Literal["grant", "refuse"]
    amount_dzd: int | None = Field(default=None, ge=1, le=MAX_AMOUNT_DZD, description="default: the formula's amount")
    motive: str = Motive
    period: str | None = Field(
        default=None,
        pattern=PERIOD_PATTERN,
        description="the period the aid covers: YYYY-MM for monthly programmes, YYYY otherwise; default: now",
    )
    payment_point: PaymentPoint | None = Field(default=None, description="required to grant cash aid")

    @model_validator(mode="after")
    def _refusal_has_no_amount(self) -> ProposalIn:
        if self.decision == "refuse" and (self.amount_dzd is not None or self.payment_point is not None):
            raise ValueError("a refusal carries no amount and no payment point")
        return self


class AidMotiveIn(_In):
    """A decision, a rejection, a cancellation, a withdrawal or a closure: the motive."""

    motive: str = Motive


class DeliveryIn(_In):
    """In-kind aid or a service handed over."""

    delivered_on: date
    notes: str | None = Field(default=None, max_length=2000)


class FollowUpVisitIn(_In):
    visited_on: date
    situation: Literal["improved", "stable", "worsened"]
    notes: str = Field(min_length=3, max_length=4000)


class UrgentAidIn(_In):
    """Immediate aid by a cell coordinator, within the cap; regularised within days."""

    household_id: str = Field(pattern=HOUSEHOLD_ID)
    area: str = Field(examples=["/DZ/16/1601"])
    programme: str = Field(default="urgent-aid", pattern=PROGRAMME_CODE)
    amount_dzd: int = Field(ge=1, le=MAX_AMOUNT_DZD)
    channel: Channel = "walk_in"
    reason: str = Field(min_length=3, max_length=2000)
    motive: str = Motive
    payment_point: PaymentPoint | None = None

    _check_area = field_validator("area")(_area)


class RegularisationIn(_In):
    """The regular decision on an urgent grant: confirm it, or annul it (cancelled if not yet paid)."""

    decision: Literal["confirm", "annul"]
    motive: str = Motive


class AidRequestFilter(_In):
    state: AidState | None = None
    programme: str | None = Field(default=None, pattern=PROGRAMME_CODE)
    household_id: str | None = Field(default=None, pattern=HOUSEHOLD_ID)
    urgent: bool | None = None
    limit: int = Field(default=50, ge=1, le=200)
    after: Cursor | None = None


class PaymentListIn(_In):
    period: str = Field(pattern=PAYMENT_PERIOD, examples=["2026-03"], description="the month the payments are for")
    area: str = Field(examples=["/DZ/16"])

    _check_area = field_validator("area")(_area)


# ---------------------------------------------------------------- answers


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class HistoryEntry(_Out):
    step: str
    by: str
    at: str
    from_state: str | None = Field(description="None for the step that created the request")
    to_state: str
    motive: str | None = None


class Diagnosis(_Out):
    by: str
    at: str
    notes: str
    facts: dict[str, Any] = Field(description="the registry facts it was made on: score, band, model, income…")


class CriterionOutcome(_Out):
    id: str
    kind: str
    passed: bool
    value: Any = None
    reason_fr: str
    reason_ar: str


class Eligibility(_Out):
    by: str
    at: str
    rules_version: int
    eligible: bool
    criteria: list[CriterionOutcome]
    amount_dzd: int | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)


class DoubleAidFinding(_Out):
    """A grant for the same need in an overlapping period: never whose, only what and when."""

    programme: str | None = Field(
        default=None, description="none when the programme is offered only outside this request's area"
    )
    need: str
    period: str
    related: bool = Field(description="granted to a household the registry relates to this one, not to this one")


class Proposal(_Out):
    by: str
    at: str
    decision: Literal["grant", "refuse"]
    amount_dzd: int | None = None
    motive: str
    period: str
    payment_point: dict[str, str] | None = None
    double_aid: list[DoubleAidFinding] = Field(default_factory=list)


class Decision(_Out):
    by: str
    at: str
    decision: Literal["grant", "refuse"]
    amount_dzd: int | None = None
    motive: str
    authority_role: str
    authority_area: str
    double_aid: list[DoubleAidFinding] = Field(default_factory=list)
    double_aid_flagged: bool = False


class Disbursement(_Out):
    status: PaymentStatus | Literal["delivered"]
    reference: str | None = None
    attempt: int = 0
    list_id: str | None = None
    paid_at: str | None = None
    delivered_on: str | None = None


class FollowUpVisit(_Out):
    by: str
    at: str
    visited_on: str
    situation: str
    notes: str


class RegularisationOut(_Out):
    status: Literal["awaiting_diagnosis", "awaiting_decision", "confirmed", "annulled"]
    due_at: str
    level: int = Field(description="escalations so far: 0 none, 1 the wilaya, 2 the ministry")
    escalated_to: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    motive: str | None = None


class EmergencyGrantOut(_Out):
    """The declared emergency an urgent grant was made under (its fast track) and the campaign it links."""

    id: str
    campaign_id: str | None = None


class AidRequestOut(_Out):
    id: str
    household_id: str
    area: str
    programme: str
    need: str
    benefit_type: str
    state: AidState
    urgent: bool
    channel: Channel
    reason: str
    received_by: str
    received_at: str
    allowed_steps: list[str]
    diagnosis: Diagnosis | None = None
    eligibility: Eligibility | None = None
    proposal: Proposal | None = None
    decision: Decision | None = None
    disbursement: Disbursement | None = None
    visits: list[FollowUpVisit] = Field(default_factory=list)
    regularisation: RegularisationOut | None = None
    emergency: EmergencyGrantOut | None = None
    history: list[HistoryEntry]
    updated_at: str


class AidRequestPage(_Out):
    items: list[AidRequestOut]
    next_cursor: str | None


class PaymentOut(_Out):
    reference: str
    request_id: str
    area: str
    amount_dzd: int
    point: str
    account: str | None = Field(default=None, description="the CCP account a transfer goes to")
    status: PaymentStatus
    attempt: int
    paid_at: str | None = None
    failure: str | None = None
    reissued_as: str | None = None


class PaymentListOut(_Out):
    id: str
    period: str
    area: str
    point: str
    status: Literal["open", "sent"]
    total_dzd: int
    payments: list[PaymentOut]


class PaymentListBuild(_Out):
    """What a build added: new grants, and failed payments issued again."""

    lists: list[PaymentListOut]
    added: int
    reissued: int


class ReconciliationProblem(_Out):
    line: int
    reference: str | None = None
    problem: str


class ReconciliationReport(_Out):
    """Every row is accounted for: applied, unchanged (already known), or reported."""

    id: str
    rows: int
    paid: int
    failed: int
    unchanged: int
    unknown_references: list[str]
    problems: list[ReconciliationProblem]
