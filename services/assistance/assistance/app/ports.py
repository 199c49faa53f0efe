"""What the aid use cases need of the world, as Protocols (adapters implement them; unit tests fake them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from assistance.domain.aid_request import AidRequest, Change
from assistance.domain.casework import Case, TeamMember, Visit
from assistance.domain.institutions import Institution, Reservation
from assistance.domain.payments import Payment, PaymentList
from assistance.domain.referrals import Referral, ReferralStep
from common.context import CallerContext
from common.contracts.casework import CaseFilter, TeamMemberIn
from common.contracts.events import Event
from common.contracts.facts import HouseholdFacts
from common.contracts.programmes import ProgrammeIn, RuleSet
from common.contracts.referrals import InstitutionIn, ReferralFilter
from common.idempotency import KeyedRequest
from common.scope import Scope


class AidRequests(Protocol):
    """The aid requests (``adapters.aid_requests``)."""

    def new_id(self) -> str: ...

    def create(self, request: AidRequest, events: list[Event]) -> tuple[AidRequest, bool]: ...

    def get(self, request_id: str) -> AidRequest | None: ...

    def by_key(self, idempotency_key: str) -> AidRequest | None: ...

    def search(self, scope: Scope, filters: dict[str, Any], after: str | None, limit: int) -> list[AidRequest]: ...

    def apply(
        self, request: AidRequest, step: str, key: KeyedRequest | str, user_id: str, change: Change
    ) -> AidRequest | None: ...

    def grants(self, household_ids: Iterable[str], need: str) -> list[dict[str, Any]]: ...

    def in_state(self, scope: Scope, state: str, benefit_type: str) -> list[AidRequest]: ...

    def set_fields(self, request_id: str, guard: dict[str, Any], values: dict[str, Any]) -> bool: ...

    def overdue_regularisations(self, at: datetime) -> list[AidRequest]: ...

    def escalate(
        self, request: AidRequest, level: int, escalated_to: str, next_at: datetime | None, event: Event
    ) -> bool: ...


class CoverClaims(Protocol):
    """Claims on a need, per household and month (``adapters.cover_claims``)."""

    def claim(self, request_id: str, keys: list[str]) -> list[str]:
        """Claim every key for ``request_id``; on a clash, take this call's claims back.

        Returns the id of the other request holding the first key found taken, or nothing
        when every key is claimed. Keys this request holds already (a replayed approval)
        are its own, not a clash.
        """

    def release(self, request_id: str) -> int:
        """Give back every claim of ``request_id``; how many."""


class Budgets(Protocol):
    """The programme catalogue as aid requests read it, and its budget commitments (``repository``)."""

    def get(self, code: str) -> dict[str, Any] | None: ...

    def commit(self, programme_code: str, area: str, period: str, amount_dzd: int, request_id: str) -> None: ...

    def release(self, request_id: str) -> None: ...

    def spend(self, request_id: str) -> None: ...


class AidRules(Protocol):
    """The settings the aid use cases read (``settings.AidSettings``)."""

    def double_aid_policy(self, need: str) -> str: ...


Facts = Callable[[str], HouseholdFacts]

FactsPages = Callable[[CallerContext, str], Iterator[dict[str, list[Any]]]]
"""``pages(caller, area)``: the registry's household facts of ``area`` in the batch wire form."""

RESULT_CHUNK = 1000
"""The most households one stored chunk of an eligibility run's results holds."""
"""The registry's facts about a household, as the caller may see them."""


@dataclass(frozen=True)
class AidDesk:
    """Everything an aid use case works with, bundled once per call by the service."""

    requests: AidRequests
    cover: CoverClaims
    programmes: Budgets
    facts: Facts
    rules: AidRules


class ReferralRepository(Protocol):
    def propose(self, referral: Referral, key: KeyedRequest) -> tuple[Referral, bool]:
        """Store a new referral once per caller's idempotency key: ``(stored referral, created by this call)``.

        IdempotencyKeyReused if the caller used the key for another referral; Conflict if
        the person already has an open referral to the institution.
        """

    def get(self, referral_id: str) -> Referral | None:
        """The stored referral (with its history and version), any step already claimed applied."""

    def list_in(self, scope: Scope, filters: ReferralFilter) -> list[Referral]:
        """Referrals inside ``scope``, the latest first."""

    def advance(self, referral: Referral, taken: ReferralStep) -> bool:
        """Claim and write a step computed from ``referral``; False if another step claimed its version first."""


