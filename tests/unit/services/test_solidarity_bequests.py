"""Bequest use cases over fake stores: who sees what, who decides, steps once per key, documents, overdue.

The fakes are dicts by id that filter with the domain's own ``Sight.sees`` (no Mongo matching
re-implemented); the real collections are tested in tests/integration/services.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

import pytest

from common import policy
from common.context import CallerContext
from common.contracts.bequests import AcceptIn, BequestFilter, BequestIn, RealiseIn, StepIn, ValueIn
from common.contracts.events import BequestStageChanged
from common.errors import Conflict, Forbidden, IdempotencyKeyReused, InvalidTransition, NotFound, ValidationFailed
from common.idempotency import KeyedRequest, keyed
from solidarity.app import bequests as cases
from solidarity.domain.bequest_documents import BequestDocument
from solidarity.domain.bequests import Bequest, Sight
from solidarity.domain.donors import new_donor
from solidarity.reference import bequest_rules
from tests.fakes.solidarity import FakeDonors, FakeGifts

RULES = bequest_rules({})  # the dev default: cell <= 500 000 DA < wilaya director <= 10 000 000 DA < national officer
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ids = (f"{n:024x}" for n in itertools.count(1))


class FakeBequests:
    def __init__(self) -> None:
        self.by_id: dict[str, Bequest] = {}
        self.keys: dict[str, str] = {}
        self.events: list[BequestStageChanged] = []
        self.lose_next_guard = 0
        self.donors = FakeDonors()  # the donor records declarations name
        self.due: dict[str, date | None] = {}  # due dates stored under an older configuration
        self.gift_pending: set[str] = set()  # cash realisations whose gift is not recorded yet
        self.gift_ids: dict[str, str] = {}

    def new_id(self) -> str:
        return next(ids)

    def declare(self, bequest: Bequest, key: KeyedRequest, event: BequestStageChanged) -> Bequest:
        if key.scoped in self.keys:
            return self.by_id[self.keys[key.scoped]]
        self.keys[key.scoped] = bequest.id
        self.by_id[bequest.id] = bequest
        self.events.append(event)
        return bequest

    def get(self, bequest_id: str) -> Bequest | None:
        return self.by_id.get(bequest_id)

    def search(
        self, sight: Sight, state: str | None, overdue: bool | None, after: str | None, limit: int
    ) -> list[Bequest]:
        newest_first = sorted(self.by_id.items(), reverse=True)
        found = [b for i, b in newest_first if sight.sees(b) and (after is None or i < after)]
        found = [b for b in found if state in (None, b.state) and overdue in (None, b.marked_overdue)]
        return found[:limit]

    def count(self, sight: Sight, state: str | None, overdue: bool | None) -> int:
        return len(self.search(sight, state, overdue, None, 10**6))

    def apply(self, read: Bequest, moved: Bequest, due_on: date | None, event: BequestStageChanged) -> Bequest | None:
        if self.lose_next_guard:
            self.lose_next_guard -= 1
            return None
        if self.by_id[read.id].version != read.version:
            return None
        stored = replace(moved, version=read.version + 1)
        self.by_id[read.id] = stored
        self.events.append(event)
        if read.state != "realised" and moved.state == "realised" and moved.realisation == "cash":
            self.gift_pending.add(read.id)
        return stored

    def awaiting_gift(self, limit: int) -> list[Bequest]:
        return [self.by_id[i] for i in sorted(self.gift_pending)][:limit]

    def gift_recorded(self, bequest_id: str, gift_id: str) -> None:
        self.gift_pending.discard(bequest_id)
        self.gift_ids[bequest_id] = gift_id

    def due_before(self, day: date, limit: int) -> list[Bequest]:
        due = {i: self.due.get(i, b.due_on(RULES)) for i, b in self.by_id.items()}
        return [b for i, b in self.by_id.items() if not b.marked_overdue and (d := due[i]) and d < day][:limit]

    def reschedule(self, bequest: Bequest, due_on: date | None) -> None:
        self.due[bequest.id] = due_on

    def mark_overdue(self, bequest: Bequest, event: BequestStageChanged) -> bool:
        stored = self.by_id[bequest.id]
        if stored.version != bequest.version or stored.marked_overdue:
            return False
        self.by_id[bequest.id] = replace(stored, marked_overdue=True)
        self.events.append(event)
        return True


class FakeDocuments:
    def __init__(self) -> None:
        self.by_id: dict[str, tuple[BequestDocument, bytes]] = {}
        self.keys: dict[str, str] = {}

    def new_id(self) -> str:
        return next(ids)

    def add(self, document: BequestDocument, content: bytes, key: KeyedRequest) -> BequestDocument:
        if key.scoped in self.keys:
            return self.by_id[self.keys[key.scoped]][0]
        self.keys[key.scoped] = document.id
        self.by_id[document.id] = (document, content)
        return document

    def of_bequest(self, bequest_id: str) -> list[BequestDocument]:
        return [d for d, _ in self.by_id.values() if d.bequest_id == bequest_id]

    def content(self, bequest_id: str, document_id: str) -> tuple[BequestDocument, bytes] | None:
        found = self.by_id.get(document_id)
        return found if found and found[0].bequest_id == bequest_id else None


def person(user: str, role: str, area: str) -> CallerContext:
    return CallerContext(user_id=user, roles=(role,), area=area, correlation_id="c-1")


DIRECTOR_16 = person("director-16", "wilaya-director", "/DZ/16")
DIRECTOR_31 = person("director-31", "wilaya-director", "/DZ/31")
AGENT_16 = person("agent-16", "wilaya-agent", "/DZ/16")
COORDINATOR_1601 = person("coordinator-1601", "cell-coordinator", "/DZ/16/1601")
NATIONAL = person("national", "national-officer", "/DZ")
AUDITOR = person("auditor", "auditor", "/DZ")
DONOR = person("donor-1", "donor", "/DZ")
DONOR_2 = person("donor-2", "donor", "/DZ")


WALK_IN = "donor-rec-16"  # a walk-in donor registered by the wilaya of Alger
DONOR_RECORDS = [(WALK_IN, None, "/DZ/16"), ("rec-d1", "donor-1", "/DZ/31"), ("rec-d2", "donor-2", "/DZ/31")]


@pytest.fixture
def store() -> FakeBequests:
    """Bequests, with the donor records declarations name: a walk-in donor of Alger and the two donor users'."""
    fake = FakeBequests()
    for donor_id, user, area in DONOR_RECORDS:
        fake.donors.by_id[donor_id] = new_donor(id=donor_id, kind="person", name="Bienfaiteur", area=area, user_id=user)
    return fake


