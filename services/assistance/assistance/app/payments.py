"""Disbursement of cash grants: payment lists per period and payment point, and reconciliation.

``build_payment_list`` puts every approved cash grant of an area not yet listed, and
every failed payment not yet issued again, into the period's lists (one per payment
point: CCP transfers together, money orders per post office); the grants move to
``disbursement_pending``. Building again adds only what is new. The operator's file
then settles each payment: ``paid`` moves the request to ``disbursed`` with
``aid_disbursed``; ``failed`` leaves it pending, to be issued again in a next list.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from assistance.app import aid_requests as aid
from assistance.app.ports import AidDesk, PaymentRepository
from assistance.app.steps import run_step
from assistance.domain import payments as pay
from assistance.domain.aid_request import AidRequest, Change
from assistance.domain.lifecycle import State, Step
from assistance.domain.payments import Payment, PaymentList
from common import policy
from common.clock import now
from common.context import CallerContext
from common.contracts.aid import PaymentListIn, PaymentPoint
from common.errors import DomainError, ValidationFailed
from common.idempotency import keyed
from common.scope import Scope
from common.validation import parse

log = logging.getLogger(__name__)

MAX_FILE_CHARS = 5_000_000


def _anywhere(request: AidRequest) -> None:
    """Bookkeeping steps act on requests the caller's query already scoped."""


@dataclass(frozen=True)
class ListsBuilt:
    """The period's lists of the area after a build, and how many payments this build added and issued again."""

    lists: list[PaymentList]
    added: int
    reissued: int


@dataclass(frozen=True)
class ToList:
    """A payment to put into the period's list of its point: a grant's first attempt, or a failed one's next."""

    request_id: str
    area: str
    amount_dzd: int
    point: str
    account: str | None
    attempt: int


def build_payment_list(
    desk: AidDesk, payments: PaymentRepository, caller: CallerContext, period: str, area: str
) -> ListsBuilt:
    """List the area's approved cash grants and failed payments for ``period`` (YYYY-MM).

    Repeating it adds only grants approved or payments failed since: a redelivered
    call lists nothing twice (a payment's reference is its key).
    """
    wanted = parse(PaymentListIn, {"period": period, "area": area})
    policy.require_within(caller, wanted.area)
    scope = Scope(wanted.area)
    added = 0
    for request in desk.requests.in_state(scope, State.APPROVED.value, "cash"):
        point = PaymentPoint.model_validate((request.proposal or {})["payment_point"])
        account = point.ref if point.kind == "ccp" else None
        grant = ToList(request.id, request.area, request.decided_amount, point.list_key, account, 1)
        added += list_payment(desk, payments, caller, wanted, grant)
    reissued = 0
    for failed in payments.to_reissue(scope):
        again = ToList(
            failed.request_id, failed.area, failed.amount_dzd, failed.point, failed.account, failed.attempt + 1
        )
        reissued += list_payment(desk, payments, caller, wanted, again, replaces=failed.reference)
    return ListsBuilt(payments.lists(wanted.period, wanted.area), added, reissued)


def list_payment(
    desk: AidDesk,
    payments: PaymentRepository,
    caller: CallerContext,
    wanted: PaymentListIn,
    listed: ToList,
    replaces: str | None = None,
) -> int:
    """Issue one payment into its list and point the request at it; 1 if it was listed now."""
    base_id = pay.list_id(wanted.period, wanted.area, listed.point)
    list_id = payments.open_list(base_id, wanted.period, wanted.area, listed.point, caller.user_id)
    payment = Payment.issue(
        request_id=listed.request_id,
        area=listed.area,
        amount_dzd=listed.amount_dzd,
        point=listed.point,
        account=listed.account,
        attempt=listed.attempt,
        list_id=list_id,
        period=wanted.period,
        at=now(),
    )
    issued = payments.issue(payment)
    stored = payments.get(payment.reference)
    record = {
        "status": "pending",
        "reference": payment.reference,
        "attempt": payment.attempt,
        "list_id": stored.list_id if stored is not None else list_id,
    }
    if replaces is not None:
        payments.mark_reissued(replaces, payment.reference)
        desk.requests.set_fields(payment.request_id, {"disbursement.reference": replaces}, {"disbursement": record})
        return int(issued)

    def decide(request: AidRequest) -> Change:
        return request.schedule_payment(record)

    try:
        run_step(
            desk.requests,
            payment.request_id,
            Step.SCHEDULE_PAYMENT,
            f"schedule:{payment.reference}",
            caller.user_id,
            decide,
            _anywhere,
        )
    except DomainError as exc:  # cancelled meanwhile: the payment stays listed for the operator to skip
        log.warning("a listed grant could not be scheduled", extra={"request_id": payment.request_id, "code": exc.code})
        return 0
    return int(issued)