class CaseworkRepository(Protocol):
    def team(self, cell: str, day: date) -> list[TeamMember]:
        """The cell's members (past ones included, with ``active`` for ``day``), by user id."""

    def set_member(self, cell: str, member: TeamMemberIn, user_id: str, day: date) -> TeamMember:
        """Add a member to the cell, or replace their discipline and period."""

    def soft_limit(self, cell: str) -> int:
        """The cell's caseload soft limit (the default until one is set)."""

    def set_soft_limit(self, cell: str, soft_limit: int, user_id: str) -> int: ...

    def open_case(self, case: Case, key: KeyedRequest) -> tuple[Case, bool]:
        """Store a case once per caller's idempotency key: ``(stored case, created)``.

        Conflict if the household already has an open case; IdempotencyKeyReused if the
        caller used the key for another request.
        """

    def get_case(self, case_id: str) -> Case | None:
        """The stored case, a closing already decided applied."""

    def list_cases(self, scope: Scope, filters: CaseFilter) -> list[Case]:
        """Cases inside ``scope``, the latest opened first."""

    def caseload(self, cell: str) -> tuple[int, Counter[str], Counter[str]]:
        """The cell's open cases: ``(count, cases per member involved, cases per lead)``."""

    def close_case(self, case_id: str, note: str, key: KeyedRequest, user_id: str) -> Case | None:
        """Close the case and cancel its planned visits; None if it was closed already."""

    def plan_visit(self, visit: Visit) -> tuple[Visit, bool]:
        """Store a planned visit once per caller's idempotency key: ``(stored visit, created)``."""

    def get_visit(self, visit_id: str) -> Visit | None:
        """The stored visit, an outcome already decided applied."""

    def visit_for_key(self, key: KeyedRequest) -> Visit | None:
        """The visit its caller planned under this idempotency key, if any (another request's: refused)."""

    def record_visit(
        self, visit_id: str, visited_on: str, outcome: str, key: KeyedRequest, user_id: str
    ) -> Visit | None:
        """Record the visit; None if it was recorded or cancelled already."""

    def overdue(self, cell: str, day: date) -> list[Visit]:
        """Visits planned before ``day`` and not recorded, in open cases of the cell, oldest first."""


class InstitutionRepository(Protocol):
    def get(self, code: str) -> Institution | None:
        """The institution with its places taken, wherever it is: the caller's scope is the use case's check."""

    def list_in(self, scope: Scope, type_: str | None, area: str | None) -> list[Institution]:
        """Institutions inside ``scope`` (and ``area`` if given), by code, with their places taken."""

    def create(self, institution: InstitutionIn, user_id: str) -> Institution:
        """Add an institution; the same one again is returned as is, another with its code is a Conflict."""

    def update(self, institution: InstitutionIn, user_id: str) -> Institution | None:
        """Replace the editable fields; None if there is no such institution.

        Conflict if a place the new capacity drops is taken (people are not put out by an edit).
        """

    def reserve(self, code: str, holder: str, kind: str | None) -> Reservation:
        """Take a place for ``holder`` (a referral id), atomically."""

    def release(self, holder: str) -> bool:
        """Give back ``holder``'s place; False if it held none (already released)."""

    def holdings(self) -> Iterator[tuple[str, str]]:
        """``(institution, holder)`` of every place taken (for reconciliation)."""


