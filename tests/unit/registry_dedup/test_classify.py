from datetime import date

import pytest

from registry.dedup import classify, compare, find_duplicates, match_withheld


def test_same_national_id_hash_decides(person):
    a = person("a", national_id_hash="k1")
    b = person("b", national_id_hash="k1", given_name_lat="Karim", given_name_ar=None, birth_date=None)
    comparison = compare(a, b)
    assert comparison.decided_by == "national_id"
    assert classify(comparison) == "match"


def test_transliteration_and_other_script_match(person):
    arabic = person("a", given_name_lat=None, family_name_lat=None)
    latin = person("b", given_name_ar=None, family_name_ar=None, given_name_lat="Mhamed", family_name_lat="Ben Ali")
    assert classify(compare(arabic, latin)) == "match"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"birth_date": None, "phone": None}, id="year only, no phone"),
        pytest.param({"birth_date": date(1985, 3, 15)}, id="day mistyped"),
        pytest.param({"given_name_lat": "Mohamd", "given_name_ar": None}, id="typo"),
        pytest.param({"given_name_ar": None, "family_name_ar": None, "family_name_lat": "Ben-Ali"}, id="particle"),
        pytest.param({"family_name_ar": "بن على", "given_name_lat": None, "family_name_lat": None}, id="loose arabic"),
        pytest.param({"area": "/DZ/16/1640", "phone": "+213770000000"}, id="moved, new phone"),
    ],
)
def test_field_noise_still_matches(person, change):
    assert classify(compare(person("a"), person("b", **change))) == "match"


def test_day_and_month_swapped_is_a_match(person):
    comparison = compare(person("a", birth_date=date(1985, 3, 11)), person("b", birth_date=date(1985, 11, 3)))
    assert comparison.features["birth"] == pytest.approx(0.85)
    assert classify(comparison) == "match"


def test_swapped_given_and_family_names_are_detected(person):
    swapped = person(
        "b", given_name_ar="بن علي", family_name_ar="محمد", given_name_lat="Benali", family_name_lat="Mohamed"
    )
    comparison = compare(person("a"), swapped)
    assert comparison.swapped
    assert classify(comparison) == "match"


def test_phone_alone_does_not_decide(person):
    sibling = person(
        "b",
        given_name_ar="كريم",
        given_name_lat="Karim",
        family_name_ar="حداد",
        family_name_lat="Haddad",
        birth_date=date(1990, 6, 1),
        birth_year=1990,
    )
    assert classify(compare(person("a"), sibling)) == "distinct"


def test_birth_date_alone_does_not_decide(person):
    stranger = person(
        "b",
        given_name_ar="كريم",
        given_name_lat="Karim",
        family_name_ar="حداد",
        family_name_lat="Haddad",
        phone="+213770000000",
        area="/DZ/31/3101",
    )
    assert classify(compare(person("a"), stranger)) == "distinct"


def test_phone_birth_date_and_area_without_names_is_never_a_match(person):
    nameless = person("b", given_name_ar=None, given_name_lat=None, family_name_ar=None, family_name_lat=None)
    comparison = compare(person("a"), nameless)
    assert classify(comparison) != "match"
    assert match_withheld(comparison) == "names disagree or are missing"


@pytest.mark.parametrize(
    ("given_ar", "given_lat", "twin_ar", "twin_lat"),
    [
        ("يمينة", "Yamina", "أمينة", "Amina"),
        ("محمد", "Mohamed", "أحمد", "Ahmed"),
        ("محمد", "Mohamed", "محمود", "Mahmoud"),
        ("حسن", "Hassan", "حسين", "Hocine"),
    ],
)
def test_twins_are_not_a_match(person, given_ar, given_lat, twin_ar, twin_lat):
    sex = "F" if given_lat == "Yamina" else "M"
    one = person("a", given_name_ar=given_ar, given_name_lat=given_lat, sex=sex)
    other = person("b", given_name_ar=twin_ar, given_name_lat=twin_lat, sex=sex)
    assert classify(compare(one, other)) != "match"


def test_twins_written_in_one_script_each_are_not_a_match(person):
    one = person("a", given_name_ar="يمينة", given_name_lat=None, family_name_lat=None, sex="F")
    other = person("b", given_name_ar=None, given_name_lat="Amina", family_name_ar=None, sex="F")
    comparison = compare(one, other)
    assert comparison.twin_like
    assert classify(comparison) != "match"


def test_siblings_sharing_a_phone_are_distinct(person):
    sister = person(
        "b", given_name_ar="فاطمة", given_name_lat="Fatima", sex="F", birth_date=date(1988, 9, 2), birth_year=1988
    )
    assert classify(compare(person("a"), sister)) == "distinct"


def test_different_sex_is_held_back(person):
    comparison = compare(person("a"), person("b", sex="F"))
    assert classify(comparison) == "possible"
    assert match_withheld(comparison) == "different sex"


def test_comparison_explains_itself(person):
    comparison = compare(person("a"), person("b", phone=None, area="/DZ/09/0901"))
    assert {"given_name", "family_name", "birth", "sex"} <= set(comparison.agreeing())
    assert comparison.disagreeing() == ["area"]
    assert comparison.features["phone"] is None
    assert "phone" not in comparison.evidence
    assert comparison.evidence["area"] < 0 < comparison.evidence["family_name"]
    assert 0.0 <= comparison.score <= 1.0


def test_find_duplicates_reports_matches_first(person):
    records = [
        person("a"),
        person("b", given_name_ar=None, family_name_ar=None, given_name_lat="Muhammad"),
        person("c", given_name_ar="يمينة", given_name_lat="Yamina", sex="F"),
        person("d", given_name_ar="أمينة", given_name_lat="Amina", sex="F"),
    ]
    found = find_duplicates(records)
    assert [(c.ids, c.decision) for c in found if c.decision == "match"] == [(("a", "b"), "match")]
    twins = [c for c in found if c.ids == ("c", "d")]
    assert all(c.decision == "possible" and c.withheld for c in twins)
