"""Aid requests, urgent aid, payment lists and reconciliation (assistance service).

A request moves by POSTing its next step (``/v1/aid-requests/{id}/proposal`` …), each
with an ``Idempotency-Key``: a repeated step acts once, a step its state does not allow
answers 409 ``invalid_transition`` with the steps it does allow. Requests outside your
area answer 404; creating one for an area outside yours answers 403.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel

from common import spreadsheet
from common.context import CallerContext
from common.contracts.aid import (
    AidMotiveIn,
    AidRequestFilter,
    AidRequestIn,
    AidRequestOut,
    AidRequestPage,
    DeliveryIn,
    DiagnosisIn,
    FollowUpVisitIn,
    PaymentListBuild,
    PaymentListIn,
    PaymentListOut,
    PaymentOut,
    ProposalIn,
    ReconciliationReport,
    RegularisationIn,
    UrgentAidIn,
)
from gateway.audit import COLLECTION, audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc, RpcCaller
from gateway.errors import COMMON_ERRORS, error_responses

READ_ERRORS = error_responses(401, 403, 404, 422, 503)
PAYMENT_COLUMNS = tuple(PaymentOut.model_fields)
STEP_ERRORS = error_responses(401, 403, 404, 409, 422, 503)


async def _step(
    rpc: RpcCaller, method: str, aid_request_id: str, body: BaseModel, idempotency_key: str, caller: CallerContext
) -> Any:
    """One lifecycle step of a request: the service checks the role, the state and the key."""
    return await rpc.call(
        "assistance", method, aid_request_id, body.model_dump(mode="json"), idempotency_key, context=caller
    )


requests = APIRouter(prefix="/v1/aid-requests", tags=["aid requests"], responses=COMMON_ERRORS)
urgent = APIRouter(prefix="/v1/urgent-aid", tags=["aid requests"], responses=COMMON_ERRORS)
payment_lists = APIRouter(prefix="/v1/payment-lists", tags=["payments"], responses=COMMON_ERRORS)
reconciliations = APIRouter(prefix="/v1/payment-reconciliations", tags=["payments"], responses=COMMON_ERRORS)


@requests.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.request", "aid_request", from_response()),
)
async def create_aid_request(body: AidRequestIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Receive a request for a household of your area (reception): state ``received``."""
    return await rpc.call(
        "assistance", "create_aid_request", body.model_dump(mode="json"), idempotency_key, context=caller
    )


