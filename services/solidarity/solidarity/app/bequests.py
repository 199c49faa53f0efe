"""Bequest use cases: declare, take a step, attach and read documents, mark overdue steps.

Who sees what (:class:`Sight`): staff and auditors the bequests of their area; a donor only
the bequests they declared themself. Anything else answers NotFound, as if it did not exist.
Every step runs like ``assistance.app.steps``: read, replay if the caller's idempotency key
is already in the history, decide the step in the domain, write guarded on the version read,
and decide again from the new state when a concurrent step won the guard.

Seam: a cash realisation records no gift here (the gift's donor, area and receipt belong to
the gifts' use cases and their checks): the realised amount stays on the bequest, and its
``bequest_stage_changed`` event carries the form and the amount for a consumer to count it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol

from common import policy
from common.clock import now
from common.context import CallerContext
from common.contracts.bequests import AcceptIn, BequestFilter, BequestIn, RealiseIn, StepIn, ValueIn
from common.contracts.events import BequestStageChanged, DonationRecorded
from common.errors import Conflict, NotFound
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest, keyed
from common.refusals import invalid
from solidarity.app import donors as donor_records
from solidarity.app.ports import Donors, Gifts
from solidarity.domain import bequest_documents
from solidarity.domain.bequest_documents import BequestDocument
from solidarity.domain.bequests import AUTHORITIES, Bequest, BequestRules, Sight, Taken, declare
from solidarity.domain.donors import Donor
from solidarity.domain.gifts import CashPayment, new_gift
from solidarity.domain.money import Money

ATTEMPTS = 5
OVERDUE_INTERVAL_SECONDS = 300  # how often the timer looks for overdue steps
REALISED_GIFTS_INTERVAL_SECONDS = 60  # how soon a cash realisation is recorded as a gift
REALISER = "bequest-realisation"  # the author of the gifts recorded for cash realisations
STEP_PERMISSIONS: dict[str, str] = {
    "notify": "bequest.manage",
    "accept": "bequest.decide",
    "refuse": "bequest.decide",
    "value": "bequest.manage",
    "realise": "bequest.manage",
    "close": "bequest.manage",
    "revoke": "bequest.revoke",
}


def step_permission(step: str) -> str:
    """The permission a step needs (an unknown step is refused: ``bequest_step_unknown``)."""
    if step not in STEP_PERMISSIONS:
        raise invalid("bequest_step_unknown", "unknown bequest step", step=step, known=sorted(STEP_PERMISSIONS))
    return STEP_PERMISSIONS[step]


def sight_of(caller: CallerContext) -> Sight:
    """Staff and auditors see their area; a donor user the bequests of their own donor record."""
    if donor_records.is_self_service(caller):
        return Sight(donor_user_id=caller.user_id)
    return Sight(scope=policy.scope(caller))


class Bequests(Protocol):
    """The ``bequests`` collection."""

    def new_id(self) -> str: ...

    def declare(self, bequest: Bequest, key: KeyedRequest, event: BequestStageChanged) -> Bequest:
        """Insert once per caller's key; a replay answers the bequest first declared under it."""

    def get(self, bequest_id: str) -> Bequest | None:
        """The bequest wherever it is (the use case checks the caller's sight)."""

    def search(
        self, sight: Sight, state: str | None, overdue: bool | None, after: str | None, limit: int
    ) -> list[Bequest]:
        """Bequests in sight, newest first, older than the cursor (an id)."""

    def count(self, sight: Sight, state: str | None, overdue: bool | None) -> int: ...

    def apply(self, read: Bequest, moved: Bequest, due_on: date | None, event: BequestStageChanged) -> Bequest | None:
        """Write ``moved`` if the bequest is still at ``read``'s version (else None), with its event."""

    def due_before(self, day: date, limit: int) -> list[Bequest]:
        """Bequests whose current step was due before ``day`` and that are not marked overdue yet."""

    def awaiting_gift(self, limit: int) -> list[Bequest]:
        """Bequests realised in cash whose gift is not recorded yet (marked in the realise step's write)."""

    def gift_recorded(self, bequest_id: str, gift_id: str) -> None:
        """Drop the bequest's mark: its gift ``gift_id`` is recorded."""

    def mark_overdue(self, bequest: Bequest, event: BequestStageChanged) -> bool:
        """Mark it overdue at its version, with its event; False if it moved or was marked meanwhile."""

    def reschedule(self, bequest: Bequest, due_on: date | None) -> None:
        """Store the due date the configuration now gives (at the bequest's version; no step, no event)."""


class BequestDocuments(Protocol):
    """The ``bequest_documents`` collection (metadata and content)."""

    def new_id(self) -> str: ...

    def add(self, document: BequestDocument, content: bytes, key: KeyedRequest) -> BequestDocument:
        """Store once per caller's key; a replay answers the document first stored under it."""

    def of_bequest(self, bequest_id: str) -> list[BequestDocument]: ...

    def content(self, bequest_id: str, document_id: str) -> tuple[BequestDocument, bytes] | None: ...


