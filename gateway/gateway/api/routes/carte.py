"""The carte sociale: an area's indicator sheet (JSON), its map (PNG) and the sheet as a bilingual PDF.

``area`` is an area path (``/DZ/16``; the caller's own area by default). An area outside the
caller's answers 404 as if it did not exist. Donors read the published figures: counts below
the minimum cell are hidden (``null`` with their name in ``hidden``; ● in the PDF and the map's
"no data" class).
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

router = APIRouter(prefix="/v1/reports/carte", tags=["reports"], responses=COMMON_ERRORS)

AreaQuery = Annotated[
    str | None, Query(max_length=64, description="area path (/DZ, /DZ/16, /DZ/16/1601); the caller's own by default")
]
Indicator = Literal["households", "in_need_share", "coverage"]


class Names(BaseModel):
    fr: str
    ar: str


class Indicators(BaseModel):
    area: str
    names: Names
    households: int | None
    people: int | None
    score_bands: dict[str, int | None] = Field(description="households by score band (the active model's)")
    categories: dict[str, int | None] | None = Field(description="households by vulnerable category; null: no source")
    assisted_households: int | None = Field(description="households assisted this quarter (per programme)")
    aid_per_assisted_household_dzd: int | None
    in_need: int | None = Field(description="households in the high and extreme bands")
    coverage: float | None = Field(description="assisted households ÷ households in need")
    open_signals: int | None
    hidden: list[str] = Field(description="figures hidden by small-cell suppression (the other nulls have no source)")


class CarteSheet(BaseModel):
    area: str
    level: Literal["national", "wilaya", "commune", "cell"]
    as_of: str | None = Field(description="when the last event the read models applied occurred")
    suppressed: bool = Field(description="true for published figures (donors): small cells hidden")
    min_cell: int
    totals: Indicators
    children: list[Indicators]


def _file(found: dict[str, Any]) -> Response:
    return Response(
        content=base64.b64decode(found["content_base64"]),
        media_type=found["media_type"],
        headers={"Content-Disposition": f'inline; filename="{found["filename"]}"'},
    )


@router.get("", response_model=CarteSheet, responses=error_responses(401, 403, 404, 422, 503))
async def carte_sheet(caller: Caller, rpc: Rpc, area: AreaQuery = None) -> Any:
    """The indicator sheet of an area and one line per area directly below it."""
    return await rpc.call("reporting", "carte_sheet", area, context=caller)


@router.get(
    "/map",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **error_responses(401, 403, 404, 422, 503)},
)
async def carte_map(
    caller: Caller, rpc: Rpc, area: AreaQuery = None, indicator: Annotated[Indicator, Query()] = "households"
) -> Response:
    """The choropleth of the wilayas (the nation's, or one wilaya's) for one indicator, as PNG."""
    return _file(await rpc.call("reporting", "carte_map", area, indicator, context=caller))


@router.get(
    "/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **error_responses(401, 403, 404, 422, 503)},
)
async def carte_pdf(caller: Caller, rpc: Rpc, area: AreaQuery = None) -> Response:
    """The indicator sheet as a bilingual (Arabic, French) PDF with its charts and map."""
    return _file(await rpc.call("reporting", "carte_pdf", area, context=caller))
