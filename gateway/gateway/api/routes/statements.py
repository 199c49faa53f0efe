"""Bank and CCP statement imports: the CSV is the request body, the answer the matching report."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Query, Request, status

from common.contracts.gifts import StatementReportOut
from common.refusals import invalid
from gateway.audit import audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

CSV_TYPES = frozenset({"text/csv", "text/plain", "application/csv"})
LAYOUT = """The bank's or CCP's statement as CSV: columns `date` (YYYY-MM-DD), `amount` (major units, `.` or `,`
for decimals), `reference` and optionally `label`, separated by `,` or `;`, UTF-8. Credits are matched by the
references they carry to transfer gifts and to pledges (`PLG-…`); debits and unreadable lines are reported.
A file that is not CSV answers 422 `statement_not_csv` and nothing is applied."""

router = APIRouter(prefix="/v1/statements", tags=["solidarity"], responses=COMMON_ERRORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=StatementReportOut,
    responses=error_responses(401, 403, 409, 413, 422, 503),  # 409: the key was used for another file
    openapi_extra={
        **audited("statement.import", "statement_import", from_response()),
        "requestBody": {
            "required": True,
            "description": LAYOUT,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
)
async def import_statement(
    request: Request,
    caller: Caller,
    rpc: Rpc,
    idempotency_key: IdempotencyKey,
    currency: str = Query(default="DZD", pattern=r"^[A-Z]{3}$"),
) -> Any:
    """Match each credit once to a transfer gift or a pledge of the caller's area; the same key replays the report."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise invalid("statement_not_csv", "send the statement as text/csv", content_type=media_type)
    content = base64.b64encode(await request.body()).decode()
    return await rpc.call("solidarity", "import_statement", content, currency, idempotency_key, context=caller)
