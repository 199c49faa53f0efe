"""What the solidarity use cases need of the world, as Protocols (adapters implement them; unit tests fake them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from common.contracts.events import Event
from common.idempotency import KeyedRequest
from common.scope import Scope
from solidarity.domain.campaigns import Campaign, Totals
from solidarity.domain.donors import Donor
from solidarity.domain.gifts import Gift
from solidarity.domain.pledges import Pledge
from solidarity.domain.receipts import Receipt, ReceiptNumber


class Campaigns(Protocol):
    """Campaigns (``adapters.campaigns``)."""

    def new_id(self) -> str: ...

    def create(self, campaign: Campaign, key: KeyedRequest, user_id: str) -> Campaign:
        """Store a new campaign once per caller's key (a replay answers the first one)."""

    def get(self, campaign_id: str) -> Campaign | None: ...

    def reaching(self, scope: Scope, states: Iterable[str] | None = None) -> list[Campaign]:
        """Campaigns offered in ``scope`` (see ``Campaign.reached_by``), newest first."""

    def move(self, campaign: Campaign, to: Campaign) -> Campaign | None:
        """Write ``to``'s state if the stored campaign is still in ``campaign``'s state; None if it moved meanwhile."""


class CampaignTotals(Protocol):
    """Per-campaign totals, updated with each gift that counts (``adapters.campaign_totals``)."""

    def add(self, campaign: Campaign, gift: Gift, sign: int) -> Totals:
        """Add (``sign`` 1) or take back (-1) ``gift`` in its campaign's totals, atomically; the totals after."""

    def of(self, campaign_id: str) -> Totals: ...

    def announce(self, campaign_id: str, event: Event) -> None:
        """Write ``event`` into the totals' outbox."""


class Donors(Protocol):
    """Donor records (``adapters.donors``)."""

    def new_id(self) -> str: ...

    def create(self, donor: Donor, key: KeyedRequest, user_id: str) -> Donor: ...

    def get(self, donor_id: str) -> Donor | None: ...

    def of_user(self, user_id: str) -> Donor | None:
        """The donor record linked to the platform user ``user_id``, if any."""

    def within(self, scope: Scope, limit: int) -> list[Donor]: ...

    def count_within(self, scope: Scope) -> int: ...


class Gifts(Protocol):
    """Gifts (``adapters.gifts``)."""

    def new_id(self) -> str: ...

    def create(self, gift: Gift, key: KeyedRequest, user_id: str, events: list[Event]) -> tuple[Gift, bool]:
        """Store a new gift with its events once per caller's key: ``(stored, created by this call)``."""

    def get(self, gift_id: str) -> Gift | None: ...

    def find(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None, limit: int) -> list[Gift]:
        """Gifts inside ``scope`` (None: anywhere) of ``donor_id`` and/or ``campaign_id``, newest first."""

    def count(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None) -> int: ...

    def move(self, gift: Gift, to: Gift) -> Gift | None:
        """Write ``to``'s state and reason if the stored gift is still in ``gift``'s state; None otherwise."""

    def awaiting_credit(self, scope: Scope, references: Iterable[str]) -> list[Gift]:
        """Standing transfer gifts inside ``scope`` whose payment reference is one of ``references``."""

    def confirm_credit(self, gift_id: str, line_key: str) -> bool:
        """Mark the gift's transfer as seen on a statement line; False if a line confirmed it already."""


class Pledges(Protocol):
    """Pledges (``adapters.pledges``)."""

    def new_id(self) -> str: ...

    def create(self, pledge: Pledge, key: KeyedRequest, user_id: str) -> tuple[Pledge, int]:
        """Store a new pledge once per caller's key: ``(stored, version)``."""

    def get(self, pledge_id: str) -> tuple[Pledge, int] | None:
        """The pledge and its version (each write raises it by one)."""

    def find(self, scope: Scope | None, donor_id: str | None, limit: int) -> list[Pledge]: ...

    def save(self, pledge: Pledge, version: int, applied: str | None, events: list[Event]) -> bool:
        """Write ``pledge`` if still at ``version``, with ``events``; ``applied`` (a payment's key) is kept so the
        same payment is applied once. False if the pledge changed meanwhile or ``applied`` is already in."""

    def applied(self, pledge_id: str, payment_key: str) -> bool: ...

    def active_due_by(self, day: date) -> list[tuple[Pledge, int]]:
        """Active pledges with an unpaid instalment due by ``day`` (reminders look a few days ahead)."""

    def by_reference(self, scope: Scope, references: Iterable[str]) -> list[Pledge]: ...


class StatementImports(Protocol):
    """Statement lines already imported, and the import reports (``adapters.statement_imports``)."""

    def new_id(self) -> str: ...

    def seen(self, area: str, keys: Iterable[str]) -> set[str]:
        """Which of the line ``keys`` were already imported for ``area``'s directorate."""

    def claim(self, area: str, key: str, import_id: str) -> bool:
        """Take the line ``key`` for this import; False if another import took it first."""

    def save_report(self, report: dict[str, object], key: KeyedRequest, user_id: str) -> dict[str, object]:
        """Store the import's report once per caller's key; a replay answers the first report."""

    def report_by_key(self, key: KeyedRequest) -> dict[str, object] | None: ...

    def report(self, import_id: str) -> dict[str, object] | None: ...


# --- receipts (app.receipts) ------------------------------------------------------------


class ReceiptCounter(Protocol):
    issuer: str
    year: int
    last: int  # the last sequence handed out
    at: datetime  # when


class ReceiptNumbers(Protocol):
    """The counters of receipt numbers (``adapters.receipt_counters``)."""

    def take(self, issuer: str, year: int) -> ReceiptNumber: ...

    def issued(self) -> Sequence[ReceiptCounter]: ...


class ReceiptRegister(Protocol):
    """Every number handed out: pending, valid or void with its reason (``adapters.receipts``)."""

    def hold(
        self,
        number: ReceiptNumber,
        *,
        purpose: dict[str, Any],
        by: str,
        key: KeyedRequest | None = None,
        annual: tuple[str, int] | None = None,
    ) -> None: ...

    def fill(self, receipt: Receipt, event: Event, by: str) -> Receipt: ...

    def void_pending(self, number: ReceiptNumber, reason: str, by: str) -> bool: ...

    def void_unused(self, number: ReceiptNumber, reason: str, by: str) -> bool: ...

    def cancel(
        self,
        void: Receipt,
        event: Event,
        by: str,
        replaced_by: ReceiptNumber | None = None,
        key: KeyedRequest | None = None,
    ) -> bool: ...

    def cancelled_with(self, number: ReceiptNumber, key: KeyedRequest) -> bool: ...

    def stale_pending(self, taken_before: datetime) -> list[dict[str, Any]]: ...

    def sequences(self, issuer: str, year: int, upto: int) -> set[int]: ...

    def last_taken(self, issuer: str, year: int, before: datetime) -> int: ...

    def get(self, number: str) -> Receipt | None: ...

    def by_key(self, key: KeyedRequest) -> tuple[ReceiptNumber, str | None, str] | None: ...

    def annual(self, donor_id: str, year: int) -> list[Receipt]: ...

    def register(
        self, scope: Scope, issuer: str | None, year: int | None, donor_id: str | None, limit: int, after: str | None
    ) -> list[dict[str, Any]]: ...