@pytest.fixture
def documents() -> FakeDocuments:
    return FakeDocuments()


def declared(
    store: FakeBequests, by: CallerContext = AGENT_16, value: str = "3000000", area: str = "/DZ/16"
) -> Bequest:
    cmd = BequestIn(donor_id=None if by is DONOR or by is DONOR_2 else WALK_IN, area=area,
                    declared_value={"amount": value}, description="Un appartement F3")  # type: ignore[arg-type]  # fmt: skip
    return cases.declare_bequest(store, store.donors, RULES, by, cmd, keyed(by.user_id, f"declare-{next(ids)}", cmd))


def attach(store: FakeBequests, documents: FakeDocuments, bequest: Bequest, by: CallerContext = AGENT_16) -> str:
    key = keyed(by.user_id, f"doc-{next(ids)}", bequest.id)
    return cases.attach_document(
        store, documents, by, bequest.id, "will", "testament.pdf", "application/pdf", PDF, key
    ).id


def step(store: FakeBequests, documents: FakeDocuments, by: CallerContext, bequest: Bequest, name: str,
         body: StepIn, key: str | None = None) -> Bequest:  # fmt: skip
    request = keyed(by.user_id, key or f"step-{next(ids)}", bequest.id, name, body)
    return cases.take_step(store, documents, RULES, by, bequest.id, name, body, request)