class ProgrammeRepository(Protocol):
    def create(self, programme: ProgrammeIn, user_id: str) -> dict[str, Any]:
        """Create a programme; its code is unique (and so the call is idempotent)."""

    def list(self, scope: Scope) -> list[dict[str, Any]]:
        """Programmes offered in ``scope`` (published above it or inside it), by code."""

    def get(self, code: str) -> dict[str, Any] | None:
        """The programme with ``code`` wherever it is published (callers check it is offered to them).

        Plain JSON: ``code``, ``need``, ``benefit_type``, ``period_kind``, ``area``,
        ``formula`` (an :class:`AmountFormula` as a dict), ``rules_versions`` (
        :class:`RuleSet` dicts, oldest first, ``activated_at`` as ISO text).
        ``assistance.eligibility.programme_versions`` / ``programme_formula`` parse them.
        """

    def publish_rules(
        self, code: str, rules: RuleSet, user_id: str, not_before: datetime | None = None
    ) -> dict[str, Any]:
        """Append ``rules`` as the programme's next version and return the programme.

        Publishing the same version with the same content again returns the programme
        unchanged; a different content for a published version is a Conflict (versions
        are immutable), and so is a version number other than the next one. A version
        may not activate before the previous one, nor before ``not_before``.
        """

    def set_budget(self, code: str, area: str, period: str, allocated_dzd: int, user_id: str) -> dict[str, Any]:
        """Set the envelope of ``code`` in ``area`` for ``period`` (creating it); never below what is used."""

    def get_budget(self, code: str, area: str, period: str) -> dict[str, Any] | None:
        """The envelope with ``allocated_dzd``, ``committed_dzd``, ``spent_dzd`` and ``remaining_dzd``."""

    def commit(self, programme_code: str, area: str, period: str, amount_dzd: int, request_id: str) -> None:
        """Reserve ``amount_dzd`` for ``request_id`` on the nearest budget enclosing ``area``.

        The budget used is that of ``area`` if one is set for ``period``, else its
        wilaya's, else the national one. Idempotent per ``request_id``. Raises
        :class:`Conflict` with ``details.reason`` ``no_budget`` (none set) or
        ``budget_exceeded`` (with ``remaining_dzd``), or ``committed_elsewhere`` when the
        request already holds a different commitment (release it first).
        """

    def release(self, request_id: str) -> None:
        """Give back the request's commitment (a refusal or a cancellation); no-op if it holds none."""

    def spend(self, request_id: str) -> None:
        """Turn the request's commitment into spending (paid); idempotent; Conflict if it holds none."""


class PaymentRepository(Protocol):
    def issue(self, payment: Payment) -> bool:
        """Store a payment (``reference`` is its key) unless it exists; True if this call stored it."""

    def get(self, reference: str) -> Payment | None: ...

    def to_reissue(self, scope: Scope) -> list[Payment]:
        """Failed payments inside ``scope`` not yet issued again."""

    def mark_reissued(self, reference: str, new_reference: str) -> None: ...

    def open_list(self, list_id: str, period: str, area: str, point: str, user_id: str) -> str:
        """The open list for this period, area and point: ``list_id``, or ``list_id.2``… once that was sent."""

    def get_list(self, list_id: str) -> PaymentList | None:
        """The list with its payments."""

    def lists(self, period: str, area: str) -> list[PaymentList]:
        """The lists built for ``area`` and ``period``, with their payments."""

    def send_list(self, list_id: str, user_id: str) -> PaymentList | None:
        """Mark the list and its pending payments sent to the operator."""

    def settle(
        self, reference: str, from_status: str, status: str, paid_at: datetime | None, failure: str | None
    ) -> bool:
        """Move a payment from ``from_status`` to ``paid`` or ``failed``; False if it was no longer there."""

    def report(self, key: KeyedRequest) -> dict[str, Any] | None:
        """The report kept under the caller's ``key``; IdempotencyKeyReused if it was for another file."""

    def save_report(self, key: KeyedRequest, report: dict[str, Any], user_id: str) -> dict[str, Any]:
        """Keep the report under the caller's ``key``; the first one kept wins (a concurrent repeat)."""


class EligibilityResults(Protocol):
    def save_chunk(self, run_id: str, number: int, household_ids: list[str], amounts_dzd: list[int]) -> None:
        """Chunk ``number`` of the households a run found (at most :data:`RESULT_CHUNK`); idempotent."""

    def chunk(self, run_id: str, number: int) -> dict[str, Any] | None:
        """``{"household_ids", "amounts_dzd"}`` of chunk ``number``, or None past the last."""