def _visible(store: Bequests, caller: CallerContext, bequest_id: str) -> Bequest:
    return policy.visible_or_404(store.get(bequest_id), sight_of(caller).sees, "bequest")


def _event(read: Bequest | None, moved: Bequest, step: str, due: date | None) -> BequestStageChanged:
    """The announcement of a step: ids, area and states; on a realisation, its form and amount (never the donor)."""
    realised = moved.realised if step == "realise" else None
    return BequestStageChanged(
        bequest_id=moved.id,
        area=moved.area,
        step=step,
        from_state=read.state if read else None,
        to_state=moved.state,
        due_on=due,
        realisation=moved.realisation if realised else None,
        amount_minor=realised.minor if realised else None,
        currency=realised.currency if realised else None,
    )


def _money(amount: Any) -> Money:
    return Money.of(amount.amount, amount.currency)


def bequeather(donors: Donors, caller: CallerContext, cmd: BequestIn) -> Donor:
    """The donor record of a declaration: a donor user's own, or one the staff sees (NotFound otherwise)."""
    if donor_records.is_self_service(caller):
        mine = donor_records.own(donors, caller)
        return mine if cmd.donor_id in (None, mine.id) else donor_records.visible(donors, caller, cmd.donor_id)
    policy.require_within(caller, cmd.area)
    if not cmd.donor_id:
        raise invalid("bequest_donor_missing", "staff name the donor (the donor record's id)")
    return donor_records.visible(donors, caller, cmd.donor_id)


def declare_bequest(
    store: Bequests, donors: Donors, rules: BequestRules, caller: CallerContext, cmd: BequestIn, key: KeyedRequest
) -> Bequest:
    """A declared intention of a registered donor: a donor user's own, or staff's for a donor of their area.

    A donor whose record is linked to a user account (``Donor.user_id``) reads it as theirs,
    whoever declared it.
    """
    donor = bequeather(donors, caller, cmd)
    taken = Taken(now(), caller.user_id, key=key.scoped, fingerprint=key.fingerprint)
    bequest = declare(id=store.new_id(), donor_id=donor.id, area=cmd.area, declared_value=_money(cmd.declared_value),
                      description=cmd.description, taken=taken, donor_user_id=donor.user_id)  # fmt: skip
    rules.authority_for(bequest.declared_value)  # a value in a currency the thresholds do not know is refused now
    due = bequest.due_on(rules)
    return store.declare(bequest, key, _event(None, bequest, "declare", due))


def get_bequest(store: Bequests, caller: CallerContext, bequest_id: str) -> Bequest:
    return _visible(store, caller, bequest_id)


def list_bequests(store: Bequests, caller: CallerContext, filters: BequestFilter) -> list[Bequest]:
    return store.search(sight_of(caller), filters.state, filters.overdue, filters.after, filters.limit)


def count_bequests(store: Bequests, caller: CallerContext, filters: BequestFilter) -> int:
    return store.count(sight_of(caller), filters.state, filters.overdue)


Decide = Callable[[Bequest, Taken], Bequest]


def _decision(step: str, caller: CallerContext, rules: BequestRules, body: StepIn) -> Decide:
    """How the domain takes ``step`` with ``body`` (the caller's role is the authority for accept and refuse)."""
    if step == "accept" and isinstance(body, AcceptIn):
        return lambda b, t: b.accepted(t, authority=_authority(caller, b, rules), rules=rules, charges=body.charges)
    if step == "refuse":
        return lambda b, t: b.refused(t, authority=_authority(caller, b, rules), rules=rules)
    if step == "value" and isinstance(body, ValueIn):
        return lambda b, t: b.valued(t, _money(body.valuation))
    if step == "realise" and isinstance(body, RealiseIn):
        return lambda b, t: b.realised_as(t, body.realisation, _money(body.amount))
    simple: dict[str, Decide] = {
        "notify": Bequest.notified,
        "close": Bequest.closed,
        "revoke": Bequest.revoked,
    }
    return simple[step]


def _authority(caller: CallerContext, bequest: Bequest, rules: BequestRules) -> str:
    """The authority the caller decides as: the competent one if they hold its role, else their deciding role."""
    competent = rules.authority_for(bequest.declared_value)
    if caller.has_any_role(competent):
        return competent
    return next((role for role in caller.roles if role in AUTHORITIES), "none")


