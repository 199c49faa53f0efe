import json
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from common.contracts.people import (
    CONSENT_PURPOSES,
    DISABILITY_TYPES,
    VULNERABLE_CATEGORIES,
    CategoryMembership,
    Consent,
    Disability,
    IndividualIn,
    IndividualOut,
    Provenance,
    age_on,
    category_issues,
    consent_issues,
    protected_record,
)
from common.errors import ValidationFailed
from common.pii import NationalIdProtector
from common.validation import parse

NIN = "109870123456781234"


def codes(exc: ValidationError) -> list[str]:
    return [err["type"] for err in exc.errors()]


def member(**fields: object) -> dict[str, object]:
    return {"given_name_lat": "Fatima", "family_name_lat": "Benali", "sex": "F", "relationship": "head", **fields}


def since(category: str, start: str = "2024-01-01") -> dict[str, str]:
    return {"category": category, "valid_from": start}


def membership(category: str, start: date, end: date | None = None) -> CategoryMembership:
    return CategoryMembership(category=category, valid_from=start, valid_until=end)  # type: ignore[arg-type]


def test_code_lists() -> None:
    assert set(DISABILITY_TYPES) >= {"motor", "visual", "hearing", "intellectual", "psychic", "multiple", "other"}
    assert "street_child" in VULNERABLE_CATEGORIES and len(VULNERABLE_CATEGORIES) == 6
    assert "registration" in CONSENT_PURPOSES


def test_disability_as_on_the_card() -> None:
    disability = Disability(type="motor", limitations=["mobility", "self_care"], severity="severe", percentage=80)
    assert disability.percentage == 80
    for bad in ({"type": "motor", "percentage": 101}, {"type": "motor", "percentage": -1}, {"type": "deaf"}):
        with pytest.raises(ValidationError):
            Disability.model_validate(bad)
    with pytest.raises(ValidationError) as caught:
        Disability(type="visual", limitations=["seeing", "seeing"])
    assert codes(caught.value) == ["duplicate_code"]


def test_membership_period_must_not_be_reversed() -> None:
    assert membership("indigent", date(2024, 1, 1), date(2024, 1, 1)).active_on(date(2024, 1, 1))
    with pytest.raises(ValidationError) as caught:
        membership("indigent", date(2024, 2, 1), date(2024, 1, 31))
    assert codes(caught.value) == ["period_reversed"]
    assert not membership("indigent", date(2024, 1, 1), date(2024, 6, 30)).active_on(date(2024, 7, 1))
    assert membership("indigent", date(2024, 1, 1)).active_on(date(2099, 1, 1))


def test_age_on_counts_completed_years() -> None:
    assert age_on(date(1964, 5, 10), date(2024, 5, 9)) == 59
    assert age_on(date(1964, 5, 10), date(2024, 5, 10)) == 60


def test_elderly_from_sixty_when_the_birth_date_is_known() -> None:
    born = date(1964, 5, 10)
    assert category_issues([membership("elderly", date(2024, 5, 10))], birth_date=born) == []
    (issue,) = category_issues([membership("elderly", date(2024, 5, 9))], birth_date=born)
    assert (issue.field, issue.code) == ("categories.0", "elderly_under_age")
    assert category_issues([membership("elderly", date(2000, 1, 1))], birth_date=None) == []


def test_a_birth_year_alone_refuses_only_what_is_certain() -> None:
    assert category_issues([membership("elderly", date(2024, 3, 1))], birth_date=None, birth_year=1964) == []
    (issue,) = category_issues([membership("elderly", date(2024, 3, 1))], birth_date=None, birth_year=1965)
    assert issue.code == "elderly_under_age"
    assert category_issues([membership("street_child", date(2024, 3, 1))], birth_date=None, birth_year=2006) == []
    (issue,) = category_issues([membership("street_child", date(2024, 3, 1))], birth_date=None, birth_year=2005)
    assert issue.code == "child_category_adult"


def test_other_category_rules() -> None:
    born = date(2010, 1, 1)
    found = category_issues(
        [
            membership("woman_in_difficulty", date(2030, 1, 1)),
            membership("disability", date(2030, 1, 1)),
            membership("child_without_family_support", date(2009, 1, 1)),
        ],
        birth_date=born,
        sex="M",
        has_disability=False,
    )
    assert [(i.field, i.code) for i in found] == [
        ("categories.0", "woman_category_sex"),
        ("categories.1", "disability_not_recorded"),
        ("categories.2", "category_before_birth"),
    ]


def test_overlapping_periods_of_one_category() -> None:
    found = category_issues(
        [
            membership("indigent", date(2024, 1, 1), date(2024, 6, 30)),
            membership("disability", date(2024, 3, 1)),
            membership("indigent", date(2024, 6, 30)),
        ],
        birth_date=None,
    )
    assert [(i.field, i.code) for i in found] == [("categories.2", "category_overlap")]
    assert (
        category_issues(
            [membership("indigent", date(2024, 1, 1), date(2024, 6, 29)), membership("indigent", date(2024, 6, 30))],
            birth_date=None,
        )
        == []
    )


def consent(**fields: object) -> Consent:
    base: dict[str, object] = {
        "given": True,
        "given_at": "2024-05-01T10:00:00+01:00",
        "method": "signed_form",
        "purposes": ["registration", "eligibility_assessment"],
    }
    return Consent.model_validate(base | fields)


