import json
from pathlib import Path

import pytest

from common import areas as area_paths
from registry.reference.areas import NATIONAL, ReferenceDataError, load_wilayas, reference_areas, wilaya_area


def test_58_wilayas_coded_01_to_58_with_both_names() -> None:
    wilayas = load_wilayas()
    assert list(wilayas) == [f"{n:02d}" for n in range(1, 59)]
    for wilaya in wilayas.values():
        assert wilaya.name_fr.strip()
        assert wilaya.name_ar.strip()
        assert any("\u0600" <= ch <= "\u06ff" for ch in wilaya.name_ar), wilaya.code


@pytest.mark.parametrize(
    ("code", "name_fr", "name_ar"),
    [
        ("01", "Adrar", "أدرار"),
        ("16", "Alger", "الجزائر"),
        ("31", "Oran", "وهران"),
        ("49", "Timimoun", "تيميمون"),
        ("58", "El Meniaa", "المنيعة"),
    ],
)
def test_known_wilayas(code: str, name_fr: str, name_ar: str) -> None:
    wilaya = load_wilayas()[code]
    assert (wilaya.name_fr, wilaya.name_ar) == (name_fr, name_ar)


def test_names_are_unique() -> None:
    wilayas = load_wilayas().values()
    assert len({w.name_fr for w in wilayas}) == 58
    assert len({w.name_ar for w in wilayas}) == 58


def test_wilaya_area_sits_under_the_nation() -> None:
    area = wilaya_area(load_wilayas()["16"])
    assert (area.path, area.level, area.parent) == ("/DZ/16", "wilaya", "/DZ")
    assert area.as_record() == {
        "path": "/DZ/16",
        "level": "wilaya",
        "code": "16",
        "name_fr": "Alger",
        "name_ar": "الجزائر",
        "parent": "/DZ",
        "ancestors": ["/DZ", "/DZ/16"],
    }


def test_reference_areas_lists_parents_before_children_and_valid_paths() -> None:
    found = reference_areas()
    assert found[0] == NATIONAL
    seen: set[str] = set()
    for area in found:
        assert area_paths.is_valid(area.path)
        assert area.parent is None or area.parent in seen
        seen.add(area.path)
    assert sum(a.level == "wilaya" for a in found) == 58
    assert {"/DZ/16/1601", "/DZ/16/1602", "/DZ/31/3101"} <= seen


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '{"wilayas": {}}',
        '{"wilayas": [{"code": "1", "name_fr": "Adrar", "name_ar": "أدرار"}]}',
        '{"wilayas": [{"code": "01", "name_fr": "", "name_ar": "أدرار"}]}',
        '{"wilayas": [{"code": "01", "name_fr": "Adrar"}]}',
        '{"wilayas": [{"code": "01", "name_fr": "A", "name_ar": "أدرار"},'
        ' {"code": "01", "name_fr": "B", "name_ar": "بشار"}]}',
    ],
)
def test_malformed_wilaya_lists_are_refused(tmp_path: Path, content: str) -> None:
    source = tmp_path / "wilayas.json"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(ReferenceDataError):
        load_wilayas(source)


def test_a_supplied_list_is_sorted_by_code(tmp_path: Path) -> None:
    source = tmp_path / "wilayas.json"
    entries = [
        {"code": "31", "name_fr": "Oran", "name_ar": "وهران"},
        {"code": "16", "name_fr": "Alger", "name_ar": "الجزائر"},
    ]
    source.write_text(json.dumps({"wilayas": entries}), encoding="utf-8")
    assert list(load_wilayas(source)) == ["16", "31"]
