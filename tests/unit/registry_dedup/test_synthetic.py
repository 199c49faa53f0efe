import re
from collections import Counter

from registry.dedup.names_dz import FAMILY_NAMES, GIVEN_NAMES
from synthetic.people import generate


def test_name_tables_are_large_and_unambiguous():
    assert len(GIVEN_NAMES) >= 60
    assert len(FAMILY_NAMES) >= 60
    assert all(2 <= len(name.latin) <= 4 for name in GIVEN_NAMES + FAMILY_NAMES)
    spellings = Counter(spelling for name in GIVEN_NAMES + FAMILY_NAMES for spelling in name.latin)
    assert spellings.most_common(1)[0][1] == 1


def test_generation_is_seeded():
    assert generate(200, seed=1).records == generate(200, seed=1).records
    assert generate(200, seed=1).records != generate(200, seed=2).records


def test_records_look_like_field_data():
    data = generate(1000, seed=2)
    records = data.records
    assert all(re.fullmatch(r"/DZ/(\d\d)/\1\d\d", r.area or "") for r in records)
    assert all(re.fullmatch(r"\+213[567]\d{8}", r.phone) for r in records if r.phone)
    assert {r.sex for r in records} == {"M", "F"}
    assert any(r.given_name_ar and not r.given_name_lat for r in records)
    assert any(r.given_name_lat and not r.given_name_ar for r in records)
    assert any(r.birth_date is None and r.birth_year for r in records)
    assert all(r.national_id_hash is None for r in records)


def test_duplicates_twins_and_shared_phones_are_listed():
    data = generate(1000, seed=2)
    ids = {r.id for r in data.records}
    for pairs in (data.duplicate_pairs, data.twin_pairs, data.shared_phone_pairs):
        assert pairs
        assert all(a < b and a in ids and b in ids for a, b in pairs)
    assert not data.duplicate_pairs & data.twin_pairs
    assert not data.duplicate_pairs & data.shared_phone_pairs
    by_id = {r.id: r for r in data.records}
    same_phone = [by_id[a].phone == by_id[b].phone for a, b in data.shared_phone_pairs]
    assert sum(same_phone) > 0.8 * len(same_phone)  # the rest: a later registration without it, or with a new one
