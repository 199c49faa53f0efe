"""Bequests (legs) of the solidarity service: declared, then taken step by step, with their documents.

A bequest moves by POSTing its next step (``/v1/bequests/{id}/steps/accept`` …), each with
an ``Idempotency-Key``: a repeated step acts once; a step its state does not allow answers
409 ``invalid_transition`` with ``details.code`` ``bequest_step_out_of_order`` and the
steps it does allow. Acceptance and refusal belong to the role the configured thresholds
name for the declared value (403 ``bequest_authority_incompetent`` for any other). Donors
declare and read their own bequests only; staff and auditors see their area's; any other
bequest answers 404.

Documents (PDF, JPEG or PNG, recognised by their first bytes, at most ``DOCUMENT_MAX_BYTES``)
are sent as the raw request body to ``/v1/bequest-documents`` and then named by id in
the step they support.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response

from common.contracts.bequests import (
    DOCUMENT_ID,
    DOCUMENT_MEDIA_TYPES,
    AcceptIn,
    BequestCount,
    BequestDocumentOut,
    BequestFilter,
    BequestIn,
    BequestOut,
    BequestPage,
    DocumentKind,
    RealiseIn,
    StepIn,
    ValueIn,
)
from gateway.audit import COLLECTION, audited, from_path, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

PATH = "/v1/bequests"
DOCUMENTS_PATH = "/v1/bequest-documents"  # its own body limit (DOCUMENT_MAX_BYTES), see gateway.main
READ_ERRORS = error_responses(401, 403, 404, 422, 503)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}  # the sender's name is never reused
STEP_ERRORS = error_responses(401, 403, 404, 409, 422, 503)

router = APIRouter(tags=["bequests"], responses=COMMON_ERRORS)


@router.post(
    PATH,
    status_code=201,
    response_model=BequestOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("bequest.declare", "bequest", from_response()),
)
async def declare_bequest(body: BequestIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Declare an intention (a donor their own; staff for a donor of their area): state ``declared``."""
    return await rpc.call(
        "solidarity", "declare_bequest", body.model_dump(mode="json"), idempotency_key, context=caller
    )