def get_payment_list(desk: AidDesk, payments: PaymentRepository, caller: CallerContext, list_id: str) -> PaymentList:
    """A payment list with its payments; outside the caller's area it does not exist."""
    return policy.visible_or_404(
        payments.get_list(list_id), lambda payments_list: payments_list.visible_in(policy.scope(caller)), "payment list"
    )


def send_payment_list(desk: AidDesk, payments: PaymentRepository, caller: CallerContext, list_id: str) -> PaymentList:
    """Mark the list sent to the operator: its pending payments become ``sent`` (repeating changes nothing)."""
    found = get_payment_list(desk, payments, caller, list_id)
    return payments.send_list(list_id, caller.user_id) or found


def reconcile_payments(
    desk: AidDesk, payments: PaymentRepository, caller: CallerContext, csv_text: str, idempotency_key: str
) -> dict[str, Any]:
    """Apply the operator's file (``reference,status,paid_at[,failure_reason]``); the same key replays the report.

    Each row is applied once however often the file comes; references that are not
    payments of the caller's area, and rows that cannot be applied, are reported.
    """
    key = keyed(caller.user_id, idempotency_key, "reconcile_payments", csv_text)
    kept = payments.report(key)
    if kept is not None:
        return kept
    if not isinstance(csv_text, str) or len(csv_text) > MAX_FILE_CHARS:
        raise ValidationFailed(f"the file must be CSV text of at most {MAX_FILE_CHARS} characters")
    try:
        parsed = pay.parse_operator_csv(csv_text)
    except pay.MalformedFile as exc:
        raise ValidationFailed(str(exc), {"line": exc.line, "reason": "malformed_csv"}) from None
    report: dict[str, Any] = {
        "id": idempotency_key,
        "rows": len(parsed.rows) + sum(1 for p in parsed.problems if p["line"] != 1),
        "paid": 0,
        "failed": 0,
        "unchanged": 0,
        "unknown_references": [],
        "problems": list(parsed.problems),
    }
    seen: dict[str, str] = {}
    for row in parsed.rows:
        if row.reference in seen:
            if seen[row.reference] == row.status:
                report["unchanged"] += 1
            else:
                report["problems"].append(
                    {
                        "line": row.line,
                        "reference": row.reference,
                        "problem": "reported twice with different statuses",
                    }
                )
            continue
        seen[row.reference] = row.status
        payment = payments.get(row.reference)
        if payment is None or not payment.visible_in(policy.scope(caller)):
            report["unknown_references"].append(row.reference)
            continue
        outcome = settle(desk, payments, caller, payment, row)
        if outcome in ("paid", "failed", "unchanged"):
            report[outcome] += 1
        else:
            report["problems"].append({"line": row.line, "reference": row.reference, "problem": outcome})
    return payments.save_report(key, report, caller.user_id)


def settle(
    desk: AidDesk, payments: PaymentRepository, caller: CallerContext, payment: Payment, row: pay.OperatorRow
) -> str:
    """Apply one row: ``paid``, ``failed``, ``unchanged`` or the problem that stopped it."""
    current = payment.status
    if current in ("pending", "sent"):
        if not payments.settle(row.reference, current, row.status, row.paid_at, row.failure_reason):
            fresh = payments.get(row.reference) or payment
            return settle(desk, payments, caller, fresh, row) if fresh.status != current else "the payment is changing"
        applied: str = row.status
    elif current == row.status:
        applied = "unchanged"
    else:
        return f"reported {row.status} but recorded {current}"
    if row.status == "failed":
        desk.requests.set_fields(
            payment.request_id,
            {"disbursement.reference": row.reference},
            {"disbursement.status": "failed"},
        )
        return applied
    try:
        record_paid(desk, payments, caller, payment, row)
    except DomainError as exc:
        return f"payment recorded, but the request could not move: {exc.message}"
    return applied


def record_paid(
    desk: AidDesk, payments: PaymentRepository, caller: CallerContext, payment: Payment, row: pay.OperatorRow
) -> None:
    """The request becomes ``disbursed`` with ``aid_disbursed`` (a repeat replays), and its budget spent."""

    def decide(request: AidRequest) -> Change:
        return request.record_payment(row.reference, row.paid_at, payment.amount_dzd)

    run_step(
        desk.requests,
        payment.request_id,
        Step.RECORD_PAYMENT,
        f"paid:{row.reference}",
        caller.user_id,
        decide,
        _anywhere,
    )
    aid.spend(desk, payment.request_id)
