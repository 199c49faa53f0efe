"""Imports in the registry: who may upload and import, argument checks, the upload store, the screening.

Repositories are the Mongo ones over mongomock (the same code the service runs); the
background runner is nameko's mock, so a started job does not run here (the integration
tests run it).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import mongomock
import pytest
from bson import ObjectId
from nameko.testing.services import worker_factory

from common.context import CallerContext
from common.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from common.jobs import MongoJobRepository
from registry.adapters.households import BlockCounts, ImportedHouseholds, MongoHouseholdRepository
from registry.adapters.reviews import MongoReviewRepository
from registry.adapters.uploads import MongoUploadRepository, part_id
from registry.app import imports
from registry.app.imports import ScreeningWriter
from registry.dedup import DEFAULT_POLICY
from registry.duplicates import COMPARED_MEMBER_FIELDS, household_keys, person_records
from registry.importing.stored import dedup_keys
from registry.service import RegistryService

AGENT_AREA = "/DZ/16"


@pytest.fixture
def database() -> Any:
    return mongomock.MongoClient(tz_aware=True)[f"registry_{uuid.uuid4().hex[:6]}"]


@pytest.fixture
def uploads(database: Any) -> MongoUploadRepository:
    return MongoUploadRepository(database, max_bytes=10_000)


def agent(user_id: str = "agent-1", *roles: str) -> CallerContext:
    return CallerContext(user_id=user_id, roles=roles or ("wilaya-agent",), area=AGENT_AREA, correlation_id="c-1")


def registry(database: Any, uploads: MongoUploadRepository, ctx: CallerContext | None) -> Any:
    households = MongoHouseholdRepository(database)
    return worker_factory(
        RegistryService, uploads=uploads, households=households, jobs=MongoJobRepository(database), caller=ctx
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def uploaded(svc: Any, *parts: bytes) -> str:
    upload_id = uuid.uuid4().hex
    for seq, part in enumerate(parts):
        svc.put_upload_part(upload_id, seq, b64(part))
    return upload_id


# --- who may -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["social-worker", "auditor", "donor"])
def test_roles_without_import_permission_are_refused(
    database: Any, uploads: MongoUploadRepository, caller: Callable[..., CallerContext], role: str
) -> None:
    svc = registry(database, uploads, caller("/DZ/16/1601", role))
    with pytest.raises(Forbidden):
        svc.put_upload_part(uuid.uuid4().hex, 0, b64(b"household_ref\n"))
    with pytest.raises(Forbidden):
        svc.start_import(uuid.uuid4().hex, "csv", "survey-2025")
    assert database["upload_parts"].count_documents({}) == 0


def test_anonymous_calls_are_refused(database: Any, uploads: MongoUploadRepository) -> None:
    with pytest.raises(Unauthenticated):
        registry(database, uploads, None).put_upload_part(uuid.uuid4().hex, 0, b64(b"x"))


@pytest.mark.parametrize("role", ["national-officer", "wilaya-director", "wilaya-agent", "cell-coordinator"])
def test_importing_roles_start_a_job_in_their_area(database: Any, uploads: MongoUploadRepository, role: str) -> None:
    svc = registry(database, uploads, agent("agent-1", role))
    upload_id = uploaded(svc, b"household_ref,area\n", b"H-1,/DZ/16/1601\n")
    job = svc.start_import(upload_id, "csv", "survey-2025", dry_run=True)
    assert (job["kind"], job["status"], job["area"], job["started_by"]) == ("import", "running", AGENT_AREA, "agent-1")
    assert job["params"] == {
        "upload_id": upload_id,
        "format": "csv",
        "source": "survey-2025",
        "dry_run": True,
        "all_or_nothing": False,
        "size": 35,
    }
    svc.background.assert_called_once()
    assert svc.background.call_args.args[1] == job["id"]
    assert uploads.get(upload_id)["job_id"] == job["id"]
    with pytest.raises(NotFound):  # no part once the import started
        svc.put_upload_part(upload_id, 2, b64(b"H-2,/DZ/16/1601\n"))


# --- arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload_id", "seq", "data"),
    [
        ("short", 0, b64(b"x")),
        ("../../etc", 0, b64(b"x")),
        (None, 0, b64(b"x")),
        (uuid.uuid4().hex, -1, b64(b"x")),
        (uuid.uuid4().hex, True, b64(b"x")),
        (uuid.uuid4().hex, "0", b64(b"x")),
        (uuid.uuid4().hex, 1_000_000, b64(b"x")),
        (uuid.uuid4().hex, 0, "not base64!"),
        (uuid.uuid4().hex, 0, b"raw bytes"),
        (uuid.uuid4().hex, 0, "A" * 6_000_000),
    ],
)
def test_malformed_parts_are_refused(
    database: Any, uploads: MongoUploadRepository, upload_id: Any, seq: Any, data: Any
) -> None:
    with pytest.raises(ValidationFailed):
        registry(database, uploads, agent()).put_upload_part(upload_id, seq, data)
    assert database["uploads"].count_documents({}) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "xls"}, "format"),
        ({"format": None}, "format"),
        ({"source": "survey:2025"}, "source"),
        ({"source": ""}, "source"),
        ({"source": "x" * 101}, "source"),
        ({"dry_run": "yes"}, "dry_run"),
        ({"all_or_nothing": 1}, "all_or_nothing"),
        ({"upload_id": "bad id"}, "upload_id"),
    ],
)
def test_invalid_import_arguments_name_the_field(
    database: Any, uploads: MongoUploadRepository, change: dict[str, Any], field: str
) -> None:
    svc = registry(database, uploads, agent())
    arguments: dict[str, Any] = {"upload_id": uploaded(svc, b"x"), "format": "csv", "source": "survey-2025"}
    with pytest.raises(ValidationFailed) as err:
        svc.start_import(**{**arguments, **change})
    assert field in err.value.details
    svc.background.assert_not_called()


def test_someone_elses_or_unknown_upload_is_not_found(database: Any, uploads: MongoUploadRepository) -> None:
    mine = registry(database, uploads, agent("agent-1"))
    upload_id = uploaded(mine, b"household_ref\n")
    other = registry(database, uploads, agent("agent-2"))
    with pytest.raises(NotFound):
        other.start_import(upload_id, "csv", "survey-2025")
    with pytest.raises(NotFound):
        other.put_upload_part(upload_id, 1, b64(b"more"))
    with pytest.raises(NotFound):
        other.discard_upload(upload_id)
    with pytest.raises(NotFound):
        mine.start_import(uuid.uuid4().hex, "csv", "survey-2025")
    other.background.assert_not_called()


def test_starting_the_same_upload_again_answers_the_same_job(database: Any, uploads: MongoUploadRepository) -> None:
    svc = registry(database, uploads, agent())
    upload_id = uploaded(svc, b"household_ref\n")
    first = svc.start_import(upload_id, "csv", "survey-2025")
    assert svc.start_import(upload_id, "csv", "survey-2025")["id"] == first["id"]
    assert svc.background.call_count == 1


def test_two_imports_of_one_source_never_run_at_once(database: Any, uploads: MongoUploadRepository) -> None:
    svc = registry(database, uploads, agent())
    svc.start_import(uploaded(svc, b"a"), "csv", "survey-2025")
    second = uploaded(svc, b"b")
    with pytest.raises(Conflict):
        svc.start_import(second, "csv", "survey-2025")
    assert svc.start_import(second, "csv", "survey-2026")["params"]["source"] == "survey-2026"


def test_a_clash_names_the_running_job_only_inside_the_callers_area(
    database: Any, uploads: MongoUploadRepository
) -> None:
    oran = registry(
        database,
        uploads,
        CallerContext(user_id="director-31", roles=("wilaya-director",), area="/DZ/31", correlation_id="c-2"),
    )
    running = oran.start_import(uploaded(oran, b"a"), "csv", "survey-2025")
    alger = registry(database, uploads, agent())
    with pytest.raises(Conflict) as elsewhere:
        alger.start_import(uploaded(alger, b"b"), "csv", "survey-2025")
    assert elsewhere.value.details == {}  # not even the id of Oran's job
    national = registry(
        database,
        uploads,
        CallerContext(user_id="officer", roles=("national-officer",), area="/DZ", correlation_id="c-3"),
    )
    with pytest.raises(Conflict) as above:
        national.start_import(uploaded(national, b"c"), "csv", "survey-2025")
    assert above.value.details == {"job_id": running["id"]}


# --- the upload store ----------------------------------------------------------------


def test_parts_are_read_back_in_order_as_one_file(uploads: MongoUploadRepository, database: Any) -> None:
    upload_id = uuid.uuid4().hex
    chunks = [b"household_ref;area\n", "H-1;/DZ/16/1601;é\n".encode(), b"", b"H-2;/DZ/16/1602\n"]
    for seq, chunk in enumerate(chunks):
        state = uploads.put_part(upload_id, seq, chunk, "agent-1", AGENT_AREA)
    assert state == {"upload_id": upload_id, "parts": 4, "size": sum(map(len, chunks))}
    assert {doc["_id"] for doc in database["upload_parts"].find({})} == {part_id(upload_id, s) for s in range(4)}
    with uploads.open(upload_id) as stream:
        assert stream.read() == b"".join(chunks)
    with uploads.open(upload_id, seekable=True) as spooled:
        assert spooled.read(4) == b"hous"
        spooled.seek(0)
        assert spooled.read() == b"".join(chunks)


def test_a_redelivered_part_counts_once(uploads: MongoUploadRepository) -> None:
    upload_id = uuid.uuid4().hex
    uploads.put_part(upload_id, 0, b"abc", "agent-1", AGENT_AREA)
    uploads.put_part(upload_id, 1, b"def", "agent-1", AGENT_AREA)
    again = uploads.put_part(upload_id, 0, b"abc", "agent-1", AGENT_AREA)
    assert (again["parts"], again["size"]) == (2, 6)
    with uploads.open(upload_id) as stream:
        assert stream.read() == b"abcdef"


def test_parts_out_of_order_are_not_found(uploads: MongoUploadRepository) -> None:
    upload_id = uuid.uuid4().hex
    with pytest.raises(NotFound):
        uploads.put_part(upload_id, 1, b"late", "agent-1", AGENT_AREA)
    uploads.put_part(upload_id, 0, b"first", "agent-1", AGENT_AREA)
    with pytest.raises(NotFound):
        uploads.put_part(upload_id, 2, b"skipped one", "agent-1", AGENT_AREA)
    assert uploads.get(upload_id)["parts"] == 1


def test_an_upload_past_the_cap_is_refused_and_dropped(uploads: MongoUploadRepository, database: Any) -> None:
    upload_id = uuid.uuid4().hex
    uploads.put_part(upload_id, 0, b"x" * 6_000, "agent-1", AGENT_AREA)
    with pytest.raises(ValidationFailed) as err:
        uploads.put_part(upload_id, 1, b"x" * 6_000, "agent-1", AGENT_AREA)
    assert err.value.details == {"max_bytes": 10_000}
    assert uploads.get(upload_id) is None and database["upload_parts"].count_documents({}) == 0


def test_discard_removes_every_part(uploads: MongoUploadRepository, database: Any) -> None:
    keep, drop = uuid.uuid4().hex, uuid.uuid4().hex
    for upload_id in (keep, drop):
        for seq in range(3):
            uploads.put_part(upload_id, seq, b"data", "agent-1", AGENT_AREA)
    database["upload_parts"].insert_one({"_id": part_id(drop, 3), "data": b"", "size": 0})  # stored, not counted
    uploads.discard(drop)
    assert uploads.get(drop) is None
    assert sorted(doc["_id"] for doc in database["upload_parts"].find({})) == [part_id(keep, s) for s in range(3)]
    with pytest.raises(NotFound):
        uploads.open(drop)


def test_sweep_removes_day_old_uploads_no_running_job_reads(uploads: MongoUploadRepository, database: Any) -> None:
    fresh, stale, importing, interrupted = (uuid.uuid4().hex for _ in range(4))
    for upload_id in (fresh, stale, importing, interrupted):
        uploads.put_part(upload_id, 0, b"data", "agent-1", AGENT_AREA)
    old = datetime.now(UTC) - timedelta(hours=25)
    for upload_id in (stale, importing, interrupted):
        database["uploads"].update_one({"_id": upload_id}, {"$set": {"created_at": old}})
    uploads.attach(importing, "job-running")
    uploads.attach(interrupted, "job-interrupted")
    assert uploads.sweep(lambda job_id: job_id == "job-running") == 2
    assert {doc["_id"] for doc in database["uploads"].find({})} == {fresh, importing}
    assert database["upload_parts"].count_documents({}) == 2


def test_the_cap_comes_from_the_environment() -> None:
    from registry.adapters.uploads import DEFAULT_MAX_BYTES, configured_max_bytes

    assert configured_max_bytes({}) == DEFAULT_MAX_BYTES == 100 * 1024 * 1024
    assert configured_max_bytes({"IMPORT_MAX_BYTES": "2048"}) == 2048
    assert configured_max_bytes({"IMPORT_MAX_BYTES": "lots"}) == DEFAULT_MAX_BYTES


# --- screening -----------------------------------------------------------------------


def member(given: str, family: str, birth: str, phone: str | None = None) -> dict[str, Any]:
    person = {"given_name_lat": given, "family_name_lat": family, "sex": "M", "birth_date": birth}
    return {**person, "relationship": "head", **({"phone": phone} if phone else {})}


def store(database: Any, area: str, *members: dict[str, Any], status: str = "active") -> ObjectId:
    oid = ObjectId()
    doc = {"_id": oid, "area": area, "members": list(members), "status": status}
    database["households"].insert_one({**doc, "dedup_keys": dedup_keys(oid, area, list(members))})
    return oid


class Written:
    """A committed chunk as the screening sees it: the plan's ids and kinds."""

    def __init__(self, created: list[ObjectId], updated: list[ObjectId] = ()) -> None:  # type: ignore[assignment]
        self.ids = [*created, *updated]
        self.kinds = ["created"] * len(created) + ["updated"] * len(updated)
        self.dry_run = False


