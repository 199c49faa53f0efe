"""Gifts (cash or in kind), pledges with their instalments, and bank/CCP statement imports, as the API shows them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from common import areas
from common.contracts.campaigns import ITEM_NAME, Amount, AmountIn


class CashIn(AmountIn):
    channel: Literal["counter", "ccp", "bank_transfer", "card"]
    reference: str | None = Field(default=None, max_length=64, description="the bank's, CCP's or acquirer's reference")


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(examples=["blanket"])
    quantity: int
    unit_value: Amount = Field(examples=["2500"])
    currency: str = Field(default="DZD", min_length=3, max_length=3)
    condition: Literal["new", "good", "used"] = "new"

    @model_validator(mode="after")
    def _named(self) -> ItemIn:
        if not ITEM_NAME.fullmatch(self.item):
            raise ValueError("an item is named with lowercase letters, digits, '_' or '-'")
        return self


class TributeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["in_memory_of", "in_honour_of"]
    name: str = Field(min_length=1, max_length=200)


class GiftIn(BaseModel):
    """A gift: ``cash`` or ``items`` (one of them). A donor user omits ``donor_id`` (it is their own record)."""

    model_config = ConfigDict(extra="forbid")

    donor_id: str | None = Field(default=None, max_length=64)
    area: str | None = Field(default=None, description="where it was received (default: staff area, or campaign area)")
    received_on: date | None = Field(default=None, description="default: today")
    cash: CashIn | None = None
    items: list[ItemIn] = Field(default_factory=list, max_length=200)
    campaign_id: str | None = Field(default=None, max_length=64, description="restricted to this campaign")
    restricted_area: str | None = Field(default=None, description="restricted to this area")
    tribute: TributeIn | None = None

    @model_validator(mode="after")
    def _checked(self) -> GiftIn:
        for place in (self.area, self.restricted_area):
            if place is not None and not areas.is_valid(place):
                raise ValueError("malformed area path")
        return self


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=500)


class MoneyOut(BaseModel):
    amount: str = Field(description="major units, exact")
    amount_minor: int
    currency: str


class GiftOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    donor_id: str
    area: str
    received_on: date
    kind: Literal["cash", "in_kind"]
    value: MoneyOut
    cash: dict[str, object] | None = None
    items: list[dict[str, object]] = []
    campaign_id: str | None = None
    restricted_area: str | None = None
    tribute: dict[str, str] | None = None
    state: Literal["recorded", "receipted", "cancelled", "refunded"]
    receipt_number: str | None = None
    reason: str | None = None


class InstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_on: date
    amount: Amount


class PledgeIn(BaseModel):
    """A promised total paid on a schedule: explicit ``instalments``, or ``monthly`` equal ones from ``first_due``."""

    model_config = ConfigDict(extra="forbid")

    donor_id: str | None = Field(default=None, max_length=64)
    total: AmountIn
    instalments: list[InstalmentIn] = Field(default_factory=list, max_length=120)
    monthly: int | None = Field(default=None, ge=1, le=120)
    first_due: date | None = None
    campaign_id: str | None = Field(default=None, max_length=64)
    area: str | None = None

    @model_validator(mode="after")
    def _checked(self) -> PledgeIn:
        if self.area is not None and not areas.is_valid(self.area):
            raise ValueError("malformed area path")
        if self.monthly is not None and (self.first_due is None or self.instalments):
            raise ValueError("a monthly schedule takes first_due and no instalments")
        return self


class PaymentIn(CashIn):
    """A payment towards a pledge: recorded as a gift (of the pledge's donor, area and campaign), then applied."""

    channel: Literal["counter", "ccp", "bank_transfer", "card"] = "counter"


class InstalmentOut(BaseModel):
    due_on: date
    amount_minor: int
    paid_minor: int
    reminded_on: date | None = None


class PledgeOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    donor_id: str
    area: str
    reference: str = Field(description="what the donor writes on a transfer so a statement matches it")
    total: MoneyOut
    paid: MoneyOut
    outstanding: MoneyOut
    instalments: list[InstalmentOut]
    campaign_id: str | None = None
    state: Literal["active", "fulfilled", "cancelled"]
    fulfilment: Literal["pending", "partial", "fulfilled", "cancelled"]
    reason: str | None = None


class StatementReportOut(BaseModel):
    """What an import did: lines matched to gifts and pledges, lines it could not match (and why), lines seen before."""

    model_config = ConfigDict(extra="ignore")

    id: str
    area: str
    currency: str
    matched_gifts: list[dict[str, object]]
    matched_pledges: list[dict[str, object]]
    unmatched: list[dict[str, object]]
    already_imported: list[int]
    problems: list[dict[str, object]]


class GiftPage(BaseModel):
    items: list[GiftOut]
    total: int = Field(description="how many the caller sees in all (the page holds the newest)")


class PledgePage(BaseModel):
    items: list[PledgeOut]
    total: int
