"""The demo data set: valid, stable, in both scripts, with duplicates the engine finds."""

from __future__ import annotations

from registry.duplicates import findings, person_records
from synthetic import demo


def test_the_set_is_the_same_at_every_run() -> None:
    assert demo.households() == demo.households()
    assert demo.assessments(demo.households()) == demo.assessments(demo.households())


def test_every_demo_commune_has_households_in_both_scripts() -> None:
    items = demo.households()
    for area in demo.COMMUNES:
        people = [m for item in items if item.household["area"] == area for m in item.household["members"]]
        assert any(p.get("given_name_ar") and p.get("given_name_lat") for p in people)
        assert any(p.get("given_name_ar") and not p.get("given_name_lat") for p in people)
        assert any(p.get("given_name_lat") and not p.get("given_name_ar") for p in people)
    categories = {c["category"] for item in items for m in item.household["members"] for c in m.get("categories", [])}
    assert {"elderly", "indigent", "woman_in_difficulty", "disability"} <= categories


def test_duplicates_come_from_another_registrar_and_the_engine_finds_them() -> None:
    items = demo.households()
    by_key = {item.key: item for item in items}
    duplicates = [item for item in items if item.duplicate_of]
    assert len(duplicates) == 2 * len(demo.COMMUNES)
    for item in duplicates:
        original = by_key[item.duplicate_of or ""]
        assert item.user != original.user  # so the original's registrar may review the pair
        new = person_records("new", item.household["area"], item.household["members"])
        stored = {"_id": "old", "area": original.household["area"], "members": original.household["members"]}
        assert [f.household_id for f in findings(new, [stored])] == ["old"], item.key


def test_assessments_describe_the_households_they_belong_to() -> None:
    items = demo.households()
    answers = demo.assessments(items)
    by_key = {item.key: item for item in items}
    assert len(answers) >= len(items) // 2
    for key, assessment in answers.items():
        assert by_key[key].duplicate_of is None
        assert assessment["family"]["household_size"] == len(by_key[key].household["members"])