def test_the_lifecycle_by_the_competent_authority_with_documents_and_events(
    store: FakeBequests, documents: FakeDocuments
) -> None:
    bequest = declared(store)
    will = attach(store, documents, bequest)
    bequest = step(store, documents, AGENT_16, bequest, "notify", StepIn(documents=[will]))
    assert bequest.state == "notified" and bequest.entered_state_on is not None
    assert bequest.due_on(RULES) == bequest.entered_state_on + timedelta(days=60)
    decision = attach(store, documents, bequest)
    bequest = step(
        store, documents, DIRECTOR_16, bequest, "accept", AcceptIn(documents=[decision], charges=["Prières"])
    )
    assert (bequest.state, bequest.accepted_by, bequest.charges) == ("accepted", "wilaya-director", ("Prières",))
    report = attach(store, documents, bequest)
    bequest = step(store, documents, AGENT_16, bequest, "value",
                   ValueIn(documents=[report], valuation={"amount": "3200000"}))  # type: ignore[arg-type]  # fmt: skip
    deed = attach(store, documents, bequest)
    bequest = step(store, documents, AGENT_16, bequest, "realise",
                   RealiseIn(documents=[deed], realisation="real_estate", amount={"amount": "3100000"}))  # type: ignore[arg-type]  # fmt: skip
    bequest = step(store, documents, AGENT_16, bequest, "close", StepIn())
    assert bequest.state == "closed" and bequest.version == 6
    assert [(e.step, e.from_state, e.to_state) for e in store.events] == [
        ("declare", None, "declared"), ("notify", "declared", "notified"), ("accept", "notified", "accepted"),
        ("value", "accepted", "valued"), ("realise", "valued", "realised"), ("close", "realised", "closed"),
    ]  # fmt: skip
    realised = next(e for e in store.events if e.step == "realise")
    assert (realised.realisation, realised.amount_minor, realised.currency) == ("real_estate", 310000000, "DZD")
    assert all(e.amount_minor is None for e in store.events if e.step != "realise")
    listed = cases.list_documents(store, documents, AGENT_16, bequest.id)
    assert [steps for _, steps in listed] == [["notify"], ["accept"], ["value"], ["realise"]]


def test_a_replayed_step_acts_once_and_a_reused_key_is_refused(store: FakeBequests, documents: FakeDocuments) -> None:
    bequest = declared(store)
    will = attach(store, documents, bequest)
    first = step(store, documents, AGENT_16, bequest, "notify", StepIn(documents=[will]), key="notify-key-1")
    again = step(store, documents, AGENT_16, bequest, "notify", StepIn(documents=[will]), key="notify-key-1")
    assert again == first and len(store.events) == 2
    decision = AcceptIn(documents=[will], charges=["Prières"])
    accepted = step(store, documents, DIRECTOR_16, first, "accept", decision, key="accept-key-1")
    report = attach(store, documents, accepted)
    step(store, documents, AGENT_16, accepted, "value", ValueIn(documents=[report], valuation={"amount": "9"}))  # type: ignore[arg-type]
    later = step(store, documents, AGENT_16, bequest, "notify", StepIn(documents=[will]), key="notify-key-1")
    assert later == first  # a replay answers the first result, not what followed
    assert step(store, documents, DIRECTOR_16, first, "accept", decision, key="accept-key-1") == accepted
    with pytest.raises(IdempotencyKeyReused):
        step(store, documents, AGENT_16, first, "revoke", StepIn(note="Non"), key="notify-key-1")


def test_a_replayed_declaration_answers_the_first(store: FakeBequests) -> None:
    cmd = BequestIn(donor_id=WALK_IN, area="/DZ/16", declared_value={"amount": "10"}, description="Un terrain")  # type: ignore[arg-type]
    first = cases.declare_bequest(
        store, store.donors, RULES, AGENT_16, cmd, keyed(AGENT_16.user_id, "declare-once", cmd)
    )
    again = cases.declare_bequest(
        store, store.donors, RULES, AGENT_16, cmd, keyed(AGENT_16.user_id, "declare-once", cmd)
    )
    assert again.id == first.id and len(store.by_id) == 1


def test_out_of_order_steps_are_409_with_the_allowed_steps(store: FakeBequests, documents: FakeDocuments) -> None:
    bequest = declared(store)
    with pytest.raises(InvalidTransition) as refused:
        step(store, documents, DIRECTOR_16, bequest, "accept", AcceptIn(documents=[attach(store, documents, bequest)]))
    assert refused.value.details == {
        "code": "bequest_step_out_of_order",
        "state": "declared",
        "allowed": ["notify", "revoke"],
    }
    assert store.by_id[bequest.id].state == "declared" and len(store.events) == 1


