from datetime import datetime
from typing import Any

import pytest
from bson import ObjectId

from common.contracts.events import HOUSEHOLD_REGISTERED, HOUSEHOLD_UPDATED
from common.nameko_ext import outbox
from registry.adapters.documents import Household
from registry.importing.formats import RawRow
from registry.importing.rows import ValidRow, parse_row
from tests.unit.registry_importing.conftest import NIN, BulkCollection, head_row


def row(ref: str = "H-0001", number: int = 2, **changes: str | None) -> ValidRow:
    parsed = parse_row(RawRow(number, head_row(ref, **changes)))
    assert isinstance(parsed, ValidRow), parsed
    return parsed


def stored(households: BulkCollection) -> list[dict[str, Any]]:
    return list(households.find({}).sort("household_ref"))


def codes(result: Any) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.field, e.code) for e in result.errors]


def test_create_stores_the_registry_shape_with_its_event(households: BulkCollection, make_writer: Any) -> None:
    result = make_writer().apply([row("H-1"), row("H-2", 3)], False)
    assert (result.created, result.updated, result.unchanged, result.errors) == (2, 0, 0, [])
    assert households.bulk_calls == 1
    doc = stored(households)[0]
    assert str(doc["_id"]) == result.changed_ids[0]
    assert doc["area_ancestors"] == ["/DZ", "/DZ/16", "/DZ/16/1601"]
    assert (doc["status"], doc["created_by"], doc["import_key"]) == ("active", "agent-1", "survey-2025:H-1")
    assert isinstance(doc["created_at"], datetime)
    head = doc["members"][0]
    assert NIN not in str(doc)  # the national id only hashed, encrypted and masked
    assert head["national_id_masked"] == "**************9012"
    assert head["national_id_hash"] and head["national_id_enc"]
    assert head["given_name_ar"] == "محمد" and head["phone"] == "+213550123456"
    [event] = doc["_outbox"]
    assert event["event_type"] == HOUSEHOLD_REGISTERED
    assert event["data"] == {"household_id": str(doc["_id"]), "area": "/DZ/16/1601", "members": 3, "categories": []}


def test_stored_fields_are_the_household_documents(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row(provenance_source="field_survey", provenance_collector="DASS",
                       provenance_collected_on="2025-03-02")], False)  # fmt: skip
    fields = set(stored(households)[0]) - {"_id"}
    declared = {f.db_field for f in Household._fields.values()}
    assert fields <= declared


def test_reimport_changes_nothing(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row("H-1"), row("H-2", 3)], False)
    before = stored(households)
    markers = households.database[outbox.PENDING_COLLECTION].count_documents({})
    again = make_writer().apply([row("H-1"), row("H-2", 3)], False)
    assert (again.created, again.updated, again.unchanged, again.changed_ids) == (0, 0, 2, [])
    assert households.bulk_calls == 1  # nothing was sent the second time
    assert stored(households) == before
    assert households.database[outbox.PENDING_COLLECTION].count_documents({}) == markers


def test_one_changed_field_is_one_update_with_its_event(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row("H-1"), row("H-2", 3)], False)
    result = make_writer(user_id="agent-2").apply([row("H-1"), row("H-2", 3, address="14 rue Larbi Ben M'hidi")], False)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    doc = stored(households)[1]
    assert result.changed_ids == [str(doc["_id"])]
    assert (doc["address"], doc["updated_by"], doc["created_by"]) == ("14 rue Larbi Ben M'hidi", "agent-2", "agent-1")
    registered, updated = doc["_outbox"]
    assert registered["event_type"] == HOUSEHOLD_REGISTERED
    assert updated["event_type"] == HOUSEHOLD_UPDATED
    assert updated["data"] == {"household_id": str(doc["_id"]), "fields": ["address"]}
    [entry] = doc["history"]
    assert entry["set"] == {"address": "14 rue Larbi Ben M'hidi"} and entry["import"] == "survey-2025"
    assert make_writer().apply([row("H-2", 3, address="14 rue Larbi Ben M'hidi")], False).unchanged == 1


def test_member_change_keeps_secrets_out_of_history(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row("H-1")], False)
    result = make_writer().apply([row("H-1", m3_given_name_lat="Yassine")], False)
    assert result.updated == 1
    doc = stored(households)[0]
    assert doc["_outbox"][-1]["data"]["fields"] == ["members"]
    assert doc["members"][2]["given_name_lat"] == "Yassine"
    history_members = doc["history"][0]["set"]["members"]
    assert "national_id_hash" not in history_members[0] and "national_id_enc" not in history_members[0]


