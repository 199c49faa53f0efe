"""The life of an aid request as a pure state machine, and who may decide it.

A request is received (reception), diagnosed by a social worker, checked against the
programme's rules, proposed by a maker, then approved or rejected by a checker whose
role covers the amount (:data:`APPROVAL_LEVELS`), who is neither the maker nor the
receiving agent. Granted cash aid goes through a payment list (``disbursement_pending``)
to ``disbursed``; in-kind aid and services are delivered directly. Follow-up visits
come after, then the case is closed. Before the aid is on its way it may be cancelled
by the administration or withdrawn by the household.

Urgent aid skips the queue: it is created ``approved`` and carries a second, smaller
machine, its regularisation (a diagnosis then a regular decision, due after a few
days and escalated when late).

Nothing here touches nameko or the database: the service reads the request, asks this
module where a step leads, and writes the new state guarded on the one it read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from common import policy
from common.errors import Forbidden, InvalidTransition


class State(StrEnum):
    RECEIVED = "received"
    DIAGNOSED = "diagnosed"
    CHECKED = "checked"
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    DISBURSEMENT_PENDING = "disbursement_pending"
    DISBURSED = "disbursed"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"


class Step(StrEnum):
    DIAGNOSE = "diagnose"
    CHECK_ELIGIBILITY = "check_eligibility"
    PROPOSE = "propose"
    APPROVE = "approve"
    REJECT = "reject"
    SCHEDULE_PAYMENT = "schedule_payment"  # entered a payment list
    RECORD_PAYMENT = "record_payment"  # the operator reported it paid
    DELIVER = "deliver"  # in kind or service, handed over
    FOLLOW_UP_VISIT = "follow_up_visit"
    CLOSE = "close"
    CANCEL = "cancel"
    WITHDRAW = "withdraw"


BEFORE_PAYMENT = (State.RECEIVED, State.DIAGNOSED, State.CHECKED, State.PROPOSED, State.APPROVED)

TRANSITIONS: dict[tuple[State, Step], State] = {
    (State.RECEIVED, Step.DIAGNOSE): State.DIAGNOSED,
    (State.DIAGNOSED, Step.DIAGNOSE): State.DIAGNOSED,
    (State.CHECKED, Step.DIAGNOSE): State.DIAGNOSED,  # a new diagnosis asks for a new check
    (State.DIAGNOSED, Step.CHECK_ELIGIBILITY): State.CHECKED,
    (State.CHECKED, Step.CHECK_ELIGIBILITY): State.CHECKED,
    (State.CHECKED, Step.PROPOSE): State.PROPOSED,
    (State.PROPOSED, Step.APPROVE): State.APPROVED,
    (State.PROPOSED, Step.REJECT): State.REJECTED,
    (State.APPROVED, Step.SCHEDULE_PAYMENT): State.DISBURSEMENT_PENDING,
    (State.DISBURSEMENT_PENDING, Step.RECORD_PAYMENT): State.DISBURSED,
    (State.APPROVED, Step.DELIVER): State.DISBURSED,
    (State.DISBURSED, Step.FOLLOW_UP_VISIT): State.FOLLOW_UP,
    (State.FOLLOW_UP, Step.FOLLOW_UP_VISIT): State.FOLLOW_UP,
    (State.DISBURSED, Step.CLOSE): State.CLOSED,
    (State.FOLLOW_UP, Step.CLOSE): State.CLOSED,
    (State.REJECTED, Step.CLOSE): State.CLOSED,
    **{(state, Step.CANCEL): State.CANCELLED for state in BEFORE_PAYMENT},
    **{(state, Step.WITHDRAW): State.WITHDRAWN for state in BEFORE_PAYMENT},
}

GRANTED = frozenset({State.APPROVED, State.DISBURSEMENT_PENDING, State.DISBURSED, State.FOLLOW_UP, State.CLOSED})
"""States in which a request holds a grant (a closed one only if it was granted)."""

DECIDED = frozenset({State.APPROVED, State.REJECTED}) | GRANTED


PAYMENT_STEPS = frozenset({Step.SCHEDULE_PAYMENT, Step.RECORD_PAYMENT})  # cash only
DELIVERY_STEPS = frozenset({Step.DELIVER})  # in kind and services only


def allowed_steps(state: str, benefit_type: str | None = None) -> list[str]:
    """The steps a request in ``state`` may take, in lifecycle order (for its benefit type, if given)."""
    excluded = {None: frozenset(), "cash": DELIVERY_STEPS}.get(benefit_type, PAYMENT_STEPS)
    return [step.value for step in Step if (State(state), step) in TRANSITIONS and step not in excluded]


def advance(state: str, step: str) -> State:
    """Where ``step`` leads from ``state``; :class:`InvalidTransition` if it may not be taken."""
    target = TRANSITIONS.get((State(state), Step(step)))
    if target is None:
        raise InvalidTransition(
            f"a request in state '{state}' cannot take the step '{step}'",
            {"state": state, "step": step, "allowed": allowed_steps(state)},
        )
    return target


class Regularisation(StrEnum):
    """The track of an urgent grant: diagnosed, then confirmed or annulled by a regular decision."""

    AWAITING_DIAGNOSIS = "awaiting_diagnosis"
    AWAITING_DECISION = "awaiting_decision"
    CONFIRMED = "confirmed"
    ANNULLED = "annulled"


REGULARISATION_OPEN = frozenset({Regularisation.AWAITING_DIAGNOSIS, Regularisation.AWAITING_DECISION})

REGULARISATION_TRANSITIONS: dict[tuple[Regularisation, str], Regularisation] = {
    (Regularisation.AWAITING_DIAGNOSIS, Step.DIAGNOSE): Regularisation.AWAITING_DECISION,
    (Regularisation.AWAITING_DECISION, Step.DIAGNOSE): Regularisation.AWAITING_DECISION,
    (Regularisation.AWAITING_DECISION, "confirm"): Regularisation.CONFIRMED,
    (Regularisation.AWAITING_DECISION, "annul"): Regularisation.ANNULLED,
}


def advance_regularisation(status: str, step: str) -> Regularisation:
    """Where ``step`` (``diagnose``, ``confirm``, ``annul``) leads an urgent grant's regularisation."""
    target = REGULARISATION_TRANSITIONS.get((Regularisation(status), step))
    if target is None:
        allowed = [s for (source, s) in REGULARISATION_TRANSITIONS if source == status]
        raise InvalidTransition(
            f"a regularisation in state '{status}' cannot take the step '{step}'",
            {"state": status, "step": step, "allowed": allowed},
        )
    return target