@pytest.mark.parametrize(
    ("value", "competent", "others"),
    [
        ("400000", COORDINATOR_1601, [DIRECTOR_16, NATIONAL]),
        ("3000000", DIRECTOR_16, [COORDINATOR_1601, NATIONAL]),
        ("25000000", NATIONAL, [COORDINATOR_1601, DIRECTOR_16]),
    ],
)
def test_only_the_authority_the_thresholds_name_decides(
    store: FakeBequests, documents: FakeDocuments, value: str, competent: CallerContext, others: list[CallerContext]
) -> None:
    bequest = declared(store, area="/DZ/16/1601", value=value)
    bequest = step(store, documents, AGENT_16, bequest, "notify", StepIn(documents=[attach(store, documents, bequest)]))
    decision = attach(store, documents, bequest)
    for other in others:
        with pytest.raises(Forbidden) as refused:
            step(store, documents, other, bequest, "accept", AcceptIn(documents=[decision]))
        assert refused.value.details["code"] == "bequest_authority_incompetent"
        assert refused.value.details["required"] == competent.roles[0]
        with pytest.raises(Forbidden):
            step(store, documents, other, bequest, "refuse", StepIn(documents=[decision], note="Non"))
    assert step(store, documents, competent, bequest, "accept", AcceptIn(documents=[decision])).state == "accepted"


def test_a_step_names_only_documents_of_its_own_bequest(store: FakeBequests, documents: FakeDocuments) -> None:
    one, other = declared(store), declared(store)
    foreign = attach(store, documents, other)
    with pytest.raises(ValidationFailed) as refused:
        step(store, documents, AGENT_16, one, "notify", StepIn(documents=[foreign]))
    assert refused.value.details["code"] == "bequest_document_unknown"
    with pytest.raises(ValidationFailed) as refused:
        step(store, documents, AGENT_16, one, "notify", StepIn())
    assert refused.value.details["code"] == "bequest_document_required"


def test_areas_and_donors_see_only_their_own(store: FakeBequests, documents: FakeDocuments) -> None:
    of_16 = declared(store)
    of_donor = declared(store, by=DONOR, area="/DZ/31")
    assert of_donor.donor_id == "rec-d1" and of_donor.donor_user_id == "donor-1"
    everything = BequestFilter()
    for caller, seen in [
        (DIRECTOR_16, {of_16.id}), (DIRECTOR_31, {of_donor.id}), (NATIONAL, {of_16.id, of_donor.id}),
        (AUDITOR, {of_16.id, of_donor.id}), (DONOR, {of_donor.id}), (DONOR_2, set()), (COORDINATOR_1601, set()),
    ]:  # fmt: skip
        assert {b.id for b in cases.list_bequests(store, caller, everything)} == seen, caller.user_id
        assert cases.count_bequests(store, caller, everything) == len(seen)
        for hidden in {of_16.id, of_donor.id} - seen:
            with pytest.raises(NotFound):
                cases.get_bequest(store, caller, hidden)
            with pytest.raises(NotFound):
                cases.list_documents(store, documents, caller, hidden)
    with pytest.raises(NotFound):  # a step on a bequest out of sight: as if it did not exist
        step(store, documents, DIRECTOR_31, of_16, "revoke", StepIn(note="Non"))
    with pytest.raises(NotFound):
        attach(store, documents, of_16, by=DONOR)


def test_a_donor_declares_and_revokes_only_their_own(store: FakeBequests, documents: FakeDocuments) -> None:
    for other in ("rec-d2", WALK_IN, "no-such-donor"):  # another's record answers as a missing one
        cmd = BequestIn(donor_id=other, area="/DZ/16", declared_value={"amount": "10"}, description="Un terrain")  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            cases.declare_bequest(store, store.donors, RULES, DONOR, cmd, keyed(DONOR.user_id, f"declare-{other}", cmd))
    stranger = person("donor-3", "donor", "/DZ")  # no donor record yet
    with pytest.raises(NotFound) as missing:
        declared(store, by=stranger)
    assert missing.value.details["code"] == "donor_profile_missing" and not store.by_id
    own = declared(store, by=DONOR)
    with pytest.raises(NotFound):
        step(store, documents, DONOR_2, own, "revoke", StepIn(note="Pas le mien"))
    with pytest.raises(Forbidden):  # a donor revokes, never takes the directorate's steps
        policy.authorize(DONOR, cases.step_permission("notify"))
    assert step(store, documents, DONOR, own, "revoke", StepIn(note="J'ai changé d'avis")).state == "revoked"