def test_consent_record() -> None:
    assert consent().active
    withdrawn = consent(withdrawn_at="2024-06-01T09:00:00+01:00")
    assert not withdrawn.active
    assert not consent(given=False).active


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"given": False, "withdrawn_at": "2024-06-01T09:00:00+01:00"}, "withdrawn_without_consent"),
        ({"withdrawn_at": "2024-04-01T09:00:00+01:00"}, "withdrawn_before_given"),
        ({"given_at": "2024-05-01T10:00:00"}, "timezone_aware"),
        ({"purposes": []}, "too_short"),
        ({"purposes": ["contact", "contact"]}, "duplicate_code"),
        ({"purposes": ["marketing"]}, "literal_error"),
        ({"method": "email"}, "literal_error"),
    ],
)
def test_invalid_consents(fields: dict[str, object], code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        consent(**fields)
    assert code in codes(caught.value)


def test_a_minor_consents_through_a_guardian() -> None:
    given = consent(given_at=datetime(2024, 5, 1, 10, tzinfo=UTC))
    (issue,) = consent_issues(given, birth_date=date(2010, 1, 1))
    assert (issue.field, issue.code) == ("consent.method", "consent_minor_needs_guardian")
    assert consent_issues(consent(method="guardian"), birth_date=date(2010, 1, 1)) == []
    assert consent_issues(given, birth_date=date(2000, 1, 1)) == []
    assert consent_issues(given, birth_date=None) == []


def test_provenance() -> None:
    record = Provenance(source="field_survey", collector="DASS Oran", collected_on=date(2024, 5, 2), survey_ref="S-12")
    assert record.source == "field_survey"
    with pytest.raises(ValidationError):
        Provenance.model_validate({"source": "rumour", "collector": "x", "collected_on": "2024-05-02"})
    with pytest.raises(ValidationError):
        Provenance.model_validate({"source": "walk_in", "collector": "", "collected_on": "2024-05-02"})


def test_individual_normalises_phone_and_national_id() -> None:
    person = IndividualIn.model_validate(member(phone="0550 12 34 56", national_id="1098 7012 3456 7812 34"))
    assert person.phone == "+213550123456"
    assert person.national_id == NIN


def test_individual_never_shows_the_national_id() -> None:
    person = IndividualIn.model_validate(member(national_id=NIN, phone="0550123456"))
    assert NIN not in repr(person) and NIN not in str(person)
    bad = NIN[:-1] + "X"
    with pytest.raises(ValidationError) as caught:
        IndividualIn.model_validate(member(national_id=bad, phone="0550 12 34 5"))
    assert sorted(codes(caught.value)) == ["nin_malformed", "phone_invalid"]
    assert bad not in str(caught.value) and bad not in repr(caught.value)
    assert "0550 12 34 5" not in str(caught.value)


def test_individual_errors_reach_callers_as_stable_codes() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse(IndividualIn, member(phone="+33 6 12 34 56 78", national_id="123"))
    errors = {e["field"]: e["code"] for e in caught.value.details["errors"]}
    assert errors == {"phone": "phone_not_algerian", "national_id": "nin_malformed"}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"given_name_lat": None}, "name_missing"),
        ({"birth_date": "1990-01-01", "birth_year": 1991}, "birth_mismatch"),
        ({"birth_date": (date.today() + timedelta(days=1)).isoformat()}, "birth_in_future"),
        (
            {"birth_date": "1990-01-01", "categories": [{"category": "elderly", "valid_from": "2024-01-01"}]},
            "elderly_under_age",
        ),
        ({"categories": [{"category": "disability", "valid_from": "2024-01-01"}]}, "disability_not_recorded"),
        (
            {"sex": "M", "categories": [{"category": "woman_in_difficulty", "valid_from": "2024-01-01"}]},
            "woman_category_sex",
        ),
        ({"unknown": 1}, "extra_forbidden"),
    ],
)
def test_individual_cross_field_rules(fields: dict[str, object], code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        IndividualIn.model_validate(member(**fields))
    assert codes(caught.value) == [code]


def test_individual_with_disability_and_categories() -> None:
    person = IndividualIn.model_validate(
        member(
            birth_date="1950-03-02",
            disability={"type": "visual", "limitations": ["seeing"], "severity": "profound", "percentage": 100},
            categories=[
                {"category": "elderly", "valid_from": "2010-03-02", "basis": "age"},
                {"category": "disability", "valid_from": "2015-01-01", "basis": "carte d'handicapé n° ..."},
            ],
        )
    )
    assert [c.category for c in person.categories] == ["elderly", "disability"]


def test_stored_record_and_output_carry_only_the_mask() -> None:
    protector = NationalIdProtector(b"h" * 32, b"e" * 32)
    person = IndividualIn.model_validate(member(national_id=NIN, phone="0550123456"))
    record = protected_record(person, protector)
    assert "national_id" not in record
    assert record["national_id_masked"] == "**************1234"
    assert record["national_id_hash"] == protector.lookup_hash(NIN)
    assert protector.decrypt(record["national_id_enc"]) == NIN
    assert NIN not in json.dumps(record)
    shown = IndividualOut.model_validate(record)
    assert shown.national_id_masked == "**************1234"
    assert NIN not in shown.model_dump_json()
    assert set(shown.model_dump()) == set(IndividualOut.model_fields)
    assert "national_id" not in IndividualOut.model_fields


def test_output_drops_a_plain_national_id_and_checks_the_mask() -> None:
    shown = IndividualOut.model_validate(member(national_id=NIN))
    assert NIN not in shown.model_dump_json()
    with pytest.raises(ValidationError):
        IndividualOut.model_validate(member(national_id_masked=NIN))


def test_without_national_id_nothing_is_protected() -> None:
    record = protected_record(IndividualIn.model_validate(member()), NationalIdProtector(b"h" * 32, b"e" * 32))
    assert not any(key.startswith("national_id") for key in record)
