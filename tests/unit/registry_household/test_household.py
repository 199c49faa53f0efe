"""The typed household: read from its stored document and back, its changes, its public shape, its reading rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from common.errors import NotFound
from common.scope import Scope
from registry import views
from registry.app import households
from registry.domain.household import Household
from tests.fakes.repositories import FakeHouseholdRepository

ALGER, ORAN = "/DZ/16/1601", "/DZ/31/3101"
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
HEAD = {
    "given_name_lat": "Mohamed",
    "relationship": "head",
    "national_id_hash": "hash",
    "national_id_enc": "cipher",
    "national_id_masked": "**************9012",
}


def document(household_id: str, area: str = ALGER, **fields: Any) -> dict[str, Any]:
    """A stored document as mongoengine reads it (empty dict fields, bookkeeping fields included)."""
    return {
        "_id": household_id,
        "area": area,
        "area_ancestors": ["/DZ", area.rsplit("/", 1)[0], area],
        "address": "12 rue Didouche",
        "import_key": "survey:7",
        "provenance": {},
        "consent": {},
        "members": [dict(HEAD)],
        "status": "active",
        "dedup_keys": ["k1", "k2"],
        "assessment": {},
        "score": {},
        "created_at": AT,
        "created_by": "worker",
        "history": [],
        "idempotency_fingerprint": "fp",
        **fields,
    }


def test_the_document_comes_back_as_it_was_read_with_what_the_registry_does_not_reason_about() -> None:
    stored = document("h1", household_ref="R-1", score={"score": 40.0, "band": "b"}, updated_at=AT, updated_by="x")
    household = Household.from_document(stored)
    assert household.provenance is None and household.assessment is None and household.score == stored["score"]
    assert household.members[0].national_id_hash == "hash" and household.dedup_keys == ("k1", "k2")
    back = household.document()
    assert back.keys() - stored.keys() == set() and {"import_key", "area_ancestors", "idempotency_fingerprint"} < set(
        back
    )
    assert {k: v for k, v in back.items() if v != []} == {k: v for k, v in stored.items() if v not in ({}, [])}


def test_the_public_shape_masks_national_ids_and_leaves_out_history_assessment_and_bookkeeping() -> None:
    score = {"model_version": "v1", "score": 40.0, "band": "b", "inputs_hash": "i", "computed_at": AT}
    shown = views.household(Household.from_document(document("h1", score=score, history=[{"at": AT}])))
    assert list(shown) == [
        *("area", "address", "provenance", "consent", "members", "status", "score"),
        *("created_at", "created_by", "id"),
    ]
    assert shown["members"] == [
        {"given_name_lat": "Mohamed", "relationship": "head", "national_id_masked": HEAD["national_id_masked"]}
    ]
    assert shown["provenance"] is None and shown["consent"] is None
    assert shown["score"]["computed_at"] == AT.isoformat() and shown["created_at"] == AT.isoformat()
    merged = views.household(Household.from_document(document("h2", status="merged", merged_into="h1")), "h9")
    assert merged["merged_into"] == "h1" and list(merged)[-1] == "redirected_from" and merged["score"] is None


def test_a_merge_journals_what_differed_keeps_the_only_assessment_and_redirects() -> None:
    survivor = Household.from_document(document("h1", provenance={"source": "survey"}))
    assessment = {"family": {"size": 4}}
    merged = Household.from_document(
        document("h2", ORAN, address="Douar", household_ref="R-2", assessment=assessment, score={"score": 60.0})
    )
    merge = merged.merge_into(survivor, "coordinator", AT)
    assert merge.journal == {
        "at": AT,
        "by": "coordinator",
        "merged_from": "h2",
        "differing": {
            "address": {"kept": "12 rue Didouche", "dropped": "Douar"},
            "household_ref": {"kept": None, "dropped": "R-2"},
        },
        "members_of_merged": [{k: v for k, v in HEAD.items() if k not in ("national_id_hash", "national_id_enc")}],
    }
    assert merge.adopted == {"assessment": assessment, "score": {"score": 60.0}}
    assert merge.retirement == {"at": AT, "by": "coordinator", "merged_into": "h1"}
    assert (merge.event.survivor_id, merge.event.merged_id, merge.event.area) == ("h1", "h2", ORAN)
    assessed = Household.from_document(document("h1", assessment={"family": {"size": 2}}))
    assert merged.merge_into(assessed, "coordinator", AT).adopted == {}  # the survivor keeps its own


def test_an_edit_is_journalled_and_announced_with_the_names_of_its_fields() -> None:
    edit = Household.edit("h1", {"address": "5 rue Hassiba"}, "worker", AT)
    assert edit.values == {"address": "5 rue Hassiba"}
    assert edit.history == {"at": AT, "by": "worker", "set": {"address": "5 rue Hassiba"}}
    assert (edit.event.household_id, edit.event.fields) == ("h1", ["address"])


@pytest.fixture
def merged_pair() -> FakeHouseholdRepository:
    repo = FakeHouseholdRepository()
    repo.rows["h-alger"] = Household.from_document(document("h-alger", ALGER))
    repo.rows["h-oran"] = Household.from_document(document("h-oran", ORAN, status="merged", merged_into="h-alger"))
    return repo


def test_a_merged_household_answers_with_its_survivor_in_scope(merged_pair: FakeHouseholdRepository) -> None:
    found = households.get(merged_pair, Scope.national(), "h-oran")
    assert (found.household.id, found.redirected_from) == ("h-alger", "h-oran")
    assert views.found(found)["redirected_from"] == "h-oran"


def test_a_merged_household_answers_as_itself_when_its_survivor_is_outside(
    merged_pair: FakeHouseholdRepository,
) -> None:
    found = households.get(merged_pair, Scope("/DZ/31"), "h-oran")
    shown = views.found(found)
    assert found.redirected_from is None and shown["status"] == "merged" and "merged_into" not in shown
    for outside in (Scope("/DZ/05"), Scope("/DZ/31/3102")):
        with pytest.raises(NotFound, match="household not found"):
            households.get(merged_pair, outside, "h-oran")


def test_a_registration_is_held_for_review_when_probable_duplicates_remain_open() -> None:
    from common.contracts.households import HouseholdIn
    from registry.duplicates import Finding

    sent = HouseholdIn.model_validate(
        {
            "area": ALGER,
            "address": "12 rue Didouche",
            "members": [{"given_name_lat": "Mohamed", "family_name_lat": "Benali", "sex": "M", "relationship": "head"}],
        }
    )
    found = [Finding("h-old", ORAN, "match", 0.97, ("h:0", "h-old:0"), ["national_id"], [], None)]
    held = Household.registered("h1", sent, [HEAD], ["k1"], found, "worker", AT)
    assert (held.status, held.dedup_keys, held.created_by, held.created_at) == (
        "held_for_review",
        ("k1",),
        "worker",
        AT,
    )
    assert held.document()["area_ancestors"] == ["/DZ", "/DZ/16", ALGER] and "provenance" not in held.document()
    assert held.registered_event().members == 1
    assert held.registered_event().categories == []
    elder = {**HEAD, "categories": [{"category": "elderly", "valid_from": "2020-01-01", "valid_until": None}]}
    ended = {**HEAD, "categories": [{"category": "orphan", "valid_from": "2010-01-01", "valid_until": "2025-12-31"}]}
    event = Household.registered("h3", sent, [elder, ended], ["k1"], [], "worker", AT).registered_event()
    assert event.categories == ["elderly"]  # the ones its members hold the day it is registered
    assert Household.registered("h2", sent, [HEAD], ["k1"], [], "worker", AT).status == "active"
