"""The duplicate review queue (registry): list, decide, and scan for more."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from common.contracts.jobs import JobOut
from common.contracts.reviews import ReviewDecision, ReviewOut, ReviewOutcome, ScanRequest
from gateway.audit import COLLECTION, audited, from_path, from_response
from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/duplicate-reviews", tags=["duplicates"], responses=COMMON_ERRORS)


@router.get(
    "",
    response_model=list[ReviewOut],
    responses=error_responses(401, 403, 404, 422, 503),
    openapi_extra=audited("review.list", "duplicate_review", COLLECTION),
)
async def list_reviews(
    caller: Caller,
    rpc: Rpc,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    household_id: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="every review of this household of your area, decided too"),
    ] = None,
) -> Any:
    """Pending pairs with a household in your area, strongest evidence first; or every review of one household.

    A household outside your area shows as ``{"outside_area": true}``. ``household_id``
    outside your area (or unknown) answers 404.
    """
    return await rpc.call("registry", "list_duplicate_reviews", limit, household_id, context=caller)


@router.get(
    "/{review_id}",
    response_model=ReviewOut,
    responses=error_responses(401, 403, 404, 503),
    openapi_extra=audited("review.read", "duplicate_review", from_path("review_id")),
)
async def get_review(review_id: str, caller: Caller, rpc: Rpc) -> Any:
    """A review with a household in your area; the other side, if outside it, shows as ``{"outside_area": true}``."""
    return await rpc.call("registry", "get_duplicate_review", review_id, context=caller)


@router.post(
    "/{review_id}/decision",
    response_model=ReviewOutcome,
    responses=error_responses(401, 403, 404, 409, 422, 503),
    openapi_extra=audited("review.decide", "duplicate_review", from_path("review_id")),
)
async def decide_review(review_id: str, body: ReviewDecision, caller: Caller, rpc: Rpc) -> Any:
    """Decide once: ``same`` merges (the old id then redirects), ``different`` releases the held household.

    The pair is never asked again. You cannot decide on a household you registered (403);
    a review with a household outside your area is decided by the level covering both (403
    ``cross_area_review``: the national level for two wilayas); a review already decided answers 409.
    """
    return await rpc.call("registry", "decide_duplicate_review", review_id, body.decision, context=caller)


@router.post(
    "/scans",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses=error_responses(401, 403, 409, 422, 503),
    openapi_extra=audited("review.scan", "duplicate_scan", from_response()),
)
async def start_scan(body: ScanRequest, caller: Caller, rpc: Rpc) -> Any:
    """Scan an area's households for duplicates registered before detection: a job (``/v1/jobs/{id}``).

    One scan runs at a time (409 otherwise).
    """
    return await rpc.call("registry", "start_duplicate_scan", body.area, context=caller)
