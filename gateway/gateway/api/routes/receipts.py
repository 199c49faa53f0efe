"""Receipts of the solidarity service: issue, read, print, cancel, re-issue, annual; the register.

A receipt is named by its number, ``DAS-16/2026/000123``, which is also its path:
``/v1/receipts/DAS-16/2026/000123`` (``/pdf``, ``/cancel``, ``/reissue``). Staff see the
receipts issued in their area, a donor only their own; any other number answers 404, as an
unknown one. Every write takes an ``Idempotency-Key``. The register (``GET /v1/receipts``)
lists every number, void ones with their reason.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from common.contracts.receipts import AnnualReceiptIn, ReceiptFilter, ReceiptOut, ReceiptReasonIn, RegisterPage
from gateway.audit import COLLECTION, audited, from_path, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

PATH = "/v1/receipts"
ONE = PATH + "/{issuer}/{year}/{sequence}"
READ_ERRORS = error_responses(401, 403, 404, 422, 503)
WRITE_ERRORS = error_responses(401, 403, 404, 409, 422, 503)
NUMBER = from_path("issuer", "year", "sequence")

router = APIRouter(tags=["receipts"], responses=COMMON_ERRORS)

Issuer = Annotated[str, Path(pattern=r"^(MSN|DAS-\d{2})$", examples=["DAS-16"])]
Year = Annotated[str, Path(pattern=r"^\d{4}$", examples=["2026"])]
Sequence = Annotated[str, Path(pattern=r"^\d{6,9}$", examples=["000123"])]


def number(issuer: str, year: str, sequence: str) -> str:
    return f"{issuer}/{year}/{sequence}"


@router.post(
    "/v1/gifts/{gift_id}/receipt",
    status_code=status.HTTP_201_CREATED,
    response_model=ReceiptOut,
    responses=WRITE_ERRORS,
    openapi_extra=audited("receipt.issue", "receipt", from_response("number")),
)
async def issue_receipt(gift_id: str, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """The receipt of a standing gift (its amount is then locked); 409 for a cancelled or receipted gift."""
    return await rpc.call("solidarity", "issue_receipt", gift_id, idempotency_key, context=caller)


@router.post(
    PATH + "/annual",
    status_code=status.HTTP_201_CREATED,
    response_model=ReceiptOut,
    responses=WRITE_ERRORS,
    openapi_extra=audited("receipt.annual", "receipt", from_response("number")),
)
async def annual_receipt(body: AnnualReceiptIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """A donor's consolidated receipt of a year; 409 ``annual_receipt_exists`` when one is valid already."""
    return await rpc.call("solidarity", "annual_receipt", body.model_dump(mode="json"), idempotency_key, context=caller)


@router.get(PATH, response_model=RegisterPage, responses=READ_ERRORS, openapi_extra=audited("receipt.list", "receipt",
            COLLECTION))  # fmt: skip
async def list_receipts(filters: Annotated[ReceiptFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """The register by number: valid receipts, and void numbers with their reason (a donor: their own)."""
    return await rpc.call("solidarity", "list_receipts", filters.model_dump(mode="json"), context=caller)


@router.get(ONE, response_model=ReceiptOut, responses=READ_ERRORS, openapi_extra=audited("receipt.read", "receipt",
            NUMBER))  # fmt: skip
async def get_receipt(issuer: Issuer, year: Year, sequence: Sequence, caller: Caller, rpc: Rpc) -> Any:
    return await rpc.call("solidarity", "get_receipt", number(issuer, year, sequence), context=caller)


@router.get(
    ONE + "/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **READ_ERRORS},
    openapi_extra=audited("receipt.pdf", "receipt", NUMBER),
)
async def receipt_pdf(issuer: Issuer, year: Year, sequence: Sequence, caller: Caller, rpc: Rpc) -> Response:
    """The printed receipt: Arabic and French, the verification code and its QR code."""
    printed = await rpc.call("solidarity", "receipt_pdf", number(issuer, year, sequence), context=caller)
    return Response(
        content=base64.b64decode(printed["content"]),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{printed["filename"]}"'},
    )


@router.post(ONE + "/cancel", response_model=ReceiptOut, responses=WRITE_ERRORS,
             openapi_extra=audited("receipt.cancel", "receipt", NUMBER))  # fmt: skip
async def cancel_receipt(
    issuer: Issuer, year: Year, sequence: Sequence, body: ReceiptReasonIn, caller: Caller, rpc: Rpc,
    idempotency_key: IdempotencyKey,
) -> Any:  # fmt: skip
    """Void the receipt with its reason; the number stays in the register (409 if it is void already)."""
    return await rpc.call("solidarity", "cancel_receipt", number(issuer, year, sequence),
                          body.model_dump(mode="json"), idempotency_key, context=caller)  # fmt: skip


@router.post(ONE + "/reissue", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut,
             responses=WRITE_ERRORS, openapi_extra=audited("receipt.reissue", "receipt", NUMBER))  # fmt: skip
async def reissue_receipt(
    issuer: Issuer, year: Year, sequence: Sequence, body: ReceiptReasonIn, caller: Caller, rpc: Rpc,
    idempotency_key: IdempotencyKey,
) -> Any:  # fmt: skip
    """Void the receipt and issue it again under a new number that names it; answers the new receipt."""
    return await rpc.call("solidarity", "reissue_receipt", number(issuer, year, sequence),
                          body.model_dump(mode="json"), idempotency_key, context=caller)  # fmt: skip