def test_a_donor_user_reads_what_staff_declared_for_their_record(store: FakeBequests) -> None:
    cmd = BequestIn(donor_id="rec-d1", area="/DZ/31", declared_value={"amount": "10"}, description="Un terrain")  # type: ignore[arg-type]
    for_them = cases.declare_bequest(
        store, store.donors, RULES, DIRECTOR_31, cmd, keyed("director-31", "for-donor-1", cmd)
    )
    assert for_them.donor_user_id == "donor-1"
    assert cases.get_bequest(store, DONOR, for_them.id) == for_them
    with pytest.raises(NotFound):
        cases.get_bequest(store, DONOR_2, for_them.id)


def test_staff_declare_only_in_their_area_for_a_donor_they_see(store: FakeBequests) -> None:
    with pytest.raises(Forbidden):
        declared(store, by=DIRECTOR_31, area="/DZ/16")
    cmd = BequestIn(donor_id=WALK_IN, area="/DZ/31", declared_value={"amount": "10"}, description="Un terrain")  # type: ignore[arg-type]
    with pytest.raises(NotFound):  # Alger's walk-in donor does not exist for Oran
        cases.declare_bequest(store, store.donors, RULES, DIRECTOR_31, cmd, keyed("director-31", "alger-donor", cmd))
    cmd = BequestIn(area="/DZ/16", declared_value={"amount": "10"}, description="Un terrain")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as refused:
        cases.declare_bequest(store, store.donors, RULES, AGENT_16, cmd, keyed(AGENT_16.user_id, "declare-nobody", cmd))
    assert refused.value.details["code"] == "bequest_donor_missing" and not store.by_id


def test_a_lost_guard_decides_again_and_gives_up_busy(store: FakeBequests, documents: FakeDocuments) -> None:
    bequest = declared(store)
    will = attach(store, documents, bequest)
    store.lose_next_guard = 2
    assert step(store, documents, AGENT_16, bequest, "notify", StepIn(documents=[will])).state == "notified"
    store.lose_next_guard = cases.ATTEMPTS
    with pytest.raises(Conflict):
        step(store, documents, AGENT_16, store.by_id[bequest.id], "value",
             ValueIn(documents=[will], valuation={"amount": "1"}))  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "declared_type", "code"),
    [
        (b"MZ\x90\x00 an executable", "application/pdf", "document_type_refused"),
        (b"<html><script>alert(1)</script>", "application/pdf", "document_type_refused"),
        (b"", "application/pdf", "document_empty"),
        (PNG, "application/pdf", "document_type_mismatch"),
        (
            b"%PDF-1.7\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
            "application/pdf",
            "document_active_content",
        ),
        (b"%PDF-1.7\n" + b"0" * (8 * 1024 * 1024), "application/pdf", "document_too_large"),
    ],
)
def test_hostile_documents_are_refused_and_nothing_is_stored(
    store: FakeBequests, documents: FakeDocuments, content: bytes, declared_type: str, code: str
) -> None:
    bequest = declared(store)
    key = keyed(AGENT_16.user_id, f"hostile-{code}", bequest.id)
    with pytest.raises(ValidationFailed) as refused:
        cases.attach_document(store, documents, AGENT_16, bequest.id, "will", "../../x", declared_type, content, key)
    assert refused.value.details["code"] == code and not documents.by_id


def test_a_document_keeps_a_clean_name_and_its_real_type(store: FakeBequests, documents: FakeDocuments) -> None:
    bequest = declared(store)
    key = keyed(AGENT_16.user_id, "png-deed", bequest.id)
    name = "C:\\scans\\acte\x00\n.png"
    stored = cases.attach_document(store, documents, AGENT_16, bequest.id, "deed", name, None, PNG, key)
    assert (stored.media_type, stored.filename, stored.size) == ("image/png", "acte.png", len(PNG))
    assert cases.document_content(store, documents, AGENT_16, bequest.id, stored.id) == (stored, PNG)
    other = declared(store)
    with pytest.raises(NotFound):  # a document is reached only through its own bequest
        cases.document_content(store, documents, AGENT_16, other.id, stored.id)


