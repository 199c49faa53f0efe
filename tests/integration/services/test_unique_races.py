"""Services' claims by insert on a unique index other than ``_id``, raced for real.

Eight writers are released together on one key, round after round, through the services'
own stores on the database at ``MONGO_URI``: one idempotency key (``insert_once``), one
duplicate-review pair, one job lock, one institution place per holder. Exactly one record
must come out of each round and no writer may see an error: the losers answer the winner's
record (or a conflict). On FerretDB 2 over DocumentDB such races also meet PostgreSQL's
"deadlock detected", which ``common.deadlocks.retry_transient`` sends again.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from pymongo.database import Database

from assistance.adapters.cover_claims import MongoCoverClaims
from assistance.adapters.institutions import MongoInstitutionRepository
from assistance.domain.institutions import Reservation
from common.contracts.campaigns import CampaignIn
from common.errors import Conflict
from common.idempotency import keyed
from common.jobs import MongoJobRepository
from common.nameko_ext.mongo import service_database
from common.pii import NationalIdProtector
from registry.adapters.households import ImportedHouseholds
from registry.adapters.reviews import MongoReviewRepository
from registry.duplicates import Finding
from registry.importing.formats import read_rows
from registry.importing.job import ImportReport, run_import
from registry.importing.writer import HouseholdWriter
from solidarity.adapters.campaigns import MongoCampaigns
from solidarity.domain.campaigns import new_campaign
from tests.unit.registry_importing.conftest import csv_bytes, head_row

WORKERS = 8
ROUNDS = 30  # a round meets a deadlock now and then: 10 rounds sometimes met none


def race(write: Callable[[int, int], Any], rounds: int = ROUNDS) -> list[list[Any]]:
    """``write(worker, round)`` by every worker, all released together each round: each round's answers.

    An exception escaping a write is the worker's answer for that round, so that the test
    shows every failure rather than the first.
    """
    barrier = threading.Barrier(WORKERS)
    answers: list[list[Any]] = [[None] * WORKERS for _ in range(rounds)]

    def work(worker: int) -> None:
        for round_ in range(rounds):
            barrier.wait()
            try:
                answers[round_][worker] = write(worker, round_)
            except Exception as error:  # noqa: BLE001 - reported by the test, with its round
                answers[round_][worker] = error

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(work, range(WORKERS)))
    return answers


def assert_none_escaped(answers: list[list[Any]], allowed: tuple[type[Exception], ...] = ()) -> None:
    """No write raised an error (an ``allowed`` error is an answer); else which rounds did, and the first error."""
    failed = {
        round_: answer
        for round_, answered in enumerate(answers)
        for answer in answered
        if isinstance(answer, Exception) and not isinstance(answer, allowed)
    }
    first = next(iter(failed.values()), None)
    assert not failed, f"{len(failed)} of {len(answers)} rounds let an error escape: {sorted(failed)}; {first!r}"


@pytest.fixture
def database(config: dict[str, Any]) -> Callable[[str], Database[Any]]:
    def open_(service: str) -> Database[Any]:
        return service_database(config, service)

    return open_


def test_one_idempotency_key_sent_by_eight_writers_creates_one_record(
    database: Callable[[str], Database[Any]],
) -> None:
    db = database("solidarity")
    MongoCampaigns.ensure_indexes(db)
    campaigns = MongoCampaigns(db)
    body = CampaignIn(
        kind="winter", name_fr="Hiver solidaire", name_ar="شتاء", area="/DZ/16", starts_on=date(2026, 12, 1),
        ends_on=date(2027, 2, 28),
    )  # fmt: skip

    def create(_: int, round_: int) -> Any:
        draft = new_campaign(id=campaigns.new_id(), **body.model_dump(include={"kind", "name_fr", "name_ar", "area",
                             "starts_on", "ends_on"}))  # fmt: skip
        stored = campaigns.create(draft, keyed("user-races", f"races-key-{round_:04d}", body), "user-races")
        return {"id": stored.id}

    answers = race(create)

    assert_none_escaped(answers)
    for round_, answered in enumerate(answers):
        stored = list(db["campaigns"].find({"idempotency_key": f"user-races|races-key-{round_:04d}"}))
        assert len(stored) == 1, f"round {round_}"
        assert {answer["id"] for answer in answered} == {str(stored[0]["_id"])}  # every writer answers it


def test_one_pair_queued_by_eight_writers_is_one_review(database: Callable[[str], Database[Any]]) -> None:
    db = database("registry")
    MongoReviewRepository.ensure_indexes(db)
    reviews = MongoReviewRepository(db)

    def open_pair(_: int, round_: int) -> list[str]:
        finding = Finding(
            household_id=f"existing-{round_}", area="/DZ/16/1601", decision="possible", score=0.9,
            member_pair=("m1", "m2"), agreeing=["name"], disagreeing=[], withheld=None,
        )  # fmt: skip
        return reviews.open(f"held-{round_}", "/DZ/16/1602", [finding])

    answers = race(open_pair)

    assert_none_escaped(answers)
    for round_, answered in enumerate(answers):
        stored = list(db["duplicate_reviews"].find({"households": f"held-{round_}"}))
        assert len(stored) == 1, f"round {round_}"
        assert sorted(len(opened) for opened in answered) == [0] * (WORKERS - 1) + [1]  # one writer queued it
        assert [stored[0]["_id"]] in answered


def test_one_exclusive_job_started_by_eight_writers_runs_once(database: Callable[[str], Database[Any]]) -> None:
    db = database("registry")
    jobs = MongoJobRepository(db)

    def start(worker: int, round_: int) -> dict[str, Any]:
        return jobs.start("import", "/DZ/16", f"user-{worker}", {}, exclusive=f"import:races-{round_}")

    answers = race(start)

    assert_none_escaped(answers, allowed=(Conflict,))
    for round_, answered in enumerate(answers):
        started = [answer for answer in answered if isinstance(answer, dict)]
        assert len(started) == 1, f"round {round_}"
        assert all(answer.details == {"job_id": started[0]["id"]} for answer in answered if answer is not started[0])
        assert db["job_locks"].find_one({"_id": f"import:races-{round_}"}) == {
            "_id": f"import:races-{round_}",
            "job_id": started[0]["id"],
        }


def test_one_holder_reserving_from_eight_writers_holds_one_place(database: Callable[[str], Database[Any]]) -> None:
    db = database("assistance")
    db["institution_places"].create_index("holder", unique=True)
    institutions = MongoInstitutionRepository(db)
    db["institutions"].insert_one({"_id": "races-01", "capacity": 100})  # what a reservation reads of it

    def reserve(_: int, round_: int) -> Reservation:
        return institutions.reserve("races-01", f"holder-{round_}", None)

    answers = race(reserve)

    assert_none_escaped(answers)
    for round_, answered in enumerate(answers):
        assert db["institution_places"].count_documents({"holder": f"holder-{round_}"}) == 1, f"round {round_}"
        assert sorted(answered) == sorted([Reservation.TAKEN] + [Reservation.HELD] * (WORKERS - 1))


def test_eight_approvals_claiming_the_same_cover_leave_it_to_one(database: Callable[[str], Database[Any]]) -> None:
    db = database("assistance")
    claims = MongoCoverClaims(db)
    keys = [f"food|household-{n}|2026-0{month}" for n in range(2) for month in range(1, 4)]

    def claim(worker: int, round_: int) -> list[str]:
        return claims.claim(f"request-{round_}-{worker}", [f"{round_}|{key}" for key in keys])

    answers = race(claim)

    assert_none_escaped(answers)
    for round_, answered in enumerate(answers):
        winners = [worker for worker, others in enumerate(answered) if others == []]
        assert len(winners) == 1, f"round {round_}"
        held = {doc["request_id"] for doc in db["aid_cover_claims"].find({"_id": {"$regex": f"^{round_}\\|"}})}
        assert held == {f"request-{round_}-{winners[0]}"}
        assert db["aid_cover_claims"].count_documents({"_id": {"$regex": f"^{round_}\\|"}}) == len(keys)


def test_eight_imports_of_one_source_create_each_household_once(database: Callable[[str], Database[Any]]) -> None:
    """Imports of one source run one at a time (a job lock); if two ever overlap, the loser's creates are conflicts."""
    households = database("registry")["households"]
    ImportedHouseholds.ensure_indexes(households)
    protector = NationalIdProtector(b"h" * 32, b"e" * 32)
    data = csv_bytes([head_row(f"H-{n}") for n in range(4)])

    def run(worker: int, round_: int) -> ImportReport:
        writer = HouseholdWriter(
            ImportedHouseholds(households), source=f"races-{round_}", user_id=f"agent-{worker}", protector=protector
        )
        return run_import(lambda: read_rows(io.BytesIO(data), "csv"), writer)

    answers = race(run)

    assert_none_escaped(answers)
    for round_, reports in enumerate(answers):
        assert sum(report.created for report in reports) == 4, f"round {round_}"
        assert {error.code for report in reports for error in report.errors} <= {"ref_conflict"}
        assert households.count_documents({"import_key": {"$regex": f"^races-{round_}:"}}) == 4
