"""Bequest (legs) contract: a declared intention taken step by step to a realised, closed estate.

Amounts travel as decimal text in major units with their currency (``"3000000.00"``,
``"DZD"``): exact, never a float.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common import areas
from common.refusals import invalid

BequestState = Literal["declared", "notified", "accepted", "refused", "valued", "realised", "closed", "revoked"]
BequestStep = Literal["notify", "accept", "refuse", "value", "realise", "close", "revoke"]
Realisation = Literal["cash", "real_estate", "movable_goods"]
DocumentKind = Literal[
    "will",
    "notarial_act",
    "succession_certificate",
    "acceptance_decision",
    "refusal_decision",
    "valuation_report",
    "deed",
    "sale_record",
    "other",
]
DOCUMENT_MAX_BYTES = 8 * 1024 * 1024  # a scanned will or deed; the gateway refuses a larger body (413)
DOCUMENT_MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png")
AMOUNT = r"^\d{1,15}([.,]\d{1,3})?$"
DOCUMENT_ID = r"^[0-9a-f]{24}$"


class Amount(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    amount: str = Field(pattern=AMOUNT, examples=["3000000.00"], description="major units, decimal text")
    currency: str = Field(default="DZD", min_length=3, max_length=3, examples=["DZD"])


class BequestIn(BaseModel):
    """A declared intention. A donor declares their own (``donor_id`` is then their account); staff name the donor."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    donor_id: str | None = Field(default=None, max_length=64, description="the donor record (staff only)")
    area: str = Field(examples=["/DZ/16"], description="the area whose directorate administers the bequest")
    declared_value: Amount
    description: str = Field(min_length=3, max_length=2000, examples=["Un appartement F3 à Alger-Centre"])

    @model_validator(mode="after")
    def _checked(self) -> BequestIn:
        if not areas.is_valid(self.area):
            raise ValueError("malformed area path")
        return self


class StepIn(BaseModel):
    """What every step carries: its documents (ids of documents attached to the bequest) and a note or reason."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    documents: list[str] = Field(default_factory=list, max_length=20, examples=[["6650f0c2a1b2c3d4e5f60718"]])
    note: str | None = Field(default=None, max_length=2000, description="required to refuse or revoke (the reason)")

    @model_validator(mode="after")
    def _ids(self) -> StepIn:
        if any(not re.fullmatch(DOCUMENT_ID, d) for d in self.documents):
            raise ValueError("documents are ids of documents attached to the bequest")
        return self


class AcceptIn(StepIn):
    charges: list[str] = Field(default_factory=list, max_length=20, description="charges and conditions accepted")


class ValueIn(StepIn):
    valuation: Amount


class RealiseIn(StepIn):
    realisation: Realisation
    amount: Amount


STEP_BODIES: dict[str, type[StepIn]] = {
    "notify": StepIn,
    "accept": AcceptIn,
    "refuse": StepIn,
    "value": ValueIn,
    "realise": RealiseIn,
    "close": StepIn,
    "revoke": StepIn,
}


class BequestDocumentIn(BaseModel):
    """A document as the gateway passes it on: the bytes in base64, the type and name the sender gave."""

    model_config = ConfigDict(extra="forbid")

    kind: DocumentKind
    filename: str | None = Field(default=None, max_length=255)
    media_type: str | None = Field(default=None, max_length=100, description="the Content-Type it was sent with")
    content: str = Field(description="base64")

    def bytes(self) -> bytes:
        """The decoded content; malformed base64 is refused (``document_encoding``)."""
        try:
            return base64.b64decode(self.content, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("document_encoding", "the document's content is not base64") from None


class BequestFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: BequestState | None = None
    overdue: bool | None = Field(default=None, description="only bequests whose current step is overdue")
    after: str | None = Field(
        default=None, pattern=DOCUMENT_ID, description="cursor: the last id of the previous page (newest first)"
    )
    limit: int = Field(default=50, ge=1, le=200)


class AmountOut(BaseModel):
    amount: str
    currency: str


class StepOut(BaseModel):
    step: str
    at: datetime
    by: str
    documents: list[str]
    note: str | None


class BequestOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    donor_id: str
    area: str
    state: BequestState
    description: str
    declared_value: AmountOut
    allowed_steps: list[str]
    due_on: date | None
    overdue: bool
    authority: str | None = Field(description="the role competent to accept or refuse, for the declared value")
    decided_by_authority: str | None
    charges: list[str]
    valuation: AmountOut | None
    realisation: Realisation | None
    realised: AmountOut | None
    history: list[StepOut]
    version: int


class BequestPage(BaseModel):
    items: list[BequestOut]
    next_after: str | None


class BequestCount(BaseModel):
    count: int


class BequestDocumentOut(BaseModel):
    id: str
    bequest_id: str
    kind: DocumentKind
    media_type: str
    size: int
    sha256: str
    filename: str
    uploaded_at: datetime
    uploaded_by: str
    steps: list[str] = Field(description="the steps that carry this document (empty: attached, not used yet)")
