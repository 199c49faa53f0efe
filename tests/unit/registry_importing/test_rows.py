import unicodedata
from datetime import date
from typing import Any

import pytest

from common.contracts.people import Provenance
from registry.importing.errors import RowError
from registry.importing.formats import RawRow
from registry.importing.rows import ValidRow, error_code, parse_row
from tests.unit.registry_importing.conftest import head_row


def valid(values: dict[str, Any], number: int = 2) -> ValidRow:
    parsed = parse_row(RawRow(number, values))
    assert isinstance(parsed, ValidRow), parsed
    return parsed


def errors(values: dict[str, Any], number: int = 7) -> set[tuple[int | None, str | None, str]]:
    parsed = parse_row(RawRow(number, values))
    assert isinstance(parsed, list), parsed
    return {(e.row, e.field, e.code) for e in parsed}


def test_flat_row_becomes_a_household_head_first() -> None:
    row = valid(head_row("H-0001", m10_given_name_lat="Amine", m10_family_name_lat="Benali", m10_sex="M",
                         m10_relationship="grandchild"))  # fmt: skip
    household = row.household
    assert (row.row, row.ref, row.household_id) == (2, "H-0001", None)
    assert [m.relationship for m in household.members] == ["head", "spouse", "child", "grandchild"]
    head = household.members[0]
    assert (head.given_name_ar, head.family_name_lat, head.birth_date) == ("محمد", "Benali", date(1961, 4, 12))
    assert head.phone == "+213550123456"
    assert head.national_id == "109870123456789012"
    assert household.members[1].birth_year == 1965


def test_groups_lists_and_categories() -> None:
    row = valid(
        head_row(
            provenance_source="field_survey",
            provenance_collector="DASS Alger, équipe 3",
            provenance_collected_on="2025-03-02",
            consent_given="yes",
            consent_given_at="2025-03-02T10:30:00+01:00",
            consent_method="signed_form",
            consent_purposes="registration | statistics",
            head_disability_type="motor",
            head_disability_limitations="mobility|self_care",
            head_disability_percentage="80",
            head_categories="elderly:2021-04-12|disability:2020-01-01:2024-12-31",
        )
    )
    household = row.household
    assert household.provenance is not None and household.provenance.collector == "DASS Alger, équipe 3"
    assert household.consent is not None and household.consent.purposes == ["registration", "statistics"]
    head = household.members[0]
    assert head.disability is not None and head.disability.limitations == ["mobility", "self_care"]
    assert [c.category for c in head.categories] == ["elderly", "disability"]
    assert head.categories[1].valid_until == date(2024, 12, 31)


def test_text_is_normalised_to_nfc_and_blank_is_absent() -> None:
    decomposed = unicodedata.normalize("NFD", "Sétif, cité des 1000 logements")
    row = valid(head_row(address=f"  {decomposed} ", head_given_name_ar="   "))
    assert row.household.address == "Sétif, cité des 1000 logements"
    assert row.household.members[0].given_name_ar is None


def test_errors_name_the_row_the_column_and_a_stable_code() -> None:
    found = errors(
        head_row(
            area="/DZ/16",
            address="x",
            head_sex="H",
            head_phone="12",
            m2_birth_year="1850",
            m3_birth_date="2010-13-01",
            m3_relationship="cousin",
            consent_given="peut-être",
        )
    )
    assert found == {
        (7, "area", "invalid_area"),
        (7, "address", "too_short"),
        (7, "head_sex", "invalid_choice"),
        (7, "head_phone", "phone_invalid"),
        (7, "m2_birth_year", "out_of_range"),
        (7, "m3_birth_date", "invalid_date"),
        (7, "m3_relationship", "invalid_choice"),
        (7, "consent_given", "invalid_boolean"),
        (7, "consent_given_at", "required"),  # a consent is all or nothing
        (7, "consent_method", "required"),
        (7, "consent_purposes", "required"),
    }


def test_person_and_household_level_errors() -> None:
    nameless = head_row(m2_given_name_ar=None, m2_family_name_ar=None)
    assert errors(nameless) == {(7, "m2", "name_missing")}
    two_heads = head_row(m3_relationship="head")
    assert errors(two_heads) == {(7, "members", "head_count")}
    mismatch = head_row(head_birth_year="1960")
    assert errors(mismatch) == {(7, "head", "birth_mismatch")}
    assert errors(head_row(head_national_id="1234")) == {(7, "head_national_id", "nin_malformed")}


