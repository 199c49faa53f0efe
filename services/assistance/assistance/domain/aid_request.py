"""An aid request: the aggregate, its decision record, and what each step changes in it.

A step never writes: it reads the request, checks it may be taken (``domain.lifecycle``)
and answers a :class:`Change` (the state it leads to, fields, events), which the
repository writes guarded on the state and version the request was read at
(``adapters.aid_requests``). The stored document keeps its shape: :meth:`AidRequest.document`
gives back exactly what :meth:`AidRequest.from_document` read, with the typed fields in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from assistance.domain.double_aid import Verdict
from assistance.domain.emergency import Emergency
from assistance.domain.lifecycle import (
    ApprovalLevel,
    State,
    Step,
    advance,
    advance_regularisation,
    allowed_steps,
    check_checker,
)
from common import areas
from common.context import CallerContext
from common.contracts.aid import Channel
from common.contracts.events import AidDecided, AidDisbursed, AidRequested, Event, UrgentAidGranted
from common.contracts.facts import HouseholdFacts
from common.errors import Conflict, InvalidTransition, ValidationFailed

FACTS_SNAPSHOT = (
    "as_of",
    "status",
    "members_count",
    "categories",
    "score",
    "band",
    "score_model",
    "assessed",
    "monthly_income_dzd",
    "income_per_member_dzd",
    "tenure",
)

TYPED = ("_id", "household_id", "area", "programme", "need", "benefit_type", "urgent", "state", "received_by")


def snapshot(facts: HouseholdFacts) -> dict[str, Any]:
    """The facts a diagnosis or a check was made on (no members: only what explains it)."""
    return facts.model_dump(mode="json", include=set(FACTS_SNAPSHOT))


def need_of(programme: Mapping[str, Any]) -> str:
    """A programme without a declared need is a need of its own."""
    return str(programme.get("need") or programme["code"])


@dataclass
class Change:
    """What a step writes besides the history entry: the state it leads to, fields, events."""

    state: str
    set: dict[str, Any] = field(default_factory=dict)
    push: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    motive: str | None = None


@dataclass(frozen=True)
class Decision:
    """The checker's decision as it is stored and printed on the letter (the one shape of it)."""

    by: str
    at: datetime
    decision: Literal["grant", "refuse"]
    amount_dzd: int | None
    period: str
    motive: str
    authority_role: str
    authority_area: str
    double_aid: list[dict[str, Any]] = field(default_factory=list)
    double_aid_flagged: bool = False

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Decision:
        return cls(**record)

    def record(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def granted(self) -> bool:
        return self.decision == "grant"


@dataclass(frozen=True)
class AidRequest:
    """One request for one household under one programme; ``stored`` keeps every other field as read."""

    id: str
    household_id: str
    area: str
    programme: str
    need: str
    benefit_type: str
    urgent: bool
    state: str
    received_by: str
    stored: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> AidRequest:
        return cls(
            id=str(doc["_id"]),
            household_id=doc["household_id"],
            area=doc["area"],
            programme=doc["programme"],
            need=doc["need"],
            benefit_type=doc["benefit_type"],
            urgent=bool(doc.get("urgent")),
            state=doc["state"],
            received_by=doc["received_by"],
            stored=dict(doc),
        )

    def document(self) -> dict[str, Any]:
        """The stored document (its ``_id`` as text: the repository stores it as an ObjectId)."""
        typed = {name: getattr(self, name) for name in TYPED[1:]}
        return {**self.stored, "_id": self.id, **typed}

    # what is read of the stored record

    @property
    def proposal(self) -> dict[str, Any] | None:
        return self.stored.get("proposal")

    @property
    def decision(self) -> Decision | None:
        record = self.stored.get("decision")
        return Decision.from_record(record) if record else None

    @property
    def regularisation(self) -> dict[str, Any] | None:
        return self.stored.get("regularisation")

    @property
    def eligibility(self) -> dict[str, Any] | None:
        return self.stored.get("eligibility")

    @property
    def version(self) -> int:
        return int(self.stored.get("version", 1))

    @property
    def history(self) -> list[dict[str, Any]]:
        return list(self.stored.get("history", ()))

    def applied_entry(self, key: str) -> dict[str, Any] | None:
        """The history entry written by the step that used ``key``, if any."""
        return next((entry for entry in self.history if entry.get("key") == key), None)

    def allowed_steps(self) -> list[str]:
        return allowed_steps(self.state, self.benefit_type)

    def event_fields(self) -> dict[str, Any]:
        """What every aid event says (``AidEvent``): ids, area and programme; never a person."""
        return {
            "request_id": self.id,
            "household_id": self.household_id,
            "area": self.area,
            "programme": self.programme,
            "need": self.need,
            "urgent": self.urgent,
        }

    # creation

    @classmethod
    def receive(
        cls,
        request_id: str,
        facts: HouseholdFacts,
        programme: Mapping[str, Any],
        channel: Channel,
        reason: str | None,
        by: str,
        at: datetime,
        key_stamp: Mapping[str, Any],
        key: str,
    ) -> tuple[AidRequest, list[Event]]:
        """A request received for a household (a merged household's goes to its survivor): ``received``."""
        first = {"key": key, "step": "receive", "by": by, "at": at, "from_state": None, "to_state": "received"}
        request = cls.from_document(
            _opened(request_id, facts, programme, State.RECEIVED, False, channel, reason, by, at, key_stamp, first)
        )
        return request, [AidRequested(**request.event_fields(), channel=channel)]

    @classmethod
    def grant_urgent(
        cls,
        request_id: str,
        facts: HouseholdFacts,
        programme: Mapping[str, Any],
        grant: UrgentGrant,
        verdict: Verdict,
        at: datetime,
        key_stamp: Mapping[str, Any],
        key: str,
    ) -> tuple[AidRequest, list[Event]]:
        """An urgent grant: created ``approved``, with its regularisation due ``grant.due_in`` later."""
        decision = Decision(
            by=grant.by,
            at=at,
            decision="grant",
            amount_dzd=grant.amount_dzd,
            period=grant.period,
            motive=grant.motive,
            authority_role=grant.authority_role,
            authority_area=grant.authority_area,
            double_aid=verdict.findings,
            double_aid_flagged=verdict.flagged,
        )
        due = at + grant.due_in
        first = {
            "key": key,
            "step": "grant_urgent",
            "by": grant.by,
            "at": at,
            "from_state": None,
            "to_state": State.APPROVED.value,
            "motive": grant.motive,
        }
        opened = _opened(
            request_id,
            facts,
            programme,
            State.APPROVED,
            True,
            grant.channel,
            grant.reason,
            grant.by,
            at,
            key_stamp,
            first,
        )
        request = cls.from_document(
            {
                **opened,
                "proposal": {
                    "by": grant.by,
                    "at": at,
                    "decision": "grant",
                    "amount_dzd": grant.amount_dzd,
                    "motive": grant.motive,
                    "period": grant.period,
                    "payment_point": grant.payment_point,
                    "double_aid": verdict.findings,
                },
                "decision": decision.record(),
                "regularisation": {
                    "status": "awaiting_diagnosis",
                    "due_at": due,
                    "level": 0,
                    "escalated_to": None,
                    "next_escalation_at": due,
                },
                **({"emergency": grant.emergency.grant_record()} if grant.emergency else {}),
            }
        )
        fields = request.event_fields()
        under = grant.emergency.grant_record() if grant.emergency else {}
        events: list[Event] = [
            UrgentAidGranted(
                **fields,
                amount_dzd=grant.amount_dzd,
                due_at=due,
                emergency_id=under.get("id"),
                campaign_id=under.get("campaign_id"),
            ),
            AidDecided(
                **fields,
                decision="grant",
                amount_dzd=grant.amount_dzd,
                period=grant.period,
                authority_role=grant.authority_role,
                double_aid_flagged=verdict.flagged,
            ),
        ]
        return request, events

    # steps

    def can(self, step: Step) -> State:
        """Where ``step`` leads this request; :class:`InvalidTransition` if it may not take it now."""
        return advance(self.state, step)

    def diagnose(self, by: str, at: datetime, notes: str | None, facts: Callable[[], HouseholdFacts]) -> Change:
        """The social worker's diagnosis on the ``facts`` as they stand (asked once the step is allowed).

        On an urgent grant, the first half of its regularisation.
        """
        if self.urgent:
            status = advance_regularisation(self._regularisation_status(), Step.DIAGNOSE)
            record = {"by": by, "at": at, "notes": notes, "facts": snapshot(facts())}
            return Change(state=self.state, set={"diagnosis": record, "regularisation.status": status.value})
        target = advance(self.state, Step.DIAGNOSE)
        record = {"by": by, "at": at, "notes": notes, "facts": snapshot(facts())}
        return Change(state=target, set={"diagnosis": record, "eligibility": None})

    def check_eligibility(self, record: dict[str, Any]) -> Change:
        return Change(state=advance(self.state, Step.CHECK_ELIGIBILITY), set={"eligibility": record})

    def proposed_amount(self, amount_dzd: int | None, payment_point: dict[str, Any] | None) -> int:
        """The amount a grant may be proposed for: a passed check, an amount, a payment point for cash."""
        eligibility = self.eligibility or {}
        if not eligibility.get("eligible"):
            failed = [c["id"] for c in eligibility.get("criteria", []) if not c["passed"]]
            raise Conflict("the household is not eligible: only a refusal can be proposed", {"failed": failed})
        amount = amount_dzd or eligibility.get("amount_dzd")
        if not amount:
            raise ValidationFailed("amount_dzd is required: the formula gives no amount")
        if self.benefit_type == "cash" and payment_point is None:
            raise ValidationFailed("a cash grant needs a payment point", {"field": "payment_point"})
        return int(amount)

    def propose(self, record: dict[str, Any], motive: str | None) -> Change:
        return Change(state=advance(self.state, Step.PROPOSE), set={"proposal": record}, motive=motive)

    def approval_level(self, checker: CallerContext) -> ApprovalLevel:
        """The level ``checker`` would grant the proposal at; refused for a refusal, a maker, a role too low."""
        advance(self.state, Step.APPROVE)
        proposal = self.proposal or {}
        if proposal.get("decision") != "grant":
            raise InvalidTransition(
                "a proposed refusal is confirmed by a rejection",
                {"state": self.state, "step": Step.APPROVE.value, "allowed": ["reject", "cancel", "withdraw"]},
            )
        return check_checker(checker.user_id, checker.roles, self.granted_amount, (self.received_by, proposal["by"]))

    @property
    def granted_amount(self) -> int:
        return int((self.proposal or {})["amount_dzd"])

    @property
    def period(self) -> str:
        """The period the proposal (or the decision) covers."""
        return str((self.proposal or {})["period"])

    def approve(
        self, checker: CallerContext, level: ApprovalLevel, verdict: Verdict, motive: str, at: datetime
    ) -> Change:
        """Grant the proposal: ``approved`` with its decision and ``aid_decided``; refused when covered already."""
        target = advance(self.state, Step.APPROVE)
        if verdict.refused:
            raise Conflict(
                "this need is already covered for an overlapping period",
                {"reason": "double_aid", "findings": verdict.findings},
            )
        decision = Decision(
            by=checker.user_id,
            at=at,
            decision="grant",
            amount_dzd=self.granted_amount,
            period=self.period,
            motive=motive,
            authority_role=level.role,
            authority_area=checker.area,
            double_aid=verdict.findings,
            double_aid_flagged=verdict.flagged,
        )
        event = AidDecided(
            **self.event_fields(),
            decision="grant",
            amount_dzd=decision.amount_dzd,
            period=decision.period,
            authority_role=level.role,
            double_aid_flagged=verdict.flagged,
        )
        return Change(state=target, set={"decision": decision.record()}, events=[event], motive=motive)

    def reject(self, checker: CallerContext, motive: str, at: datetime) -> Change:
        """Refuse the aid (confirming a proposed refusal, or overruling a grant): ``aid_decided``."""
        target = advance(self.state, Step.REJECT)
        proposal = self.proposal or {}
        at_stake = int(proposal.get("amount_dzd") or 0)
        level = check_checker(checker.user_id, checker.roles, at_stake, (self.received_by, proposal["by"]))
        decision = Decision(
            by=checker.user_id,
            at=at,
            decision="refuse",
            amount_dzd=None,
            period=self.period,
            motive=motive,
            authority_role=level.role,
            authority_area=checker.area,
        )
        event = AidDecided(
            **self.event_fields(),
            decision="refuse",
            amount_dzd=None,
            period=decision.period,
            authority_role=level.role,
        )
        return Change(state=target, set={"decision": decision.record()}, events=[event], motive=motive)

    def stop(self, step: Step, motive: str) -> Change:
        """Cancelled by the administration or withdrawn by the household, before payment."""
        target = advance(self.state, step)
        changes: dict[str, Any] = {}
        if self.urgent:
            changes["regularisation.status"] = "annulled"
            changes["regularisation.next_escalation_at"] = None
        return Change(state=target, set=changes, motive=motive)

    def deliver(self, delivered_on: str, notes: str | None) -> Change:
        """In-kind aid or a service handed over: ``disbursed``, ``aid_disbursed`` (cash goes through payment lists)."""
        target = advance(self.state, Step.DELIVER)
        if self.benefit_type == "cash":
            raise InvalidTransition(
                "cash aid is paid through payment lists",
                {"state": self.state, "step": Step.DELIVER.value, "allowed": allowed_steps(self.state, "cash")},
            )
        record = {"status": "delivered", "delivered_on": delivered_on, "attempt": 0}
        event = AidDisbursed(**self.event_fields(), amount_dzd=self.decided_amount, method="delivery")
        return Change(state=target, set={"disbursement": record}, events=[event], motive=notes)

    def schedule_payment(self, record: dict[str, Any]) -> Change:
        return Change(state=advance(self.state, Step.SCHEDULE_PAYMENT), set={"disbursement": record})

    def record_payment(self, reference: str, paid_at: datetime | None, amount_dzd: int) -> Change:
        """The operator paid it: ``disbursed`` with ``aid_disbursed``."""
        target = advance(self.state, Step.RECORD_PAYMENT)
        record = {
            **(self.stored.get("disbursement") or {}),
            "status": "paid",
            "reference": reference,
            "paid_at": paid_at.isoformat() if paid_at else None,
        }
        event = AidDisbursed(
            **self.event_fields(), amount_dzd=amount_dzd, method="payment", reference=reference, paid_at=paid_at
        )
        return Change(state=target, set={"disbursement": record}, events=[event])

    def follow_up(self, record: dict[str, Any]) -> Change:
        return Change(state=advance(self.state, Step.FOLLOW_UP_VISIT), push={"visits": record})

    def close(self, motive: str) -> Change:
        return Change(state=advance(self.state, Step.CLOSE), motive=motive)

    def regularise(self, checker: CallerContext, decision: str, motive: str, at: datetime) -> Change:
        """The regular decision on a diagnosed urgent grant; ``annul`` cancels it if not yet on its way to payment."""
        if not self.urgent:
            raise InvalidTransition(
                "only urgent aid is regularised", {"state": self.state, "step": "regularise", "allowed": []}
            )
        check_checker(checker.user_id, checker.roles, self.decided_amount, (self.received_by,))  # who, before what
        status = advance_regularisation(self._regularisation_status(), decision)
        state = self.state
        if status == "annulled" and state == State.APPROVED:
            state = State.CANCELLED.value
        changes = {
            "regularisation.status": status.value,
            "regularisation.next_escalation_at": None,
            "regularisation.decided_by": checker.user_id,
            "regularisation.decided_at": at,
            "regularisation.motive": motive,
        }
        return Change(state=state, set=changes, motive=motive)

    def with_state(self, state: str) -> AidRequest:
        return replace(self, state=state)

    @property
    def decided_amount(self) -> int:
        """The amount the decision granted."""
        return int(self.stored["decision"]["amount_dzd"])

    def _regularisation_status(self) -> str:
        return str((self.regularisation or {})["status"])


@dataclass(frozen=True)
class UrgentGrant:
    """What a coordinator grants at once: amount, period, motive, and who grants at which level."""

    by: str
    amount_dzd: int
    period: str
    motive: str
    channel: Channel
    reason: str | None
    payment_point: dict[str, Any] | None
    authority_role: str
    authority_area: str
    due_in: timedelta
    emergency: Emergency | None = None  # granted on a declared emergency's fast track


def _opened(
    request_id: str,
    facts: HouseholdFacts,
    programme: Mapping[str, Any],
    state: State,
    urgent: bool,
    channel: str,
    reason: str | None,
    by: str,
    at: datetime,
    key_stamp: Mapping[str, Any],
    first_step: dict[str, Any],
) -> dict[str, Any]:
    """The stored fields every aid request starts with, whichever way it opens (received or urgent)."""
    return {
        "_id": request_id,
        "household_id": facts.household_id,
        "area": facts.area,
        "area_ancestors": areas.ancestors(facts.area),
        "programme": programme["code"],
        "need": need_of(programme),
        "benefit_type": programme["benefit_type"],
        "urgent": urgent,
        "state": state.value,
        "channel": channel,
        "reason": reason,
        "received_by": by,
        "received_at": at,
        "updated_at": at,
        **key_stamp,
        "visits": [],
        "history": [first_step],
    }
