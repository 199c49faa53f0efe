"""Every hot query reads through an index, on the real database.

Each case seeds its collection with enough documents spread over many areas, states and
keys that a planner prefers an index, builds its indexes as the service does
(``ensure_indexes``), then calls the repository function that runs the query. The
commands that function sends are captured (:class:`common.explain.CommandRecorder`) and
explained on the same database; a collection scan, or a plan that shows no index read,
fails the case. So the query explained is the one the repository really builds.

The selective value of each case (one commune, one actor, one household) is what a hot
query asks in production; a query that matches the whole collection would rightly be
read sequentially and is not a case here.

Runs on the database at ``MONGO_URI``. FerretDB 1.x (SQLite) uses no index but ``_id``'s:
there the cases fail, as they should.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import mongoengine
import pytest
from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database

from common.contracts.audit import AuditQuery
from common.contracts.events import HouseholdRegistered
from common.contracts.households import HouseholdFilter
from common.explain import CommandRecorder, PlanKind, Recorded, explain
from common.jobs import MongoJobRepository
from common.nameko_ext import outbox
from common.scope import Scope

MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
PREFIX = f"plans{uuid.uuid4().hex[:8]}_"
DOCUMENTS = int(os.environ.get("QUERY_PLAN_DOCUMENTS", "5000"))
WILAYAS = [f"/DZ/{w:02d}" for w in range(1, 49)]
COMMUNES = [f"{wilaya}/{wilaya[-2:]}{c:02d}" for wilaya in WILAYAS for c in range(1, 6)]
COMMUNE = COMMUNES[7]
TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, tzinfo=UTC)

rng = random.Random(20261206)


@dataclass
class Databases:
    client: MongoClient[Any]
    recorder: CommandRecorder

    def __getitem__(self, service: str) -> Database[Any]:
        return self.client[f"{PREFIX}{service}"]


@pytest.fixture(scope="module")
def dbs() -> Iterator[Databases]:
    recorder = CommandRecorder()
    client: MongoClient[Any] = MongoClient(MONGO_URI, event_listeners=[recorder], tz_aware=True)
    for service in ("registry", "veille"):  # services whose repositories go through mongoengine
        mongoengine.disconnect(alias=service)
        mongoengine.connect(
            db=f"{PREFIX}{service}",
            alias=service,
            host=MONGO_URI,
            tz_aware=True,
            uuidRepresentation="standard",
            event_listeners=[recorder],
        )
    yield Databases(client, recorder)
    for service in ("registry", "veille"):
        mongoengine.disconnect(alias=service)  # the service tests register their own
    for name in client.list_database_names():
        if name.startswith(PREFIX):
            client.drop_database(name)
    client.close()


def assert_indexed(dbs: Databases, run: Callable[[], object], uses: str | None = None) -> list[Recorded]:
    """Run ``run``; every read it sends must be planned through an index (one over ``uses`` if given).

    ``uses`` names the selective field when the scope alone (the national area, which
    every document carries) would also be an index read, of the whole collection.
    """
    dbs.recorder.take()
    run()
    commands = dbs.recorder.take()
    assert commands, "the repository sent no query"
    for recorded in commands:
        plan = explain(dbs.client[recorded.database], recorded.command)
        shown = {k: v for k, v in recorded.command.items() if k not in ("lsid", "$db", "$clusterTime")}
        print(f"{recorded.name} {shown.get('filter', shown.get('query', shown.get('pipeline')))}: {plan}")
        assert plan.kind == PlanKind.INDEX, f"{recorded.name} {shown}\n  is planned as {plan}"
        if uses is not None:
            assert any(name.startswith(f"{uses}_") for name in plan.indexes), f"{shown}: no index over {uses}: {plan}"
    return commands


def commune_of(i: int) -> str:
    return COMMUNES[i % len(COMMUNES)]


def ancestors(area: str) -> list[str]:
    parts = area.strip("/").split("/")
    return ["/" + "/".join(parts[: n + 1]) for n in range(len(parts))]


# --- registry --------------------------------------------------------------------------


def household(i: int) -> dict[str, Any]:
    area = commune_of(i)
    status = "merged" if i % 23 == 0 else "held_for_review" if i % 7 == 0 else "active"
    since = (TODAY - timedelta(days=rng.randint(30, 3000))).isoformat()
    until = None if i % 3 else (TODAY - timedelta(days=rng.randint(1, 20))).isoformat()
    category = ("elderly", "disability", "women_in_difficulty", "indigent")[i % 4]
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "area": area,
        "area_ancestors": ancestors(area),
        "address": f"{i} rue des Oliviers",
        "household_ref": f"ref-{i}",
        "import_key": f"survey-{i % 5}:ref-{i}",
        "content_hash": f"h{i}",
        "members": [
            {
                "member_id": f"m{i}",
                "national_id_hash": f"nid-{i}",
                "birth_year": 1940 + i % 70,
                "sex": "F" if i % 2 else "M",
                "relationship": "head",
                "categories": [{"category": category, "valid_from": since, "valid_until": until}],
            }
        ],
        "status": status,
        "dedup_keys": [f"k{i % 1700}", f"k{(i * 7) % 1700 + 1700}"],
        "score": {"score": float(i % 100), "band": ("low", "medium", "high")[i % 3], "model_version": "v1"},
        "created_at": NOW,
        "created_by": "seed",
        "idempotency_key": f"seed-{i}",
    }
    if status == "merged":
        doc["merged_into"] = f"{i:024x}"
    if i % 400 == 0:
        event = HouseholdRegistered(household_id=str(doc["_id"]), area=area, members=len(doc["members"]))
        doc[outbox.OUTBOX_FIELD] = [outbox.entry(event)]
    return doc


@pytest.fixture(scope="module")
def registry(dbs: Databases) -> Database[Any]:
    from registry.adapters.households import BlockCounts, MongoHouseholdRepository
    from registry.adapters.reviews import MongoReviewRepository

    database = dbs["registry"]
    MongoHouseholdRepository.ensure_indexes(database)
    MongoReviewRepository.ensure_indexes(database)
    MongoJobRepository.ensure_indexes(database)
    database["households"].insert_many([household(i) for i in range(DOCUMENTS)])
    BlockCounts.recount(database)  # seeded beside the adapter: counted as the migration counts a registry
    reviews = []
    for i in range(DOCUMENTS):
        a, b = f"{i:024x}", f"{i + 1:024x}"
        reviews.append(
            {
                "_id": uuid.uuid4().hex,
                "pair": f"{a}|{b}",
                "households": [a, b],
                "area_ancestors": ancestors(commune_of(i)),
                "status": ("pending", "same", "different")[i % 3],
                "score": float(i % 97),
            }
        )
    database["duplicate_reviews"].insert_many(reviews)
    database["jobs"].insert_many(
        {
            "_id": uuid.uuid4().hex,
            "kind": "import",
            "area": commune_of(i),
            "area_ancestors": ancestors(commune_of(i)),
            "status": "running" if i % 1000 == 0 else "succeeded",
            "heartbeat_at": NOW - timedelta(minutes=i % 90),
            "started_at": NOW,
        }
        for i in range(DOCUMENTS)
    )
    return database


def households_repo(database: Database[Any]) -> Any:
    from registry.adapters.households import MongoHouseholdRepository

    return MongoHouseholdRepository(database)


def a_household(database: Database[Any], **query: Any) -> dict[str, Any]:
    doc = database["households"].find_one({"area": COMMUNE, **query})
    assert doc is not None
    return doc


def test_households_listed_by_area_and_status(dbs: Databases, registry: Database[Any]) -> None:
    repo = households_repo(registry)
    scope = Scope(COMMUNE)
    assert_indexed(dbs, lambda: repo.list(scope, HouseholdFilter(status="active")))
    assert_indexed(dbs, lambda: repo.list(Scope.national(), HouseholdFilter(area=COMMUNE)))
    assert_indexed(dbs, lambda: repo.count(scope))


def test_households_listed_by_category_and_score(dbs: Databases, registry: Database[Any]) -> None:
    repo = households_repo(registry)
    scope = Scope(COMMUNE)
    assert_indexed(dbs, lambda: repo.list(scope, HouseholdFilter(category="elderly")))
    assert_indexed(dbs, lambda: repo.list(scope, HouseholdFilter(score_min=40, score_max=60)))


def test_candidates_by_blocking_key(dbs: Databases, registry: Database[Any]) -> None:
    repo = households_repo(registry)
    found = assert_indexed(dbs, lambda: repo.candidates(["k17", "k1800"], 50))
    assert [command.name for command in found] == ["find", "find"]  # the blocks' sizes, then the households


def test_an_oversized_block_is_not_read(dbs: Databases, registry: Database[Any]) -> None:
    from registry.adapters.households import BlockCounts
    from registry.dedup import DEFAULT_POLICY

    repo = households_repo(registry)
    assert repo.candidates(["k18"], 50)
    registry["blocking_blocks"].update_one({"_id": "k18"}, {"$set": {"households": DEFAULT_POLICY.max_block + 1}})
    sent = assert_indexed(dbs, lambda: BlockCounts(registry).searchable(["k18", "k19"]))
    assert [command.command["find"] for command in sent] == ["blocking_blocks"]
    assert BlockCounts(registry).searchable(["k18", "k19"]) == ["k19"]
    dbs.recorder.take()
    assert repo.candidates(["k18"], 50) == []
    assert [command.command["find"] for command in dbs.recorder.take()] == ["blocking_blocks"]


def test_facts_of_a_household_and_its_related_ones(dbs: Databases, registry: Database[Any]) -> None:
    repo = households_repo(registry)
    doc = a_household(registry, status="active")
    assert_indexed(dbs, lambda: repo.facts(str(doc["_id"]), TODAY))
    assert_indexed(dbs, lambda: repo.get(str(doc["_id"])))
    assert_indexed(dbs, lambda: repo.raw_status(str(doc["_id"])))


def test_facts_and_streams_of_an_area(dbs: Databases, registry: Database[Any]) -> None:
    repo = households_repo(registry)
    assert_indexed(dbs, lambda: list(repo.facts_stream(COMMUNE, TODAY)))
    assert_indexed(dbs, lambda: list(repo.stream(Scope(COMMUNE))))


def test_import_lookups_by_import_key_and_id(dbs: Databases, registry: Database[Any]) -> None:
    from registry.adapters.households import ImportedHouseholds

    lookup = ImportedHouseholds(registry["households"])
    keyed = assert_indexed(dbs, lambda: lookup.keyed(["survey-1:ref-1", "survey-2:ref-2"]))
    assert keyed
    ids = [a_household(registry)["_id"]]
    assert_indexed(dbs, lambda: lookup.documents(ids))


def test_outbox_sweep(dbs: Databases, registry: Database[Any]) -> None:
    assert_indexed(dbs, lambda: outbox.sweep(registry, ("households",)))


def test_reviews_by_area_pair_and_household(dbs: Databases, registry: Database[Any]) -> None:
    from registry.adapters.reviews import MongoReviewRepository

    reviews = MongoReviewRepository(registry)
    a, b, c = f"{30:024x}", f"{31:024x}", f"{32:024x}"
    assert_indexed(dbs, lambda: reviews.find(Scope(COMMUNE), 50))
    assert_indexed(dbs, lambda: reviews.find(Scope(COMMUNE), 50, household_id=a))
    assert_indexed(dbs, lambda: reviews.known_different(a, [b, c]))
    assert_indexed(dbs, lambda: reviews.still_pending_for(b))
    assert_indexed(dbs, lambda: reviews.partners(b))


def test_jobs_by_id_and_stale_ones(dbs: Databases, registry: Database[Any]) -> None:
    jobs = MongoJobRepository(registry)
    job = registry["jobs"].find_one({"status": "succeeded"})
    assert job is not None
    assert_indexed(dbs, lambda: jobs.get(job["_id"]))
    assert_indexed(dbs, jobs.interrupt_stale)


# --- assistance ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def assistance(dbs: Databases) -> Database[Any]:
    from assistance.adapters.aid_requests import MongoAidRequestRepository
    from assistance.adapters.cover_claims import MongoCoverClaims

    database = dbs["assistance"]
    MongoAidRequestRepository.ensure_indexes(database)
    MongoCoverClaims.ensure_indexes(database)
    states = ("submitted", "diagnosed", "proposed", "approved", "rejected", "disbursed", "closed")
    requests = []
    for i in range(DOCUMENTS):
        request: dict[str, Any] = {
            "_id": ObjectId(),
            "household_id": f"{i % 2000:024x}",
            "area": commune_of(i),
            "area_ancestors": ancestors(commune_of(i)),
            "programme": "afs",
            "need": ("food", "housing", "health")[i % 3],
            "benefit_type": ("cash", "in_kind")[i % 2],
            "state": states[i % len(states)],
            "received_by": "seed",
            "decision": {"decision": "grant", "period": "2026-06"} if i % 2 else None,
            "version": 1,
            "idempotency_key": f"seed-{i}",
            "history": [],
        }
        if i % 200 == 0:
            request["regularisation"] = {"status": "awaiting_diagnosis", "level": 0, "next_escalation_at": NOW}
        requests.append(request)
    database["aid_requests"].insert_many(requests)
    database["aid_cover_claims"].insert_many(
        {"_id": f"food|{i:024x}|2026-{i % 12 + 1:02d}", "request_id": f"{i % 3000:024x}"} for i in range(DOCUMENTS)
    )
    return database


def test_aid_requests_by_area_state_and_household(dbs: Databases, assistance: Database[Any]) -> None:
    from assistance.adapters.aid_requests import OUTBOX_COLLECTIONS, MongoAidRequestRepository

    repo = MongoAidRequestRepository(assistance)
    scope = Scope(COMMUNE)
    household_id = f"{7:024x}"
    assert_indexed(dbs, lambda: repo.search(scope, {"state": "submitted"}, None, 51))
    assert_indexed(dbs, lambda: repo.search(scope, {"household_id": household_id}, None, 51))
    assert_indexed(dbs, lambda: repo.grants([household_id, f"{8:024x}"], "food"))
    assert_indexed(dbs, lambda: repo.in_state(scope, "approved", "cash"))
    assert_indexed(dbs, lambda: repo.overdue_regularisations(NOW))
    assert_indexed(dbs, lambda: repo.by_key("seed-17"))
    assert_indexed(dbs, lambda: outbox.sweep(assistance, OUTBOX_COLLECTIONS))


def test_cover_claims(dbs: Databases, assistance: Database[Any]) -> None:
    from assistance.adapters.cover_claims import MongoCoverClaims

    claims = MongoCoverClaims(assistance)
    taken = f"food|{5:024x}|2026-06"
    assert_indexed(dbs, lambda: claims.claim(f"{99:024x}", [taken]))
    assert_indexed(dbs, lambda: claims.release(f"{4000:024x}"))


# --- audit, veille, reporting ----------------------------------------------------------


@pytest.fixture(scope="module")
def audit(dbs: Databases) -> Database[Any]:
    from audit.adapters.records import MongoAuditRepository, seq_key

    database = dbs["audit"]
    MongoAuditRepository.ensure_indexes(database)
    actions = [f"{kind}.{verb}" for kind in ("household", "aid_request", "programme", "review") for verb in "abcde"]
    database["audit_records"].insert_many(
        {
            "_id": seq_key(seq),
            "seq": seq,
            "event_id": uuid.uuid4().hex,
            "actor": f"user-{seq % 300}",
            "roles": ["social-worker"],
            "area": commune_of(seq),
            "area_ancestors": ancestors(commune_of(seq)),
            "action": actions[seq % len(actions)],
            "object_id": f"{seq % 1500:024x}",
            "outcome": "allowed",
            "at": (NOW - timedelta(minutes=DOCUMENTS - seq)).isoformat(),
            "hash": "x",
            "prev_hash": "x",
        }
        for seq in range(1, DOCUMENTS + 1)
    )
    return database


@pytest.mark.parametrize("scope_area", ["/DZ", COMMUNE.rsplit("/", 1)[0]], ids=["national", "wilaya"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        (AuditQuery(actor="user-17"), "actor"),
        (AuditQuery(action="review.c"), "action"),
        (AuditQuery(object_id=f"{17:024x}"), "object_id"),
        (AuditQuery(since=NOW - timedelta(hours=2), until=NOW - timedelta(hours=1)), "at"),
    ],
    ids=["actor", "action", "object", "time"],
)
def test_audit_entries_by_actor_action_object_and_time(
    dbs: Databases, audit: Database[Any], scope_area: str, query: AuditQuery, field: str
) -> None:
    from audit.adapters.records import MongoAuditRepository
    from common.scope import Scope

    repo = MongoAuditRepository(audit)
    assert_indexed(dbs, lambda: repo.search(query, Scope(scope_area)), uses=field)


@pytest.fixture(scope="module")
def veille(dbs: Databases) -> Database[Any]:
    from veille.adapters.signals import MongoSignals

    database = dbs["veille"]
    MongoSignals.ensure_indexes(database)
    database["signals"].insert_many(
        {
            "category": "street_child",
            "area": commune_of(i),
            "area_ancestors": ancestors(commune_of(i)),
            "description": "seed",
            "severity": i % 5 + 1,
            "status": "new",
            "level": "cell",
            "priority": 0,
            "persons": {"count": 1},
            "reporter": {"kind": "agent"},
            "protected": {},
            "reported_at": NOW - timedelta(minutes=i),
            "reported_by": "seed",
            "version": 1,
            # one in a hundred is due to climb a level now; the others later
            "escalate_at": NOW - timedelta(hours=1) if i % 100 == 0 else NOW + timedelta(hours=1 + i),
        }
        for i in range(DOCUMENTS)
    )
    return database


def test_signals_by_area_severity_and_time(dbs: Databases, veille: Database[Any]) -> None:
    from common.contracts.signals import SignalFilter
    from veille.adapters.signals import MongoSignals

    repo = MongoSignals(veille)
    assert_indexed(dbs, lambda: repo.page(Scope(COMMUNE), SignalFilter()))
    assert_indexed(dbs, lambda: repo.count(Scope(COMMUNE), SignalFilter(status="new")))


def test_the_escalation_sweep_reads_only_signals_due_to_climb(dbs: Databases, veille: Database[Any]) -> None:
    from veille.adapters.signals import MongoSignals

    repo = MongoSignals(veille)
    assert_indexed(dbs, lambda: repo.overdue(NOW), uses="escalate_at")


def test_reporting_tallies_by_area_and_by_parent(dbs: Databases) -> None:
    from reporting.adapters.tallies import MongoTallies

    database = dbs["reporting"]
    MongoTallies.ensure_indexes(database)
    quarters = [f"2026-Q{q}" for q in range(1, 5)]
    database["tallies"].insert_many(
        {
            "_id": f"{commune_of(i)}|{quarters[i % 4]}|m{i % 7}|p{i % 3}|{i}",
            "area": commune_of(i),
            "parent": ancestors(commune_of(i))[-2],
            "lineage": ancestors(commune_of(i)),
            "depth": 2,
            "quarter": quarters[i % 4],
            "measure": f"m{i % 7}",
            "programme": f"p{i % 3}",
            "category": "",
            "count": 1,
            "amount": 0,
            "seq": i,
        }
        for i in range(DOCUMENTS)
    )
    tallies = MongoTallies(database)
    assert_indexed(dbs, lambda: tallies.rows(COMMUNE, "2026-Q2"))
    assert_indexed(dbs, lambda: tallies.children(ancestors(COMMUNE)[-2], ["2026-Q2"]))
    assert_indexed(dbs, lambda: tallies.below(ancestors(COMMUNE)[-2], 2, ["2026-Q2"]))


def test_reporting_programme_impact_reads_households_marks_and_grants_through_indexes(
    dbs: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    from common.scope import Scope
    from reporting.adapters import impact_marks
    from reporting.adapters.impact_marks import MongoImpactFacts, MongoScoreMarks

    database = dbs["reporting"]
    MongoScoreMarks.ensure_indexes(database)
    households = [f"{i:024x}" for i in range(DOCUMENTS)]
    database["household_facts"].insert_many(
        {"_id": h, "area": commune_of(i), "area_ancestors": ancestors(commune_of(i)), "members": 3, "seq": 1}
        for i, h in enumerate(households)
    )
    quarters = [f"2026-Q{q}" for q in range(1, 5)]
    database["score_marks"].insert_many(
        {
            "_id": f"{h}|{quarters[i % 4]}",
            "household": h,
            "quarter": quarters[i % 4],
            "area": commune_of(i),
            "first_score": 0.5,
            "first_band": "high",
            "last_score": 0.5,
            "last_band": "high",
            "seq": 1,
        }
        for i, h in enumerate(households)
    )
    database["grant_marks"].insert_many(
        {"_id": f"{h}|{quarters[i % 4]}|p{i % 3}", "household": h, "quarter": quarters[i % 4], "programme": f"p{i % 3}"}
        for i, h in enumerate(households)
    )
    facts = MongoImpactFacts(database)
    wilaya = ancestors(COMMUNE)[-2]
    assert_indexed(dbs, lambda: facts.households(Scope(wilaya), COMMUNE), uses="area_ancestors")
    mine = sorted(facts.households(Scope(wilaya), COMMUNE))
    assert mine
    assert_indexed(dbs, lambda: facts.marks(mine, "2026-Q2"), uses="household")
    assert_indexed(dbs, lambda: facts.grants(mine, "2026-Q2", "p1"), uses="household")
    monkeypatch.setattr(impact_marks, "CHUNK", 2)  # a wide area: the quarters' marks, filtered in the adapter
    assert_indexed(dbs, lambda: facts.marks(mine, "2026-Q1"), uses="quarter")
    assert_indexed(dbs, lambda: facts.grants(mine, "2026-Q1", "p1"), uses="quarter")


# --- case work, referrals, payments ----------------------------------------------------


@pytest.fixture(scope="module")
def casework(dbs: Databases) -> Database[Any]:
    from assistance.adapters.casework import MongoCaseworkRepository
    from assistance.adapters.payments import MongoPaymentRepository
    from assistance.adapters.referrals import MongoReferralRepository

    database = dbs["casework"]
    for repository in (MongoCaseworkRepository, MongoReferralRepository, MongoPaymentRepository):
        repository.ensure_indexes(database)
    database["cases"].insert_many(
        {
            "_id": f"case-{i}",
            "cell": commune_of(i),
            "area_ancestors": ancestors(commune_of(i)),
            "household_id": f"{i % 2500:024x}",
            "status": "open" if i % 4 else "closed",
            "lead": f"worker-{i % 40}",
            "team": [f"worker-{i % 40}"],
            "opened_at": NOW - timedelta(days=i % 300),
        }
        for i in range(DOCUMENTS)
    )
    database["visits"].insert_many(
        {
            "_id": f"visit-{i}",
            "case_id": f"case-{i}",
            "cell": commune_of(i),
            "status": "planned" if i % 3 else "done",
            "planned_at": NOW - timedelta(days=90),
            "planned_for": (TODAY - timedelta(days=(i // len(COMMUNES)) % 60 - 10)).isoformat(),
        }
        for i in range(DOCUMENTS)
    )
    database["visit_outcomes"].insert_many({"_id": f"visit-{i}", "outcome": "done"} for i in range(0, DOCUMENTS, 3))
    database["referrals"].insert_many(
        {
            "_id": f"ref-{i}",
            "person_key": f"{i % 2500:024x}:0",
            "household_id": f"{i % 2500:024x}",
            "household_area": commune_of(i),
            "area_ancestors": ancestors(commune_of(i)),
            "institution": f"inst-{i % 300:03d}",
            "institution_wilaya": ancestors(commune_of(i))[1],
            "state": ("proposed", "accepted", "placed", "ended")[i % 4],
            "version": 1,
            "proposed_at": NOW - timedelta(minutes=i),
        }
        for i in range(DOCUMENTS)
    )
    database["payments"].insert_many(
        {
            "_id": f"PAY-{i:07d}",
            "request_id": f"{i:024x}",
            "area": commune_of(i),
            "amount_dzd": 10_000,
            "point": "ccp",
            "attempt": 1,
            "list_id": f"list-{i % 400}",
            "area_ancestors": ancestors(commune_of(i)),
            "status": "failed" if i % 10 == 0 else "paid",
            "reissued_as": None,
        }
        for i in range(DOCUMENTS)
    )
    return database


def test_cases_and_visits_of_a_cell(dbs: Databases, casework: Database[Any]) -> None:
    from assistance.adapters.casework import MongoCaseworkRepository
    from common.contracts.casework import CaseFilter

    repo = MongoCaseworkRepository(casework)
    assert_indexed(dbs, lambda: repo.list_cases(Scope(COMMUNE), CaseFilter(status="open")))
    by_household = CaseFilter(household_id=f"{17:024x}")
    assert_indexed(dbs, lambda: repo.list_cases(Scope.national(), by_household), uses="household_id")
    assert_indexed(dbs, lambda: repo.caseload(COMMUNE))
    assert_indexed(dbs, lambda: repo.overdue(COMMUNE, TODAY))


def test_referrals_by_area_institution_and_state(dbs: Databases, casework: Database[Any]) -> None:
    from assistance.adapters.referrals import MongoReferralRepository
    from common.contracts.referrals import ReferralFilter

    repo = MongoReferralRepository(casework)
    assert_indexed(dbs, lambda: repo.list_in(Scope(COMMUNE), ReferralFilter(state="proposed")))
    by_institution = ReferralFilter(institution="inst-017", state="accepted")
    assert_indexed(dbs, lambda: repo.list_in(Scope.national(), by_institution), uses="institution")


def test_payments_to_reissue_in_an_area(dbs: Databases, casework: Database[Any]) -> None:
    from assistance.adapters.payments import MongoPaymentRepository

    repo = MongoPaymentRepository(casework)
    assert_indexed(dbs, lambda: repo.to_reissue(Scope(COMMUNE)))