class Writer:
    def __init__(self, database: Any) -> None:
        self.committed: list[Any] = []

    def commit(self, plan: Any) -> str:
        self.committed.append(plan)
        return "result"


def screening(database: Any) -> ScreeningWriter:
    MongoReviewRepository.ensure_indexes(database)  # one item per pair: the unique index says so
    households = ImportedHouseholds(database["households"])
    return ScreeningWriter(Writer(database), households, MongoReviewRepository(database))  # type: ignore[arg-type]


def test_dedup_keys_are_the_registration_keys() -> None:
    oid = ObjectId()
    members = [member("Karim", "Ziani", "1979-05-04", "+213661001122")]
    keys = dedup_keys(oid, "/DZ/16/1601", members)
    assert keys == household_keys(person_records(str(oid), "/DZ/16/1601", members))
    assert "tel:+213661001122" in keys


def test_a_new_household_like_a_registered_one_is_held_with_a_review(database: Any) -> None:
    area = "/DZ/16/1601"
    registered = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    unrelated = store(database, area, member("Samira", "Bouzid", "1990-07-01"))
    same = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    other = store(database, area, member("Yacine", "Haddad", "2001-01-20"))
    screen = screening(database)
    assert screen.commit(Written([same, other], updated=[unrelated])) == "result"
    assert screen.held == 1
    statuses = {doc["_id"]: doc["status"] for doc in database["households"].find({})}
    assert statuses == {registered: "active", unrelated: "active", same: "held_for_review", other: "active"}
    [review] = database["duplicate_reviews"].find({})
    assert (review["held"], review["existing"], review["status"]) == (str(same), str(registered), "pending")


