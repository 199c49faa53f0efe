"""The audit trail, for auditors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from common.contracts.audit import AuditQuery, AuditRecord
from gateway.audit import COLLECTION, audited
from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=COMMON_ERRORS)


@router.get(
    "/entries",
    response_model=list[AuditRecord],
    responses=error_responses(401, 403, 422, 503),
    openapi_extra=audited("audit.search", "audit_entry", COLLECTION),
)
async def search_entries(request: Request, query: Annotated[AuditQuery, Query()], caller: Caller, rpc: Rpc) -> Any:
    """Who read or changed what, newest first; page with ``before_seq``.

    A search may read much of the trail (any filter on a database without its indexes),
    so it is given ``RPC_SEARCH_TIMEOUT_SECONDS``, not the default RPC timeout.
    """
    filters = query.model_dump(mode="json", exclude_none=True)
    timeout = request.app.state.settings.rpc_search_timeout_seconds
    return await rpc.call("audit", "search_entries", filters, context=caller, timeout=timeout)