def test_dry_run_counts_without_writing(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row("H-1")], False)
    before = stored(households)
    result = make_writer().apply([row("H-1", address="autre adresse"), row("H-2", 3)], True)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert stored(households) == before


def test_household_id_binds_a_registered_household(households: BulkCollection, make_writer: Any) -> None:
    oid = ObjectId()
    households.insert_one({"_id": oid, "area": "/DZ/16/1601", "address": "ancienne adresse", "members": [],
                           "status": "active", "created_by": "walk-in"})  # fmt: skip
    result = make_writer().apply([row("H-9", household_id=str(oid))], False)
    assert (result.updated, result.changed_ids) == (1, [str(oid)])
    doc = households.find_one({"_id": oid})
    assert doc is not None
    assert (doc["import_key"], doc["address"]) == ("survey-2025:H-9", "12 شارع ديدوش مراد")
    assert doc["_outbox"][-1]["data"]["fields"] == ["address", "household_ref", "members"]
    again = make_writer().apply([row("H-9")], False)  # later files may drop the id: the reference finds it
    assert (again.created, again.unchanged) == (0, 1)


def test_refusals_from_the_stored_state(households: BulkCollection, make_writer: Any) -> None:
    elsewhere, merged = ObjectId(), ObjectId()
    households.insert_many([
        {"_id": elsewhere, "area": "/DZ/31/3101", "address": "Oran", "members": [], "status": "active"},
        {"_id": merged, "area": "/DZ/16/1601", "address": "x", "members": [], "status": "merged",
         "import_key": "survey-2025:H-5", "content_hash": "old"},
        {"_id": ObjectId(), "area": "/DZ/31/3101", "address": "Oran", "members": [], "status": "active",
         "import_key": "survey-2025:H-8", "content_hash": "old"},
    ])  # fmt: skip
    make_writer().apply([row("H-1")], False)
    result = make_writer(within="/DZ/16").apply(
        [
            row("H-2", 2, household_id=str(elsewhere)),  # outside the caller's area: unknown
            row("H-3", 3, household_id=str(ObjectId())),
            row("H-4", 4, area="/DZ/31/3101"),
            row("H-5", 5, address="nouvelle adresse"),
            row("H-1", 6, area="/DZ/16/1602"),
            row("H-1", 7, household_id=str(merged)),
            row("H-8", 8),  # the same source used in another wilaya: never confirmed, never touched
        ],
        False,
    )
    assert codes(result) == [
        (2, "household_id", "unknown_household_id"),
        (3, "household_id", "unknown_household_id"),
        (4, "area", "outside_area"),
        (5, "household_ref", "household_merged"),
        (6, "area", "area_change_not_allowed"),
        (7, "household_ref", "ref_conflict"),
        (8, "household_ref", "ref_conflict"),
    ]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)


def test_a_reference_taken_meanwhile_is_a_conflict_not_a_create(
    households: BulkCollection, protector: Any, make_writer: Any
) -> None:
    late = make_writer()
    plan = late.plan([row("H-1", address="autre"), row("H-2", 3)], False)  # H-1 is not stored yet
    make_writer().apply([row("H-1")], False)
    result = late.commit(plan)
    assert codes(result) == [(2, None, "ref_conflict")]
    assert (result.created, len(result.changed_ids)) == (1, 1)
    assert households.count_documents({}) == 2


def test_markers_let_the_relay_publish_every_event(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row("H-1"), row("H-2", 3)], False)
    make_writer().apply([row("H-1", address="autre adresse")], False)
    published: list[tuple[str, str]] = []
    sent = outbox.relay(households.database, lambda kind, entry: published.append((kind, entry["event_id"])))
    assert sent == 3
    assert sorted(kind for kind, _ in published) == [HOUSEHOLD_REGISTERED, HOUSEHOLD_REGISTERED, HOUSEHOLD_UPDATED]
    assert all(not doc["_outbox"] for doc in stored(households))


def test_source_must_be_a_plain_name(make_writer: Any) -> None:
    with pytest.raises(ValueError, match="source"):
        make_writer(source="survey:2025")
