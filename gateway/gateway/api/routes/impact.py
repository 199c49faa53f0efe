"""Programme impact of a quarter in an area, read from the reporting service (issue 13 item 5)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/reports/impact", tags=["reports"], responses=COMMON_ERRORS)

Area = Annotated[str | None, Query(description="an area inside yours; yours by default")]
Programme = Annotated[
    str | None, Query(min_length=1, max_length=100, description="only the grants of this programme count as aid")
]


@router.get("/{period}", responses=error_responses(401, 403, 404, 422, 503))
async def programme_impact(
    period: str, caller: Caller, rpc: Rpc, area: Area = None, programme: Programme = None
) -> Any:
    """A quarter's (``2026-Q3``) programme impact: the mean score change of households granted aid against
    non-assisted ones of the same commune and start band (difference in differences; ``too_few_to_compare``
    under the small-cell threshold), inclusion and exclusion error estimates per commune, and follow-up
    visits (``available: false`` until an event carries them). Donors read only suppressed figures (``null``).
    Another area than yours answers 404; a malformed, future or annual period 422 ``unknown_period``."""
    return await rpc.call("reporting", "programme_impact", period, area, programme, context=caller)