def regularisation_steps(status: str | None) -> list[str]:
    """The steps an urgent grant's open regularisation expects next (``diagnose``, ``regularise``)."""
    if status == Regularisation.AWAITING_DIAGNOSIS:
        return [Step.DIAGNOSE.value]
    if status == Regularisation.AWAITING_DECISION:
        return [Step.DIAGNOSE.value, "regularise"]
    return []


@dataclass(frozen=True)
class ApprovalLevel:
    """A checker's role and the largest amount it may grant (``None``: no limit)."""

    role: str
    max_amount_dzd: int | None
    title_fr: str
    title_ar: str

    def covers(self, amount_dzd: int) -> bool:
        return self.max_amount_dzd is None or amount_dzd <= self.max_amount_dzd


APPROVAL_LEVELS: tuple[ApprovalLevel, ...] = (
    ApprovalLevel(
        policy.CELL_COORDINATOR,
        20_000,
        "Coordinateur de la cellule de proximité de solidarité",
        "منسق الخلية الجوارية للتضامن",
    ),
    ApprovalLevel(
        policy.WILAYA_DIRECTOR,
        200_000,
        "Directeur de l'action sociale et de la solidarité",
        "مدير النشاط الاجتماعي والتضامن",
    ),
    ApprovalLevel(
        policy.NATIONAL_OFFICER,
        None,
        "Ministère de la Solidarité nationale, de la Famille et de la Condition de la femme",
        "وزارة التضامن الوطني والأسرة وقضايا المرأة",
    ),
)
"""Who decides what, lowest first: the one table the approval rule reads."""

LEVEL_BY_ROLE = {level.role: level for level in APPROVAL_LEVELS}


def required_level(amount_dzd: int) -> ApprovalLevel:
    """The lowest level whose limit covers ``amount_dzd``."""
    return next(level for level in APPROVAL_LEVELS if level.covers(amount_dzd))


def deciding_level(roles: Iterable[str], amount_dzd: int) -> ApprovalLevel | None:
    """The lowest of the caller's levels that covers ``amount_dzd``, or ``None``."""
    held = set(roles)
    return next((level for level in APPROVAL_LEVELS if level.role in held and level.covers(amount_dzd)), None)


def check_checker(user_id: str, roles: Iterable[str], amount_dzd: int, makers: Iterable[str | None]) -> ApprovalLevel:
    """The level a checker decides at; :class:`Forbidden` for a maker or a role below the amount.

    ``makers`` are the users who received and proposed the request: none of them decides it.
    """
    if user_id in set(makers):
        raise Forbidden("you received or proposed this request: another officer must decide it")
    level = deciding_level(roles, amount_dzd)
    if level is None:
        needed = required_level(amount_dzd)
        raise Forbidden(
            f"an amount of {amount_dzd} DZD must be decided by a {needed.role} or above",
            {"required_role": needed.role, "amount_dzd": amount_dzd},
        )
    return level
