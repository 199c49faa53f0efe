"""Audit trail entries: who did what to which object, with what outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Outcome = Literal["success", "unauthenticated", "denied", "not_found", "invalid", "rate_limited", "failed"]


def outcome_of(status: int) -> Outcome:
    """The outcome an HTTP status stands for."""
    if status < 400:
        return "success"
    return {401: "unauthenticated", 403: "denied", 404: "not_found", 429: "rate_limited"}.get(
        status, "invalid" if status < 500 else "failed"
    )  # type: ignore[return-value]


class AuditEntry(BaseModel):
    """One audited request, as the gateway saw it."""

    model_config = ConfigDict(extra="forbid")

    actor: str = Field(description="user id (token subject), or 'anonymous'")
    username: str | None = Field(default=None, description="the actor's username (token's preferred_username)")
    roles: list[str]
    area: str | None
    action: str = Field(examples=["household.read"])
    object_type: str
    object_id: str | None
    outcome: Outcome
    status: int
    at: datetime
    correlation_id: str


class AuditRecord(AuditEntry):
    """An entry as stored: its place in the chain and the chain's hashes."""

    model_config = ConfigDict(extra="ignore")

    seq: int
    prev_hash: str
    hash: str


class AuditQuery(BaseModel):
    """Filters of an audit search (all optional), newest first."""

    model_config = ConfigDict(extra="forbid")

    actor: str | None = None
    action: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_seq: int | None = Field(default=None, ge=1, description="page: entries older than this seq")
    limit: int = Field(default=100, ge=1, le=1000)

    @field_validator("actor", "action", "object_id", mode="before")
    @classmethod
    def _blank_is_no_filter(cls, value: Any) -> Any:
        """A search form's empty field (``actor=``) filters on nothing, not on an empty actor."""
        return (value.strip() or None) if isinstance(value, str) else value
