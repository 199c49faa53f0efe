"""The hash chain detects any change, removal or reordering of records."""

import itertools
from typing import Any

import eventlet
import mongomock
import pytest
from nameko.testing.services import worker_factory

from audit.adapters.records import MongoAuditRepository, seq_key
from audit.domain.batching import ChainWriter
from audit.domain.chain import GENESIS, Head, digest, link, link_all, verify
from audit.service import AuditService
from common.context import CallerContext
from common.contracts.audit import AuditEntry
from common.contracts.events import EventEnvelope, MalformedEvent
from common.errors import Forbidden
from common.scope import Scope


def entry(n: int, actor: str = "u1", area: str = "/DZ/16/1601") -> AuditEntry:
    return AuditEntry(
        actor=actor,
        roles=["social-worker"],
        area=area,
        action="household.read",
        object_type="household",
        object_id=f"h{n}",
        outcome="success",
        status=200,
        at="2026-11-23T10:00:00+00:00",
        correlation_id=f"c{n}",
    )  # type: ignore[arg-type]


@pytest.fixture
def repo() -> MongoAuditRepository:
    database = mongomock.MongoClient()["audit"]
    MongoAuditRepository.ensure_indexes(database)
    return MongoAuditRepository(database)


def test_append_chains_records(repo: MongoAuditRepository) -> None:
    seqs = [repo.append(entry(n), f"ev{n}") for n in range(1, 6)]
    assert seqs == [1, 2, 3, 4, 5]
    records = list(repo.in_order())
    assert records[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(records))
    assert repo.verify().intact and repo.verify().checked == 5


def test_redelivered_event_is_appended_once(repo: MongoAuditRepository) -> None:
    assert repo.append(entry(1), "ev1") == repo.append(entry(1), "ev1") == 1
    assert repo.verify().checked == 1


@pytest.mark.parametrize(
    ("tamper", "broken_at"),
    [
        (lambda c: c.update_one({"_id": seq_key(3)}, {"$set": {"actor": "someone-else"}}), 3),
        (lambda c: c.delete_one({"_id": seq_key(2)}), 2),
        (lambda c: c.update_one({"_id": seq_key(5)}, {"$set": {"outcome": "denied"}}), 5),
    ],
)
def test_tampering_is_detected(repo: MongoAuditRepository, tamper: Any, broken_at: int) -> None:
    for n in range(1, 6):
        repo.append(entry(n), f"ev{n}")
    tamper(repo.records)
    verdict = repo.verify()
    assert not verdict.intact and verdict.broken_at == broken_at


def test_rehashing_one_record_still_breaks_the_next_link(repo: MongoAuditRepository) -> None:
    for n in range(1, 4):
        repo.append(entry(n), f"ev{n}")
    forged = repo.records.find_one({"_id": seq_key(2)})
    assert forged is not None
    forged["actor"] = "intruder"
    forged["hash"] = digest(forged, forged["prev_hash"])
    repo.records.replace_one({"_id": seq_key(2)}, forged)
    assert verify(repo.in_order()).broken_at == 3


def test_search_is_scoped_and_newest_first(repo: MongoAuditRepository) -> None:
    repo.append(entry(1, area="/DZ/16/1601"), "ev1")
    repo.append(entry(2, area="/DZ/31/3101"), "ev2")
    repo.append(entry(3, area="/DZ/16/1602"), "ev3")
    from common.contracts.audit import AuditQuery

    found = repo.search(AuditQuery(), Scope("/DZ/16"))
    assert [r["seq"] for r in found] == [3, 1]
    assert repo.search(AuditQuery(before_seq=3, limit=1), Scope("/DZ"))[0]["seq"] == 2


def test_service_appends_events_and_only_auditors_search(repo: MongoAuditRepository) -> None:
    handler = worker_factory(AuditService, records=repo, chain=repo, caller=None)
    handler.on_audit_entry(EventEnvelope.new("audit_entry", entry(1).model_dump(mode="json")).model_dump(mode="json"))
    auditor = CallerContext(user_id="a", roles=("auditor",), area="/DZ", correlation_id="c")
    assert len(worker_factory(AuditService, records=repo, caller=auditor).search_entries({})) == 1
    officer = CallerContext(user_id="o", roles=("national-officer",), area="/DZ", correlation_id="c")
    with pytest.raises(Forbidden):
        worker_factory(AuditService, records=repo, caller=officer).search_entries({})


def test_head_left_behind_by_a_crash_is_caught_up(repo: MongoAuditRepository) -> None:
    for n in range(1, 4):
        repo.append(entry(n), f"ev{n}")
    repo.head.update_one(
        {"_id": "head"}, {"$set": {"seq": 2, "hash": repo.records.find_one({"_id": seq_key(2)})["hash"]}}
    )
    assert repo.append(entry(4), "ev4") == 4
    assert repo.verify().intact and repo.verify().checked == 4


