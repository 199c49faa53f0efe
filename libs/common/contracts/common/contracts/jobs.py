"""Long jobs (imports, duplicate scans, score recomputes) as callers follow them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class JobOut(BaseModel):
    """A job: ``progress`` while it runs, ``result`` once it ends (its report, or the error)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    kind: str = Field(examples=["import"], description="import, duplicate_scan or score_recompute")
    area: str
    status: Literal["running", "succeeded", "failed", "interrupted"]
    params: dict[str, Any]
    progress: dict[str, Any]
    result: dict[str, Any] | None = None
    started_by: str
    started_at: str
    heartbeat_at: str
    finished_at: str | None = None