@requests.get(
    "",
    response_model=AidRequestPage,
    responses=READ_ERRORS,
    openapi_extra=audited("aid.list", "aid_request", COLLECTION),
)
async def list_aid_requests(filters: Annotated[AidRequestFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """Requests in your area by creation (history left out); page with ``after``."""
    return await rpc.call(
        "assistance", "list_aid_requests", filters.model_dump(mode="json", exclude_none=True), context=caller
    )


@requests.get(
    "/{aid_request_id}",
    response_model=AidRequestOut,
    responses=READ_ERRORS,
    openapi_extra=audited("aid.read", "aid_request"),
)
async def get_aid_request(aid_request_id: str, caller: Caller, rpc: Rpc) -> Any:
    """A request with its diagnosis, check, proposal, decision, payment, visits and full history."""
    return await rpc.call("assistance", "get_aid_request", aid_request_id, context=caller)


@requests.post(
    "/{aid_request_id}/diagnosis",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.diagnose", "aid_request"),
)
async def diagnose_aid_request(
    aid_request_id: str, body: DiagnosisIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Record the social worker's diagnosis, linked to the household's registry assessment."""
    return await _step(rpc, "diagnose_aid_request", aid_request_id, body, idempotency_key, caller)


@requests.post(
    "/{aid_request_id}/eligibility-check",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.check", "aid_request"),
)
async def check_aid_eligibility(aid_request_id: str, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Check the programme's rules in force: a reason per criterion (FR, AR) and the amount."""
    return await rpc.call("assistance", "check_aid_eligibility", aid_request_id, idempotency_key, context=caller)


@requests.post(
    "/{aid_request_id}/proposal",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.propose", "aid_request"),
)
async def propose_aid_decision(
    aid_request_id: str, body: ProposalIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Propose to grant or refuse; grants of the same need in an overlapping period are shown."""
    return await _step(rpc, "propose_aid_decision", aid_request_id, body, idempotency_key, caller)


@requests.post(
    "/{aid_request_id}/approval",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.approve", "aid_request"),
)
async def approve_aid_request(
    aid_request_id: str, body: AidMotiveIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Grant as proposed: never by the receiver or the proposer (403), by a role covering the amount.

    409 ``conflict`` with ``details.reason`` ``double_aid`` when the need is already covered
    for an overlapping period (here or for a related household, in any wilaya), or when
    the programme's budget is exhausted."""
    return await _step(rpc, "approve_aid_request", aid_request_id, body, idempotency_key, caller)


@requests.post(
    "/{aid_request_id}/rejection",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.reject", "aid_request"),
)
async def reject_aid_request(
    aid_request_id: str, body: AidMotiveIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Refuse the aid (a checker's decision, as for an approval)."""
    return await _step(rpc, "reject_aid_request", aid_request_id, body, idempotency_key, caller)


@requests.post(
    "/{aid_request_id}/cancellation",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.cancel", "aid_request"),
)
async def cancel_aid_request(
    aid_request_id: str, body: AidMotiveIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Stop the request before payment (an approved grant: by a checker); the budget is given back."""
    return await _step(rpc, "cancel_aid_request", aid_request_id, body, idempotency_key, caller)


@requests.post(
    "/{aid_request_id}/withdrawal",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.withdraw", "aid_request"),
)
async def withdraw_aid_request(
    aid_request_id: str, body: AidMotiveIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """The household withdraws its request before payment."""
    return await _step(rpc, "withdraw_aid_request", aid_request_id, body, idempotency_key, caller)


@requests.post(
    "/{aid_request_id}/delivery",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.deliver", "aid_request"),
)
async def record_aid_delivery(
    aid_request_id: str, body: DeliveryIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """In-kind aid or a service handed over (cash goes through payment lists)."""
    return await _step(rpc, "record_aid_delivery", aid_request_id, body, idempotency_key, caller)


@requests.post(
    "/{aid_request_id}/follow-up-visit",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.follow_up", "aid_request"),
)
async def record_follow_up_visit(
    aid_request_id: str, body: FollowUpVisitIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """A follow-up visit after the aid (repeatable)."""
    return await _step(rpc, "record_follow_up_visit", aid_request_id, body, idempotency_key, caller)


@requests.post(
    "/{aid_request_id}/closure",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.close", "aid_request"),
)
async def close_aid_request(
    aid_request_id: str, body: AidMotiveIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Close the case after the aid and its follow-up, or after a rejection."""
    return await rpc.call(
        "assistance", "close_aid_request", aid_request_id, body.model_dump(mode="json"), idempotency_key, context=caller
    )


@requests.post(
    "/{aid_request_id}/regularisation",
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.regularise", "aid_request"),
)
async def regularise_urgent_aid(
    aid_request_id: str, body: RegularisationIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """Confirm or annul a diagnosed urgent grant (not by its granter)."""
    return await _step(rpc, "regularise_urgent_aid", aid_request_id, body, idempotency_key, caller)


@requests.get(
    "/{aid_request_id}/letter",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **error_responses(401, 403, 404, 409, 422, 503)},
    openapi_extra=audited("aid.letter", "aid_request"),
)
async def decision_letter(
    aid_request_id: str, caller: Caller, rpc: Rpc, lang: Annotated[Literal["ar", "fr"], Query()] = "fr"
) -> Response:
    """The decision letter as PDF, in Arabic or French (409 before a decision)."""
    letter = await rpc.call("assistance", "decision_letter", aid_request_id, lang, context=caller)
    return Response(
        content=base64.b64decode(letter["pdf_base64"]),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{letter["filename"]}"'},
    )


@urgent.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AidRequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("aid.urgent", "aid_request", from_response()),
)
async def grant_urgent_aid(body: UrgentAidIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Immediate aid by a cell coordinator within the cap (403 above it); regularisation due within days."""
    return await rpc.call(
        "assistance", "grant_urgent_aid", body.model_dump(mode="json"), idempotency_key, context=caller
    )


@payment_lists.post(
    "",
    response_model=PaymentListBuild,
    responses=error_responses(401, 403, 422, 503),
    openapi_extra=audited("payment_list.build", "payment_list", from_response("lists.id")),
)
async def build_payment_list(body: PaymentListIn, caller: Caller, rpc: Rpc) -> Any:
    """List the area's approved cash grants and failed payments for the month; repeating adds only what is new."""
    return await rpc.call("assistance", "build_payment_list", body.period, body.area, context=caller)


@payment_lists.get(
    "/{payment_list_id}",
    response_model=PaymentListOut,
    responses=READ_ERRORS,
    openapi_extra=audited("payment_list.read", "payment_list"),
)
async def get_payment_list(payment_list_id: str, caller: Caller, rpc: Rpc) -> Any:
    """A payment list with its payments, for the operator."""
    return await rpc.call("assistance", "get_payment_list", payment_list_id, context=caller)


@payment_lists.get(
    "/{payment_list_id}/csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **READ_ERRORS},
    openapi_extra=audited("payment_list.export", "payment_list"),
)
async def export_payment_list(payment_list_id: str, caller: Caller, rpc: Rpc) -> Response:
    """The payment list as a CSV file for the operator: one payment a row, cells a spreadsheet would run as text."""
    listed = await rpc.call("assistance", "get_payment_list", payment_list_id, context=caller)
    filename = "".join(char for char in str(listed["id"]) if char.isalnum() or char in "-_")
    return Response(
        spreadsheet.csv_text(PAYMENT_COLUMNS, listed["payments"]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payments_{filename}.csv"'},
    )


@payment_lists.post(
    "/{payment_list_id}/sending",
    response_model=PaymentListOut,
    responses=READ_ERRORS,
    openapi_extra=audited("payment_list.send", "payment_list"),
)
async def send_payment_list(payment_list_id: str, caller: Caller, rpc: Rpc) -> Any:
    """Mark the list sent to the operator (its pending payments become ``sent``)."""
    return await rpc.call("assistance", "send_payment_list", payment_list_id, context=caller)


@reconciliations.post(
    "",
    response_model=ReconciliationReport,
    responses=error_responses(401, 403, 409, 415, 422, 503),  # 409: the key was used for another file
    openapi_extra={
        **audited("payment.reconcile", "payment_reconciliation", from_response()),
        "requestBody": {
            "required": True,
            "description": "The operator's CSV: `reference,status,paid_at[,failure_reason]` (`,` or `;`).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
)
async def reconcile_payments(request: Request, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Apply the payment operator's file; unknown references and unusable rows are reported, never dropped."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "text/csv":
        raise HTTPException(415, "send the operator's file as text/csv")
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(422, "the file is not UTF-8 text") from None
    return await rpc.call("assistance", "reconcile_payments", text, idempotency_key, context=caller)


router = APIRouter()
for _sub in (requests, urgent, payment_lists, reconciliations):
    router.include_router(_sub)