def test_overdue_steps_are_marked_and_announced_once(store: FakeBequests, documents: FakeDocuments) -> None:
    bequest = declared(store)
    bequest = step(store, documents, AGENT_16, bequest, "notify", StepIn(documents=[attach(store, documents, bequest)]))
    due = bequest.due_on(RULES)
    assert due is not None
    assert cases.mark_overdue(store, RULES, due) == 0  # due today is not late
    assert cases.mark_overdue(store, RULES, due + timedelta(days=1)) == 1
    assert cases.mark_overdue(store, RULES, due + timedelta(days=2)) == 0  # announced once
    late = store.events[-1]
    assert (late.step, late.from_state, late.to_state, late.overdue, late.due_on) == (
        "overdue",
        "notified",
        "notified",
        True,
        due,
    )
    assert cases.count_bequests(store, AGENT_16, BequestFilter(overdue=True)) == 1
    accepted = step(store, documents, DIRECTOR_16, store.by_id[bequest.id], "accept",
                    AcceptIn(documents=[attach(store, documents, bequest)]))  # fmt: skip
    assert not accepted.marked_overdue  # the next step starts its own deadline


def test_an_unknown_step_is_refused_with_its_code() -> None:
    with pytest.raises(ValidationFailed) as refused:
        cases.step_permission("inherit")
    assert refused.value.details["code"] == "bequest_step_unknown"


def test_a_due_date_the_configuration_moved_is_stored_again_not_marked(
    store: FakeBequests, documents: FakeDocuments
) -> None:
    bequest = declared(store)
    bequest = step(store, documents, AGENT_16, bequest, "notify", StepIn(documents=[attach(store, documents, bequest)]))
    assert bequest.entered_state_on is not None
    store.due[bequest.id] = bequest.entered_state_on  # stored when notified states had no days at all
    assert cases.mark_overdue(store, RULES, bequest.entered_state_on + timedelta(days=1)) == 0
    assert store.due[bequest.id] == bequest.due_on(RULES)  # read once, then left alone until it is really due


class StopsBeforeUnmarking(FakeBequests):
    """Stops once after the gift is recorded, before the bequest's mark is dropped."""

    crash = True

    def gift_recorded(self, bequest_id: str, gift_id: str) -> None:
        if self.crash:
            self.crash = False
            raise RuntimeError("stopped")
        super().gift_recorded(bequest_id, gift_id)


def realised(store: FakeBequests, documents: FakeDocuments, realisation: str) -> Bequest:
    bequest = declared(store)
    bequest = step(store, documents, AGENT_16, bequest, "notify", StepIn(documents=[attach(store, documents, bequest)]))
    bequest = step(
        store, documents, DIRECTOR_16, bequest, "accept", AcceptIn(documents=[attach(store, documents, bequest)])
    )
    bequest = step(store, documents, AGENT_16, bequest, "value",
                   ValueIn(documents=[attach(store, documents, bequest)], valuation={"amount": "3200000"}))  # type: ignore[arg-type]  # fmt: skip
    return step(store, documents, AGENT_16, bequest, "realise",
                RealiseIn(documents=[attach(store, documents, bequest)], realisation=realisation,  # type: ignore[arg-type]
                          amount={"amount": "3100000.50"}))  # type: ignore[arg-type]  # fmt: skip


def test_a_cash_realisation_is_recorded_once_as_an_unrestricted_gift_of_its_donor(documents: FakeDocuments) -> None:
    store = StopsBeforeUnmarking()
    for donor_id, user, area in DONOR_RECORDS:
        store.donors.by_id[donor_id] = new_donor(id=donor_id, kind="person", name="B", area=area, user_id=user)
    gifts = FakeGifts()
    cash = realised(store, documents, "cash")
    realised(store, documents, "real_estate")  # not money: no gift
    with pytest.raises(RuntimeError):
        cases.record_cash_gifts(store, gifts)  # stopped between the gift and the mark
    assert cases.record_cash_gifts(store, gifts) == 1  # the mark outlived the stop: recorded again, the same gift
    assert cases.record_cash_gifts(store, gifts) == 0
    [gift] = gifts.by_id.values()
    assert (gift.donor_id, gift.area, gift.campaign_id, gift.state) == (cash.donor_id, "/DZ/16", None, "recorded")
    assert gift.cash is not None and (gift.cash.amount.minor, gift.cash.reference) == (
        310000050,
        f"LEG-{cash.id.upper()}",
    )
    assert store.gift_ids == {cash.id: gift.id}
    assert [type(e).__name__ for e in gifts.events] == ["DonationRecorded"]
