"""The programme store (Mongo repository over mongomock): reference data, idempotent creation, rules versions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import mongomock
import pytest

from assistance.adapters.programmes import MongoProgrammeRepository, reference_programmes
from assistance.eligibility import RuleSet, as_rule_set, programme_formula, programme_versions
from common.contracts.programmes import ProgrammeIn
from common.errors import Conflict, NotFound, ValidationFailed
from common.scope import Scope

CRITERIA = [{"kind": "assessed", "id": "assessed", "label_fr": "Enquête faite", "label_ar": "تحقيق منجز"}]
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def database() -> mongomock.Database:
    return mongomock.MongoClient(tz_aware=True)[f"assistance_{uuid.uuid4().hex[:6]}"]


def rules(version: int, activated_at: datetime, label: str = "Enquête faite") -> RuleSet:
    return RuleSet.model_validate(
        {"version": version, "activated_at": activated_at, "criteria": [{**CRITERIA[0], "label_fr": label}]}
    )


def test_reference_catalogue_is_loaded_once(database: mongomock.Database) -> None:
    MongoProgrammeRepository.ensure_indexes(database)
    MongoProgrammeRepository.ensure_indexes(database)
    repo = MongoProgrammeRepository(database)
    listed = repo.list(Scope.national())
    assert len(listed) == len(reference_programmes()) == 8
    assert {p["need"] for p in listed} == {
        "income_support",
        "disability_support",
        "medical_care",
        "school_year",
        "ramadan_food",
        "winter_heating",
        "urgent",
        "leaving_care",
    }
    afs = repo.get("afs")
    assert afs is not None
    assert len(afs["rules_versions"]) == 1
    assert programme_versions(afs)[0].version == 1
    assert programme_formula(afs).base_dzd == 3000
    assert isinstance(afs["rules_versions"][0]["activated_at"], str)


def test_creation_is_idempotent_by_code(database: mongomock.Database) -> None:
    repo = MongoProgrammeRepository(database)
    payload = ProgrammeIn(code="winter-aid", name_fr="Aide hivernale", name_ar="منحة الشتاء", benefit_type="in_kind")
    first = repo.create(payload, "u")
    assert repo.create(payload, "u")["id"] == first["id"] == "winter-aid"
    assert (first["need"], first["period_kind"], first["rules_versions"]) == (None, "one_off", [])
    with pytest.raises(Conflict):
        repo.create(payload.model_copy(update={"need": "winter_heating"}), "u")
    assert repo.get("no-such") is None


def test_rules_versions_are_appended_never_edited(database: mongomock.Database) -> None:
    repo = MongoProgrammeRepository(database)
    repo.create(
        ProgrammeIn(code="winter-aid", name_fr="Aide hivernale", name_ar="منحة الشتاء", benefit_type="cash"), "u"
    )
    first = rules(1, NOW)
    repo.publish_rules("winter-aid", first, "u", not_before=NOW - timedelta(minutes=5))
    again = repo.publish_rules("winter-aid", first, "u", not_before=NOW + timedelta(days=1))  # a repeat
    assert len(again["rules_versions"]) == 1
    with pytest.raises(Conflict) as edited:
        repo.publish_rules("winter-aid", rules(1, NOW, label="Autre libellé"), "u")
    assert edited.value.details["next_version"] == 2
    with pytest.raises(Conflict):
        repo.publish_rules("winter-aid", rules(3, NOW + timedelta(days=2)), "u")
    with pytest.raises(ValidationFailed):
        repo.publish_rules("winter-aid", rules(2, NOW - timedelta(days=1)), "u")
    with pytest.raises(ValidationFailed):
        repo.publish_rules("winter-aid", rules(2, NOW + timedelta(hours=1)), "u", not_before=NOW + timedelta(days=1))
    second = repo.publish_rules("winter-aid", rules(2, NOW + timedelta(days=30), "Nouveau"), "u")
    assert [as_rule_set(v).version for v in second["rules_versions"]] == [1, 2]
    assert second["rules_versions"][0]["criteria"][0]["label_fr"] == "Enquête faite"
    assert second["rules_versions"][1]["published_by"] == "u"
    with pytest.raises(NotFound):
        repo.publish_rules("no-such", first, "u")