def test_within_a_file_only_the_later_of_a_pair_is_held(database: Any) -> None:
    area = "/DZ/16/1601"
    first = store(database, area, member("Abdelkader", "Ould Ali", "1970-02-02", "+213661001122"))
    second = store(database, area, member("Abdelkader", "Ould Ali", "1970-02-02", "+213661001122"))
    screen = screening(database)
    screen.commit(Written([first, second]))
    assert screen.held == 1
    assert database["households"].find_one({"_id": first})["status"] == "active"
    assert database["households"].find_one({"_id": second})["status"] == "held_for_review"
    assert [r["held"] for r in database["duplicate_reviews"].find({})] == [str(second)]


def test_a_chunk_is_screened_in_groups_that_see_each_other(database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "SCREEN_GROUP", 1)  # one registry read per written household
    area = "/DZ/16/1601"
    registered = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    first = store(database, area, member("Abdelkader", "Ould Ali", "1970-02-02", "+213661001122"))
    same = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    second = store(database, area, member("Abdelkader", "Ould Ali", "1970-02-02", "+213661001122"))
    screen = screening(database)
    screen.commit(Written([first, same, second]))
    statuses = {doc["_id"]: doc["status"] for doc in database["households"].find({})}
    assert statuses == {registered: "active", first: "active", same: "held_for_review", second: "held_for_review"}
    pairs = {(r["held"], r["existing"]) for r in database["duplicate_reviews"].find({})}
    assert pairs == {(str(same), str(registered)), (str(second), str(first))}


