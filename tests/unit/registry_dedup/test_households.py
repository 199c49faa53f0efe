"""Household screening (registry.duplicates.findings): members are compared only where they share a blocking key."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import pytest

from registry import duplicates
from registry.dedup import PersonRecord, blocking_keys, find_duplicates
from registry.duplicates import findings, person_records
from synthetic.people import generate


def stored(household_id: str, area: str, records: list[PersonRecord]) -> dict[str, Any]:
    """A household document as screening reads it."""
    members = [
        {
            "given_name_ar": r.given_name_ar,
            "family_name_ar": r.family_name_ar,
            "given_name_lat": r.given_name_lat,
            "family_name_lat": r.family_name_lat,
            "sex": r.sex,
            "birth_date": r.birth_date.isoformat() if r.birth_date else None,
            "birth_year": r.birth_year,
            "phone": r.phone,
            "national_id_hash": r.national_id_hash,
        }
        for r in records
    ]
    return {"_id": household_id, "area": area, "members": members}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The member pairs findings() compares."""
    calls: list[tuple[str, str]] = []
    real = duplicates.compare

    def compare(a: PersonRecord, b: PersonRecord) -> Any:
        calls.append((a.id, b.id))
        return real(a, b)

    monkeypatch.setattr(duplicates, "compare", compare)
    return calls


def test_only_members_sharing_a_blocking_key_are_compared(person: Any, counted: list[tuple[str, str]]) -> None:
    family = [
        person("n:0"),
        person("n:1", given_name_ar="فاطمة", given_name_lat="Fatima", sex="F", birth_date=date(1988, 6, 2)),
        person("n:2", given_name_ar="ياسين", given_name_lat="Yacine", birth_date=date(2010, 1, 9)),
        person("n:3", given_name_ar="سارة", given_name_lat="Sarah", sex="F", birth_date=date(2013, 11, 30)),
    ]
    other = [
        person("x", phone="+213550000001"),  # the father, registered again with another phone
        person(
            "y",
            given_name_ar="رشيد",
            family_name_ar="مزيان",
            given_name_lat="Rachid",
            family_name_lat="Meziane",
            birth_date=date(1970, 2, 1),
            phone="+213550000002",
        ),
        person(
            "z",
            given_name_ar="نورة",
            family_name_ar="مزيان",
            given_name_lat="Noura",
            family_name_lat="Meziane",
            sex="F",
            birth_date=date(1975, 7, 7),
            phone="+213550000003",
        ),
    ]
    candidate = stored("old", "/DZ/16/1601", other)
    existing = person_records("old", "/DZ/16/1601", candidate["members"])
    sharing = {(a.id, b.id) for a in family for b in existing if blocking_keys(a) & blocking_keys(b)}

    found = findings(family, [candidate])

    assert sharing == {("n:0", "old:0")}
    assert counted == [("n:0", "old:0")]  # not the 12 pairs of the cross product
    assert [(f.household_id, f.decision, f.member_pair) for f in found] == [("old", "match", ("n:0", "old:0"))]


def test_a_look_alike_sharing_no_key_is_not_compared(person: Any, counted: list[tuple[str, str]]) -> None:
    new = [person("n:0", area="/DZ/31/3101", phone=None, birth_date=date(1985, 3, 14))]
    # same names, another wilaya, another year: the engine's blocking never pairs them either
    old = stored("old", "/DZ/16/1601", [person("o", phone=None, birth_date=date(1986, 3, 14), birth_year=1986)])

    assert findings(new, [old]) == []
    assert counted == []
    assert not find_duplicates([new[0], person_records("old", "/DZ/16/1601", old["members"])[0]])


@pytest.mark.parametrize("seed", [2, 9])
def test_screening_finds_every_household_pair_the_batch_scan_finds(seed: int) -> None:
    """Households of the synthetic set (each registration of a family, per commune) screened one by one.

    Every pair of records the batch scan calls a match or possible, in two households,
    makes screening report the other household.
    """
    data = generate(1500, seed=seed)
    households: defaultdict[tuple[str, str, str], list[PersonRecord]] = defaultdict(list)
    for record in sorted(data.records, key=lambda r: r.id):
        person_key, registration = record.id.rsplit("-r", 1)
        households[(person_key.rsplit("-p", 1)[0], registration, record.area or "")].append(record)
    docs = {
        f"{h}-r{n}@{area}": stored(f"{h}-r{n}@{area}", area, records) for (h, n, area), records in households.items()
    }
    household_of = {r.id: f"{h}-r{n}@{area}" for (h, n, area), records in households.items() for r in records}

    expected: defaultdict[str, set[str]] = defaultdict(set)
    for candidate in find_duplicates(data.records):
        a, b = (household_of[record_id] for record_id in candidate.ids)
        if a != b:
            expected[a].add(b)
            expected[b].add(a)
    assert sum(len(others) for others in expected.values()) > 200

    for household_id, others in expected.items():
        doc = docs[household_id]
        records = person_records(household_id, doc["area"], doc["members"])
        found = findings(records, [docs[other] for other in sorted(others)])
        assert {f.household_id for f in found} == others, household_id
