"""Receipts as the API takes and shows them: the register, cancelling, re-issuing, annual receipts, the public check."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NUMBER_PATTERN = r"^(MSN|DAS-\d{2})/\d{4}/\d{6,9}$"


class ReceiptReasonIn(BaseModel):
    """Why a receipt is cancelled or re-issued (kept in the register with the void number)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=3, max_length=500, examples=["montant saisi par erreur"])


class AnnualReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    donor_id: str = Field(min_length=1, max_length=64)
    year: int = Field(ge=2000, le=9999)


class ReceiptFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: str | None = Field(default=None, pattern=r"^(MSN|DAS-\d{2})$")
    year: int | None = Field(default=None, ge=2000, le=9999)
    after: str | None = Field(default=None, pattern=NUMBER_PATTERN, description="continue after this number")
    limit: int = Field(default=100, ge=1, le=500)


class ReceiptOut(BaseModel):
    number: str
    kind: Literal["gift", "annual"]
    state: Literal["valid", "cancelled"]
    reason: str | None
    issuer: str
    issued_on: date
    area: str
    donor_id: str
    gift_ids: list[str]
    amount: str
    amount_minor: int
    currency: str
    campaign_id: str | None
    year: int | None = Field(description="the year an annual receipt consolidates")
    donor_shown: bool = Field(description="False: the donor is 'a benefactor' on the public check")
    replaces: str | None
    verification_code: str
    verification_url: str


class RegisterLine(BaseModel):
    """A number of the register: a receipt, or a number voided before it was written (reason only)."""

    number: str
    state: Literal["valid", "cancelled"]
    reason: str | None
    issuer: str
    year: int
    sequence: int
    kind: Literal["gift", "annual"] | None = None
    donor_id: str | None = None
    gift_ids: list[str] | None = None
    amount_minor: int | None = None
    currency: str | None = None
    issued_on: date | None = None
    area: str | None = None
    replaces: str | None = None
    replaced_by: str | None = None


class RegisterPage(BaseModel):
    items: list[RegisterLine]
    next: str | None = Field(description="pass as `after` for the next page (None: the end)")


class PublicReceiptCheck(BaseModel):
    """All the public check says; ``found`` False for an unknown number and a wrong code alike."""

    found: bool
    state: Literal["valid", "cancelled"] | None = None
    number: str | None = None
    issued_on: date | None = None
    issuer: str | None = None
    amount: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    donor: str | None = Field(default=None, description="only if the donor allowed their name in public")