def test_the_candidates_kept_are_those_sharing_most_keys(database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "CANDIDATE_LIMIT", 1)
    area = "/DZ/16/1601"
    # stored first, sharing one key (the phone) only: a relative, not the same person
    relative = store(database, area, member("Yacine", "Haddad", "2001-01-20", "+213550112233"))
    registered = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    same = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    screen = screening(database)
    screen.commit(Written([same]))
    [review] = database["duplicate_reviews"].find({})
    assert (review["held"], review["existing"]) == (str(same), str(registered))
    assert relative != registered


def test_a_household_is_compared_with_its_best_ranked_candidates_per_member(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "DEFAULT_POLICY", replace(DEFAULT_POLICY, compared_per_member=1))
    compared: list[list[ObjectId]] = []
    findings = imports.findings

    def spy(new: Any, candidates: list[dict[str, Any]]) -> Any:
        compared.append([doc["_id"] for doc in candidates])
        return findings(new, candidates)

    monkeypatch.setattr(imports, "findings", spy)
    area = "/DZ/16/1601"
    store(database, area, member("Yacine", "Haddad", "2001-01-20", "+213550112233"))  # the phone only
    registered = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    same = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    pair = store(database, area, member("Mohamed", "Benali", "1958-03-14"), member("Yacine", "Haddad", "2001-01-20"))
    screening(database).commit(Written([same, pair]))
    assert compared[0] == [registered]  # one member: one candidate, the one sharing most keys
    assert len(compared[1]) == 2  # two members: two


