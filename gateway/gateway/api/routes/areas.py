"""Administrative areas (reference data)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel

from gateway.audit import MANY, audited
from gateway.deps import Caller, Rpc
from gateway.errors import COMMON_ERRORS

router = APIRouter(prefix="/v1/areas", tags=["areas"], responses=COMMON_ERRORS)


class AreaOut(BaseModel):
    path: str
    level: str
    code: str
    name_fr: str
    name_ar: str
    parent: str | None


class CommuneRowError(BaseModel):
    line: int
    code: str
    message: str
    commune_code: str | None


class CommuneImport(BaseModel):
    imported: int
    errors: list[CommuneRowError]


@router.get("", response_model=list[AreaOut])
async def list_areas(caller: Caller, rpc: Rpc, parent: Annotated[str, Query(examples=["/DZ/16"])] = "/DZ") -> Any:
    """The wilayas (``parent=/DZ``) or the communes of a wilaya (``parent=/DZ/16``)."""
    return await rpc.call("registry", "list_areas", parent, context=caller)


@router.post(
    "/communes",
    response_model=CommuneImport,
    openapi_extra={**audited("area.import", "area", MANY), "requestBody": {"content": {"text/csv": {}}}},
)
async def import_communes(caller: Caller, rpc: Rpc, csv_text: Annotated[str, Body(media_type="text/csv")]) -> Any:
    """Add or correct communes from ``code;wilaya_code;name_fr;name_ar`` rows (national officers)."""
    return await rpc.call("registry", "import_communes", csv_text, context=caller)