@router.get(
    PATH,
    response_model=BequestPage,
    responses=READ_ERRORS,
    openapi_extra=audited("bequest.list", "bequest", COLLECTION),
)
async def list_bequests(filters: Annotated[BequestFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """The bequests you see, newest first; page with ``after`` (the previous page's ``next_after``)."""
    return await rpc.call(
        "solidarity", "list_bequests", filters.model_dump(mode="json", exclude_none=True), context=caller
    )


@router.get(
    f"{PATH}/count",
    response_model=BequestCount,
    responses=READ_ERRORS,
)
async def count_bequests(filters: Annotated[BequestFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """How many bequests you see (``state``, ``overdue``); a number, no record: not audited, like other counts."""
    wanted = filters.model_dump(mode="json", exclude_none=True, exclude={"after", "limit"})
    return await rpc.call("solidarity", "count_bequests", wanted, context=caller)


@router.get(
    PATH + "/{bequest_id}",
    response_model=BequestOut,
    responses=READ_ERRORS,
    openapi_extra=audited("bequest.read", "bequest"),
)
async def get_bequest(bequest_id: str, caller: Caller, rpc: Rpc) -> Any:
    """A bequest with its history, the steps it allows now, its due date and the competent authority."""
    return await rpc.call("solidarity", "get_bequest", bequest_id, context=caller)


async def _step(rpc: Rpc, caller: Caller, bequest_id: str, step: str, body: StepIn, key: str) -> Any:
    return await rpc.call(
        "solidarity", "take_bequest_step", bequest_id, step, body.model_dump(mode="json"), key, context=caller
    )


def _step_route(step: str, summary: str) -> dict[str, Any]:
    return {
        "path": PATH + "/{bequest_id}/steps/" + step,
        "response_model": BequestOut,
        "responses": STEP_ERRORS,
        "openapi_extra": audited(f"bequest.{step}", "bequest"),
        "summary": summary,
    }


@router.post(**_step_route("notify", "The will or succession is notified (with its document)"))
async def notify_bequest(
    bequest_id: str, body: StepIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await _step(rpc, caller, bequest_id, "notify", body, idempotency_key)


@router.post(**_step_route("accept", "Accepted by the competent authority, with charges and conditions"))
async def accept_bequest(
    bequest_id: str, body: AcceptIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await _step(rpc, caller, bequest_id, "accept", body, idempotency_key)


@router.post(**_step_route("refuse", "Refused by the competent authority, with its reason (note)"))
async def refuse_bequest(
    bequest_id: str, body: StepIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await _step(rpc, caller, bequest_id, "refuse", body, idempotency_key)


@router.post(**_step_route("value", "Valued (with the valuation report)"))
async def value_bequest(
    bequest_id: str, body: ValueIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await _step(rpc, caller, bequest_id, "value", body, idempotency_key)


@router.post(**_step_route("realise", "Realised as cash, real estate or movable goods (with the deed)"))
async def realise_bequest(
    bequest_id: str, body: RealiseIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await _step(rpc, caller, bequest_id, "realise", body, idempotency_key)


@router.post(**_step_route("close", "Closed"))
async def close_bequest(
    bequest_id: str, body: StepIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await _step(rpc, caller, bequest_id, "close", body, idempotency_key)


@router.post(**_step_route("revoke", "Revoked by the donor's will, before notification (reason in note)"))
async def revoke_bequest(
    bequest_id: str, body: StepIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await _step(rpc, caller, bequest_id, "revoke", body, idempotency_key)


@router.post(
    DOCUMENTS_PATH,
    status_code=201,
    response_model=BequestDocumentOut,
    responses=error_responses(401, 403, 404, 409, 413, 415, 422, 503),
    openapi_extra={
        **audited("bequest.document.attach", "bequest", from_response("bequest_id")),
        "requestBody": {
            "required": True,
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in DOCUMENT_MEDIA_TYPES
            },
        },
    },
)
async def attach_bequest_document(
    request: Request,
    caller: Caller,
    rpc: Rpc,
    idempotency_key: IdempotencyKey,
    bequest_id: Annotated[str, Query(pattern=DOCUMENT_ID)],
    kind: Annotated[DocumentKind, Query()],
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> Any:
    """Attach a document to a bequest (the body is the file: PDF, JPEG or PNG; 415 for another Content-Type).

    The type is checked again from the file's first bytes (422 ``document_type_refused`` or
    ``document_type_mismatch``); a PDF with scripts or embedded files is refused (422
    ``document_active_content``); nothing is stored when it is refused.
    """
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type not in DOCUMENT_MEDIA_TYPES:
        raise HTTPException(415, f"send the document as {', '.join(DOCUMENT_MEDIA_TYPES)}")
    content = await request.body()
    document = {
        "kind": kind,
        "filename": filename,
        "media_type": media_type,
        "content": base64.b64encode(content).decode("ascii"),
    }
    return await rpc.call(
        "solidarity", "attach_bequest_document", bequest_id, document, idempotency_key, context=caller
    )


@router.get(
    PATH + "/{bequest_id}/documents",
    response_model=list[BequestDocumentOut],
    responses=READ_ERRORS,
    openapi_extra=audited("bequest.documents", "bequest"),
)
async def list_bequest_documents(bequest_id: str, caller: Caller, rpc: Rpc) -> Any:
    """The bequest's documents, each with the steps that carry it."""
    return await rpc.call("solidarity", "list_bequest_documents", bequest_id, context=caller)


@router.get(
    PATH + "/{bequest_id}/documents/{document_id}",
    response_class=Response,
    responses={200: {"content": {m: {} for m in DOCUMENT_MEDIA_TYPES}}, **READ_ERRORS},
    openapi_extra=audited("bequest.document.read", "bequest", from_path("bequest_id", "document_id")),
)
async def get_bequest_document(bequest_id: str, document_id: str, caller: Caller, rpc: Rpc) -> Response:
    """The document's bytes, as an attachment of the type its content showed when it was stored."""
    found = await rpc.call("solidarity", "get_bequest_document", bequest_id, document_id, context=caller)
    return Response(
        content=base64.b64decode(found["content"]),
        media_type=found["media_type"],
        headers={
            "Content-Disposition": f'attachment; filename="{found["id"]}.{EXTENSIONS[found["media_type"]]}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