def test_an_updated_household_like_a_registered_one_is_queued_not_held(database: Any) -> None:
    area = "/DZ/16/1601"
    registered = store(database, area, member("Fatima", "Zerrouki", "1949-06-30", "+213661998877"))
    updated = store(database, area, member("Fatma", "Zerouki", "1949-06-30", "+213661998877"))
    screen = screening(database)
    screen.commit(Written([], updated=[updated]))
    assert screen.counts() == {"held_for_review": 0, "updated_in_review": 1}
    assert database["households"].find_one({"_id": updated})["status"] == "active"
    [review] = database["duplicate_reviews"].find({})
    assert (review["held"], review["existing"]) == (str(updated), str(registered))
    screen.commit(Written([], updated=[updated]))  # the same pair again: not asked twice
    assert screen.counts() == {"held_for_review": 0, "updated_in_review": 1}


def test_a_household_created_beside_an_updated_twin_is_the_one_held(database: Any) -> None:
    area = "/DZ/16/1601"
    updated = store(database, area, member("Rachid", "Benyoucef", "1966-09-09", "+213550443322"))
    created = store(database, area, member("Rachid", "Ben Youcef", "1966-09-09", "+213550443322"))
    screen = screening(database)
    screen.commit(Written([created], updated=[updated]))
    assert screen.counts() == {"held_for_review": 1, "updated_in_review": 0}
    [review] = database["duplicate_reviews"].find({})
    assert (review["held"], review["existing"]) == (str(created), str(updated))