def take_step(
    store: Bequests,
    documents: BequestDocuments,
    rules: BequestRules,
    caller: CallerContext,
    bequest_id: str,
    step: str,
    body: StepIn,
    key: KeyedRequest,
) -> Bequest:
    """Take ``step`` once per caller's key: the bequest after it (a replay answers it as it stood then)."""
    decide = _decision(step, caller, rules, body)
    for _ in range(ATTEMPTS):
        read = _visible(store, caller, bequest_id)
        replayed = [{"by": r.by, "key": r.key, FINGERPRINT_FIELD: r.fingerprint, "step": r.step} for r in read.history]
        if (entry := key.entry_in(replayed)) is not None:
            return read.as_after(replayed.index(entry))  # type: ignore[arg-type]
        taken = Taken(now(), caller.user_id, tuple(body.documents), body.note, key.scoped, key.fingerprint)
        moved = decide(read, taken)
        _require_attached(documents, read.id, taken.documents)
        due = moved.due_on(rules)
        written = store.apply(read, moved, due, _event(read, moved, step, due))
        if written is not None:
            return written
    raise Conflict("the bequest is being changed by someone else; try again", {"reason": "busy"})


def _require_attached(documents: BequestDocuments, bequest_id: str, ids: Sequence[str]) -> None:
    attached = {d.id for d in documents.of_bequest(bequest_id)}
    unknown = sorted(set(ids) - attached)
    if unknown:
        raise invalid(
            "bequest_document_unknown", "a step carries documents attached to this bequest", documents=unknown
        )


def attach_document(
    store: Bequests,
    documents: BequestDocuments,
    caller: CallerContext,
    bequest_id: str,
    kind: str,
    filename: str | None,
    declared_type: str | None,
    content: bytes,
    key: KeyedRequest,
    max_bytes: int = bequest_documents.DEFAULT_MAX_BYTES,
) -> BequestDocument:
    """Check and store a document of a bequest in sight (a PDF, JPEG or PNG; refused otherwise, nothing stored)."""
    bequest = _visible(store, caller, bequest_id)
    document = bequest_documents.check(id=documents.new_id(), bequest_id=bequest.id, kind=kind, content=content,
                                       filename=filename, declared_type=declared_type, at=now(), by=caller.user_id,
                                       max_bytes=max_bytes)  # fmt: skip
    return documents.add(document, content, key)


def list_documents(
    store: Bequests, documents: BequestDocuments, caller: CallerContext, bequest_id: str
) -> list[tuple[BequestDocument, list[str]]]:
    """The bequest's documents, each with the steps that carry it."""
    bequest = _visible(store, caller, bequest_id)
    steps: dict[str, list[str]] = {}
    for record in bequest.history:
        for document_id in record.documents:
            steps.setdefault(document_id, []).append(record.step)
    return [(d, steps.get(d.id, [])) for d in documents.of_bequest(bequest.id)]


def document_content(
    store: Bequests, documents: BequestDocuments, caller: CallerContext, bequest_id: str, document_id: str
) -> tuple[BequestDocument, bytes]:
    bequest = _visible(store, caller, bequest_id)
    found = documents.content(bequest.id, document_id)
    if found is None:
        raise NotFound("document not found")
    return found


def mark_overdue(store: Bequests, rules: BequestRules, today: date, limit: int = 500) -> int:
    """Mark the bequests whose current step is past due; each announced once (``bequest_stage_changed``)."""
    marked = 0
    for bequest in store.due_before(today, limit):
        if not bequest.overdue(rules, today):  # the configuration gave this state more days since it was stored
            store.reschedule(bequest, bequest.due_on(rules))  # so that it is not read again on every tick
            continue
        event = BequestStageChanged(bequest_id=bequest.id, area=bequest.area, step="overdue", from_state=bequest.state,
                                    to_state=bequest.state, overdue=True, due_on=bequest.due_on(rules))  # fmt: skip
        marked += store.mark_overdue(bequest, event)
    return marked


def record_cash_gifts(store: Bequests, gifts: Gifts, limit: int = 500) -> int:
    """Record each bequest realised in cash as one unrestricted gift of its donor, received in its area.

    Exactly once: the realise step's write marks the bequest; the gift is keyed by the bequest's
    id (a second run answers the same gift), and the mark is dropped after. A bequest names no
    campaign, so the gift is unrestricted; it is receipted like any gift. How many were recorded.
    """
    waiting = store.awaiting_gift(limit)
    for bequest in waiting:
        amount = bequest.realised or bequest.valuation or bequest.declared_value
        reference = f"LEG-{bequest.id.upper()}"
        gift = new_gift(
            id=gifts.new_id(),
            donor_id=bequest.donor_id,
            area=bequest.area,
            received_on=bequest.entered_state_on or now().date(),
            cash=CashPayment(amount, "bank_transfer", reference),
        )
        key = keyed(REALISER, f"bequest-realised-{bequest.id}", "bequest_gift", bequest.id)
        event = DonationRecorded(
            gift_id=gift.id, donor_id=gift.donor_id, area=gift.area, campaign_id=None, kind="cash",
            amount_minor=amount.minor, currency=amount.currency,
        )  # fmt: skip
        stored, _ = gifts.create(gift, key, REALISER, [event])
        store.gift_recorded(bequest.id, stored.id)
    return len(waiting)