def test_match_key_errors() -> None:
    assert errors(head_row(household_ref=None)) == {(7, "household_ref", "missing_household_ref")}
    assert errors(head_row(household_ref="H 1")) == {(7, "household_ref", "invalid_household_ref")}
    assert errors(head_row(household_id="not-an-id")) == {(7, "household_id", "invalid_household_id")}
    row = valid(head_row(household_id="65A1B2C3D4E5F60718293A4B"))
    assert row.household_id == "65a1b2c3d4e5f60718293a4b"


def test_layout_errors() -> None:
    assert errors(head_row(head_categories="elderly 2021")) == {(7, "head_categories", "invalid_categories")}
    assert errors({**head_row(), "notes": "x"}) == {(7, "notes", "unknown_field")}  # a flat JSON row


def test_a_reader_problem_is_the_row_error() -> None:
    problem = RowError(row=9, field=None, code="extra_cells", message="…")
    assert parse_row(RawRow(9, head_row(), problem)) == [problem]


def test_nested_json_rows_validate_against_the_contract() -> None:
    nested = {
        "household_ref": 1234,
        "household_id": None,
        "area": "/DZ/31/3101",
        "address": "حي السلام، وهران",
        "members": [{"given_name_ar": "خديجة", "family_name_ar": "بوزيد", "sex": "F", "relationship": "head"}],
        "_submission_time": "2025-03-02",
    }
    row = valid(nested, number=3)
    assert row.ref == "1234"
    assert row.household.members[0].given_name_ar == "خديجة"
    broken = {**nested, "members": [{**nested["members"][0], "sex": "X"}], "extra": 1}
    assert errors(broken) == {(7, "members.0.sex", "invalid_choice"), (7, "extra", "unknown_field")}


def test_default_provenance_only_where_the_row_has_none() -> None:
    default = Provenance(source="import", collector="DASS Oran", collected_on=date(2025, 1, 1))
    parsed = parse_row(RawRow(2, head_row()), provenance=default)
    assert isinstance(parsed, ValidRow) and parsed.household.provenance == default
    own = head_row(provenance_source="walk_in", provenance_collector="CCAS", provenance_collected_on="2025-02-01")
    parsed = parse_row(RawRow(2, own), provenance=default)
    assert isinstance(parsed, ValidRow) and parsed.household.provenance is not None
    assert parsed.household.provenance.source == "walk_in"


@pytest.mark.parametrize(
    ("error_type", "loc", "code"),
    [
        ("missing", ("address",), "required"),
        ("date_from_datetime_parsing", ("members", 0, "birth_date"), "invalid_date"),
        ("int_parsing", ("members", 0, "birth_year"), "invalid_number"),
        ("list_type", ("members",), "invalid_type"),
        ("phone_invalid", ("members", 0, "phone"), "phone_invalid"),
        ("value_error", ("members", 0, "x"), "invalid_value"),
    ],
)
def test_error_codes(error_type: str, loc: tuple[int | str, ...], code: str) -> None:
    assert error_code(error_type, loc) == code


def test_invisible_or_control_names_and_addresses_are_refused_per_column() -> None:
    found = errors(
        head_row(
            head_given_name_lat="\u200b\u200d",
            head_family_name_ar="\x1b[2J",
            m2_given_name_ar="\u202e\u2066",
            address="12 rue A\x00",
        )
    )
    assert found == {
        (7, "head_given_name_lat", "invalid_name"),
        (7, "head_family_name_ar", "invalid_name"),
        (7, "m2_given_name_ar", "invalid_name"),
        (7, "address", "invalid_address"),
    }


def test_bidi_and_zero_width_characters_are_removed_from_imported_names() -> None:
    head = valid(head_row(head_given_name_lat="Moha\u200bmed", head_family_name_ar="\u202bبن علي\u202c")).household
    assert (head.members[0].given_name_lat, head.members[0].family_name_ar) == ("Mohamed", "بن علي")
