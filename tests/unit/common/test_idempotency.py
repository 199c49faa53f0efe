"""Idempotency keys are the caller's own: scoped, fingerprinted, refused when reused for another request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import mongomock
import pytest
from mongoengine import Document, StringField, connect, disconnect

from common.errors import IdempotencyKeyReused, ValidationFailed
from common.idempotency import fingerprint, insert_once, keyed

KEY = "demo-seed-v1-1601-001"


class Note(Document):
    meta = {
        "db_alias": "idempotency-test",
        "collection": "notes",
        "indexes": [{"fields": ["idempotency_key"], "unique": True, "sparse": True}],
    }

    text = StringField(required=True)
    created_by = StringField(required=True)
    idempotency_key = StringField()
    idempotency_fingerprint = StringField()


@pytest.fixture(autouse=True)
def database() -> Iterator[None]:
    connect("idem", alias="idempotency-test", mongo_client_class=mongomock.MongoClient)
    Note.ensure_indexes()
    yield
    Note.drop_collection()
    disconnect(alias="idempotency-test")


def write(user: str, text: str, key: str = KEY) -> Note:
    return insert_once(Note(text=text, created_by=user), keyed(user, key, "note", {"text": text}))


def test_the_fingerprint_is_canonical_and_names_the_target() -> None:
    assert fingerprint("step", {"a": 1, "b": [1, 2]}) == fingerprint("step", {"b": [1, 2], "a": 1})
    assert fingerprint("approve", "r1", {}) != fingerprint("approve", "r2", {})
    assert fingerprint("approve", "r1", {}) != fingerprint("reject", "r1", {})
    assert len(fingerprint({})) == 64


@pytest.mark.parametrize("bad", ["", "short", None, 12345678, "x" * 129])
def test_malformed_keys_are_refused(bad: Any) -> None:
    with pytest.raises(ValidationFailed):
        keyed("alice", bad, {})


def test_the_stored_key_is_scoped_to_the_caller() -> None:
    note = write("alice", "hello")
    assert note.idempotency_key == f"alice|{KEY}"
    assert note.idempotency_fingerprint == keyed("alice", KEY, "note", {"text": "hello"}).fingerprint


def test_same_caller_same_request_replays_the_first_record() -> None:
    first = write("alice", "hello")
    assert write("alice", "hello").pk == first.pk
    assert Note.objects.count() == 1


def test_same_caller_other_request_is_refused() -> None:
    write("alice", "hello")
    with pytest.raises(IdempotencyKeyReused) as refused:
        write("alice", "something else")
    assert refused.value.code == "idempotency_key_reused" and refused.value.http_status == 409
    assert Note.objects.count() == 1


def test_another_callers_key_is_a_new_request() -> None:
    alice = write("alice", "hello")
    bob = write("bob", "hello")
    assert bob.pk != alice.pk and bob.created_by == "bob"
    assert write("bob", "other", key="another-key-1") is not None


def test_a_record_from_before_scoping_replays_for_its_author_only() -> None:
    legacy = Note(text="old", created_by="alice", idempotency_key=KEY)  # raw key, no fingerprint
    legacy.save(force_insert=True)
    assert write("alice", "whatever was sent").pk == legacy.pk
    other = write("bob", "old")
    assert other.pk != legacy.pk and other.created_by == "bob"


def test_a_record_holding_the_scoped_key_of_another_author_is_never_answered() -> None:
    Note(text="x", created_by="mallory", idempotency_key=f"alice|{KEY}").save(force_insert=True)
    with pytest.raises(IdempotencyKeyReused):
        write("alice", "hello")


def test_entries_of_a_history_match_by_caller_and_key() -> None:
    request = keyed("alice", KEY, "approve", "r1", {"motive": "ok"})
    mine = {"key": request.scoped, "by": "alice", "idempotency_fingerprint": request.fingerprint}
    legacy = {"key": KEY, "by": "alice"}
    theirs = {"key": KEY, "by": "bob"}
    assert request.entry_in([theirs, mine]) is mine
    assert request.entry_in([theirs, legacy]) is legacy
    assert request.entry_in([theirs]) is None
    other = keyed("alice", KEY, "reject", "r1", {"motive": "ok"})
    with pytest.raises(IdempotencyKeyReused):
        other.entry_in([mine])