def test_lost_seen_marker_still_appends_once(repo: MongoAuditRepository) -> None:
    repo.append(entry(1), "ev1")
    repo.seen.delete_many({})
    assert repo.append(entry(1), "ev1") == 1
    assert repo.verify().checked == 1


def test_a_batch_continues_the_chain_once_per_event(repo: MongoAuditRepository) -> None:
    repo.append(entry(1), "ev1")
    batch = [(entry(n), f"ev{n}") for n in (2, 3, 1, 4, 3)]  # ev1 is stored, ev3 comes twice
    assert repo.append_many(batch) == [2, 3, 1, 4, 3]
    assert repo.append_many([(entry(n), f"ev{n}") for n in range(5, 125)]) == list(range(5, 125))
    verdict = repo.verify()
    assert verdict.intact and verdict.checked == 124
    assert repo.head.find_one({"_id": "head"})["seq"] == 124


def test_a_batch_that_meets_another_appender_finishes_one_by_one(repo: MongoAuditRepository) -> None:
    repo.append(entry(1), "ev1")
    stale = dict(repo.head.find_one({"_id": "head"}))
    repo.append(entry(2), "ev2")
    repo.head.replace_one({"_id": "head"}, stale)  # as if the other appender had not moved the head yet
    assert repo.append_many([(entry(3), "ev3"), (entry(4), "ev4")]) == [3, 4]
    assert repo.verify().intact and repo.verify().checked == 4


def test_the_writer_answers_each_delivery_with_its_seq(repo: MongoAuditRepository) -> None:
    writer = ChainWriter(repo)
    loop = eventlet.spawn(writer.run)
    try:
        pool = eventlet.GreenPool()
        seqs = list(pool.imap(lambda n: writer.append(entry(n), f"ev{n}"), range(1, 41)))
    finally:
        loop.kill()
    assert sorted(seqs) == list(range(1, 41)) and repo.verify().checked == 40


def test_the_username_is_chained_and_records_without_one_still_verify(repo: MongoAuditRepository) -> None:
    repo.append(entry(1), "ev1")  # as written before entries had a username
    repo.records.update_one({"_id": seq_key(1)}, {"$unset": {"username": ""}})
    repo.append(entry(2).model_copy(update={"username": "worker.1601"}), "ev2")
    repo.append(entry(3).model_copy(update={"username": "director.16"}), "ev3")
    assert repo.verify().intact and repo.verify().checked == 3
    assert repo.records.find_one({"_id": seq_key(2)})["username"] == "worker.1601"
    repo.records.update_one({"_id": seq_key(2)}, {"$set": {"username": "someone.else"}})
    assert repo.verify().broken_at == 2
    repo.records.update_one({"_id": seq_key(2)}, {"$set": {"username": "worker.1601"}})
    repo.records.update_one({"_id": seq_key(3)}, {"$unset": {"username": ""}})
    assert repo.verify().broken_at == 3


def test_linking_is_pure_and_takes_an_event_id_once() -> None:
    records = link_all([(entry(n), f"ev{n}") for n in (1, 2, 1, 3)], Head())
    assert [(r["seq"], r["event_id"]) for r in records] == [(1, "ev1"), (2, "ev2"), (3, "ev3")]
    assert verify(records).intact and verify(records).checked == 3
    assert link(entry(4), "ev4", Head(3, records[-1]["hash"]))["prev_hash"] == records[-1]["hash"]


def test_a_malformed_entry_is_refused_and_nothing_is_appended(repo: MongoAuditRepository) -> None:
    handler = worker_factory(AuditService, records=repo, chain=repo, caller=None)
    broken = EventEnvelope.new("audit_entry", {**entry(1).model_dump(mode="json"), "outcome": "maybe"})
    with pytest.raises(MalformedEvent) as refused:
        handler.on_audit_entry(broken.model_dump(mode="json"))
    assert [problem["loc"] for problem in refused.value.details["errors"]] == ["data.outcome"]
    assert repo.verify().checked == 0


def test_an_auditor_searches_only_inside_their_area(repo: MongoAuditRepository) -> None:
    handler = worker_factory(AuditService, records=repo, chain=repo, caller=None)
    for n, area in ((1, "/DZ/16/1601"), (2, "/DZ/31/3101")):
        handler.on_audit_entry(
            EventEnvelope.new("audit_entry", entry(n, area=area).model_dump(mode="json")).model_dump(mode="json")
        )
    oran = CallerContext(user_id="a", roles=("auditor",), area="/DZ/31", correlation_id="c")
    found = worker_factory(AuditService, records=repo, caller=oran).search_entries({})
    assert [(r["seq"], r["area"]) for r in found] == [(2, "/DZ/31/3101")]
    assert set(found[0]) >= {"event_id", "hash", "prev_hash"} and not set(found[0]) & {"_id", "area_ancestors"}
    outside = worker_factory(AuditService, records=repo, caller=oran).search_entries({"object_id": "h1"})
    assert outside == []
