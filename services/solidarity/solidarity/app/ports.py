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

    def add(self, campaign: Campaign, gift: Gift, sign: int) -> Totals | None:
        """Add (``sign`` 1) or take back (-1) ``gift`` in its campaign's totals, atomically and once per gift and
        sign: the totals after, or None when this move was applied already (a retry)."""

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

    def update(self, donor: Donor) -> Donor:
        """Write the donor's consent and public anonymity (nothing else of a donor changes)."""

    def within(self, scope: Scope, limit: int) -> list[Donor]: ...

    def count_within(self, scope: Scope) -> int: ...


class Gifts(Protocol):
    """Gifts (``adapters.gifts``)."""

    def new_id(self) -> str: ...

    def create(
        self, gift: Gift, key: KeyedRequest, user_id: str, events: list[Event], settle: int = 0
    ) -> tuple[Gift, bool]:
        """Store a new gift with its events once per caller's key: ``(stored, created by this call)``.

        ``settle`` (1) marks its move unsettled in the same write (see :meth:`unsettled`)."""

    def get(self, gift_id: str) -> Gift | None: ...

    def find(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None, limit: int) -> list[Gift]:
        """Gifts inside ``scope`` (None: anywhere) of ``donor_id`` and/or ``campaign_id``, newest first."""

    def count(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None) -> int: ...

    def move(self, gift: Gift, to: Gift, settle: int = 0) -> Gift | None:
        """Write ``to``'s state and reason if the stored gift is still in ``gift``'s state; None otherwise.

        ``settle`` (-1) marks the move unsettled in the same write (see :meth:`unsettled`)."""

    def unsettled_sign(self, gift_id: str) -> int:
        """The sign of the gift's move still to settle (1 recorded, -1 withdrawn), 0 when settled."""

    def settled(self, gift_id: str, sign: int) -> None:
        """Forget the gift's unsettled move of ``sign`` (its follow-ups are done)."""

    def unsettled(self, since_before: datetime, limit: int) -> list[tuple[Gift, int]]:
        """Gifts whose move (its sign) is unsettled since before ``since_before``, oldest first."""

    def renumber(self, gift_id: str, number: str, to: str) -> bool:
        """The receipted gift now names receipt ``to`` instead of ``number``; False if it named another."""

    def by_key(self, key: KeyedRequest) -> Gift | None:
        """The gift this caller recorded under ``key``, if any."""

    def awaiting_credit(self, scope: Scope, references: Iterable[str]) -> list[Gift]:
        """Standing transfer gifts inside ``scope`` whose payment reference is one of ``references``."""

    def confirm_credit(self, gift_id: str, line_key: str) -> bool:
        """Mark the gift's transfer as seen on a statement line; False if a line confirmed it already."""


class Pledges(Protocol):
    """Pledges (``adapters.pledges``); each write raises the pledge's version by one."""

    def new_id(self) -> str: ...

    def create(self, pledge: Pledge, key: KeyedRequest, user_id: str) -> Pledge:
        """Store a new pledge once per caller's key (a replay answers the first one)."""

    def get(self, pledge_id: str) -> tuple[Pledge, int] | None:
        """The pledge and its version."""

    def find(self, scope: Scope | None, donor_id: str | None, limit: int) -> list[Pledge]:
        """Pledges inside ``scope`` (None: anywhere) of ``donor_id`` (None: any), newest first."""

    def count(self, scope: Scope | None, donor_id: str | None) -> int: ...

    def save(self, pledge: Pledge, version: int, applied: str | None, events: list[Event]) -> bool:
        """Write ``pledge`` (with ``events``) if it is still at ``version`` and ``applied`` (what the write
        applies: a gift's id, a statement line's key) is not applied yet; False otherwise."""

    def is_applied(self, pledge_id: str, applied: str) -> bool: ...

    def due_by(self, day: date) -> list[tuple[Pledge, int]]:
        """Active pledges with an unpaid instalment due by ``day``, and their versions."""

    def by_reference(self, scope: Scope, references: Iterable[str]) -> list[Pledge]:
        """Active pledges inside ``scope`` whose transfer reference is one of ``references``."""


class StatementImports(Protocol):
    """Statement lines already imported per directorate, and the import reports (``adapters.statement_imports``)."""

    def new_id(self) -> str: ...

    def seen(self, area: str, keys: Iterable[str]) -> set[str]:
        """Which of the line ``keys`` were imported (and applied) already for ``area``."""

    def take(self, area: str, key: str, import_id: str, user_id: str) -> str | None:
        """Hold the line ``key`` for applying: the user it is held for (``user_id``, or the importer of an earlier
        import that took it and did not finish), or None when it was applied already."""

    def done(self, area: str, key: str) -> None:
        """The line held is applied."""

    def save_report(self, report: dict[str, Any], key: KeyedRequest, user_id: str) -> dict[str, Any]:
        """Store the report once per caller's key; a replay answers the first report."""

    def report_by_key(self, key: KeyedRequest) -> dict[str, Any] | None: ...


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