def test_merged_households_and_dry_runs_hold_nothing(database: Any) -> None:
    area = "/DZ/16/1601"
    store(database, area, member("Nadia", "Belkacem", "1982-11-02", "+213770001122"), status="merged")
    new = store(database, area, member("Nadia", "Belkacem", "1982-11-02", "+213770001122"))
    screen = screening(database)
    screen.commit(Written([new]))
    dry = Written([store(database, area, member("Nadia", "Belkacem", "1982-11-02", "+213770001122"))])
    dry.dry_run = True
    screen.commit(dry)
    assert screen.held == 0 and database["duplicate_reviews"].count_documents({}) == 0


def test_an_oversized_block_is_not_read_and_rarer_keys_still_find_the_duplicate(
    database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    area = "/DZ/16/1601"
    phone = "+213550112233"  # a shop's phone, say: held by more households than a block may hold
    relative = store(database, area, member("Yacine", "Haddad", "2001-01-20", phone))
    registered = store(database, area, member("Mohamed", "Benali", "1958-03-14", phone))
    same = store(database, area, member("Mohamed", "Benali", "1958-03-14", phone))
    BlockCounts.recount(database)
    blocks = database["blocking_blocks"]  # one past the largest block searched
    blocks.update_one({"_id": f"tel:{phone}"}, {"$inc": {"households": DEFAULT_POLICY.max_block - 2}})
    read = reads_of_households(database, monkeypatch)
    screen = screening(database)
    screen.commit(Written([same]))
    [review] = database["duplicate_reviews"].find({})
    assert (review["held"], review["existing"]) == (str(same), str(registered))
    assert read == {registered, same}  # the relative shares only the oversized phone: never read
    assert relative not in read


def test_a_household_searches_its_rarest_keys_within_the_budget(database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    area = "/DZ/16/1601"
    # A common name and year in one commune: a block of namesakes larger than the whole budget.
    namesakes = [
        store(database, area, member("Mohamed", "Benali", f"1958-{month:02}-{day:02}"))
        for month in (1, 2)
        for day in range(1, DEFAULT_POLICY.search_budget // 2 + 2)
    ]
    registered = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    same = store(database, area, member("Mohamed", "Benali", "1958-03-14", "+213550112233"))
    BlockCounts.recount(database)
    read = reads_of_households(database, monkeypatch)
    screen = screening(database)
    screen.commit(Written([same]))
    [review] = database["duplicate_reviews"].find({})
    assert (review["held"], review["existing"]) == (str(same), str(registered))
    assert read == {registered, same}  # found through its phone and birth date; no namesake read
    assert not read & set(namesakes)


def reads_of_households(database: Any, monkeypatch: pytest.MonkeyPatch) -> set[ObjectId]:
    """The ids of the households the screening reads as candidates (filled as it runs)."""
    read: set[ObjectId] = set()
    holding = ImportedHouseholds.holding

    def spy(self: ImportedHouseholds, keys: list[str], limit: int) -> list[dict[str, Any]]:
        docs = holding(self, keys, limit)
        read.update(doc["_id"] for doc in docs)
        return docs

    monkeypatch.setattr(ImportedHouseholds, "holding", spy)
    return read


def test_a_candidate_is_read_with_the_compared_fields_only(database: Any) -> None:
    area = "/DZ/16/1601"
    stored = store(database, area, {**member("Karim", "Ziani", "1979-05-04"), "national_id_enc": "secret"})
    database["households"].update_one({"_id": stored}, {"$set": {"history": [{"at": 1}], "address": "rue"}})
    keys = database["households"].find_one({"_id": stored})["dedup_keys"]
    [doc] = ImportedHouseholds(database["households"]).holding(keys, 10)
    assert set(doc) == {"_id", "area", "members", "dedup_keys"}
    assert set(doc["members"][0]) <= set(COMPARED_MEMBER_FIELDS)
