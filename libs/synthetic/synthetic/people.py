"""Seeded synthetic registry: Algerian households in both scripts, with field-style duplicates.

People live in households (the father's family name, one commune, often one phone); some
households have twins. Each person is registered once, in Arabic, Latin or both; some are
registered again the way field data goes wrong: the other script only, another
transliteration, a typo, given and family names swapped, the birth year only, day and
month swapped, no phone or a new one, another commune. Siblings sharing a phone and
twins are distinct people, and are listed so tests can check they stay apart.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from registry.dedup.names_dz import FAMILY_NAMES, GIVEN_NAMES, Name
from registry.dedup.records import PersonRecord

Pair = tuple[str, str]
TODAY = date(2025, 1, 1)
ARABIC_VARIANTS = (("أ", "ا"), ("إ", "ا"), ("ة", "ه"), ("ى", "ي"))
ARABIC_TYPO_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
LATIN_TYPO_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Person:
    """The truth about one person, before any registration."""

    key: str
    given: Name
    family: Name
    sex: str
    birth_date: date
    phone: str | None
    area: str
    national_id_hash: str


@dataclass(slots=True)
class SyntheticSet:
    """Records to deduplicate, and the pairs of record ids that really are one person."""

    records: list[PersonRecord]
    duplicate_pairs: set[Pair]
    twin_pairs: set[Pair] = field(default_factory=set)
    shared_phone_pairs: set[Pair] = field(default_factory=set)


def pair(a: str, b: str) -> Pair:
    """A pair of ids in canonical order."""
    return (a, b) if a < b else (b, a)


def generate(
    persons: int = 20_000,
    seed: int = 7,
    duplicate_rate: float = 0.3,
    national_id_rate: float = 0.0,
) -> SyntheticSet:
    """Generate ``persons`` people, register each once, and some of them again with errors.

    ``national_id_rate`` is the share of records carrying the national-ID hash (0 by
    default, so that the benchmark measures names, dates and phones).
    """
    rng = random.Random(seed)
    people, twins, sharing = make_people(rng, persons)
    records: list[PersonRecord] = []
    duplicates: set[Pair] = set()
    record_ids: dict[str, list[str]] = {}
    for person in people:
        registrations = [first_registration(rng, person)]
        if rng.random() < duplicate_rate:
            registrations.append(distort(rng, person, registrations[0]))
            if rng.random() < 0.15:
                registrations.append(distort(rng, person, registrations[0]))
        ids = [f"{person.key}-r{index}" for index in range(len(registrations))]
        record_ids[person.key] = ids
        for record_id, registration in zip(ids, registrations, strict=True):
            nid = person.national_id_hash if rng.random() < national_id_rate else None
            records.append(replace(registration, id=record_id, national_id_hash=nid))
        duplicates.update(pair(a, b) for index, a in enumerate(ids) for b in ids[index + 1 :])
    rng.shuffle(records)
    return SyntheticSet(
        records=records,
        duplicate_pairs=duplicates,
        twin_pairs=expand(twins, record_ids),
        shared_phone_pairs=expand(sharing, record_ids),
    )


def expand(person_pairs: set[Pair], record_ids: dict[str, list[str]]) -> set[Pair]:
    """Person pairs → every pair of their records."""
    return {pair(a, b) for left, right in person_pairs for a in record_ids[left] for b in record_ids[right]}


def make_people(rng: random.Random, persons: int) -> tuple[list[Person], set[Pair], set[Pair]]:
    """Households of 1–7 people until ``persons`` exist; returns people, twin and shared-phone pairs."""
    people: list[Person] = []
    twins: set[Pair] = set()
    sharing: set[Pair] = set()
    household = 0
    while len(people) < persons:
        household += 1
        members = household_members(
            rng, f"h{household}", min(rng.choice((1, 2, 3, 4, 4, 5, 5, 6, 7)), persons - len(people))
        )
        people.extend(members)
        for index, a in enumerate(members):
            for b in members[index + 1 :]:
                if a.birth_date == b.birth_date:
                    twins.add(pair(a.key, b.key))
                if a.phone is not None and a.phone == b.phone:
                    sharing.add(pair(a.key, b.key))
    return people, twins, sharing


def household_members(rng: random.Random, key: str, size: int) -> list[Person]:
    """One household: parents then children, sharing commune and a phone, and the father's
    family name (a married woman keeps her own)."""
    family = zipf_choice(rng, FAMILY_NAMES, exponent=0.6)
    wilaya = rng.randint(1, 58)
    area = f"/DZ/{wilaya:02d}/{wilaya:02d}{rng.randint(1, 40):02d}"
    home_phone = random_phone(rng)
    parent_birth = TODAY - timedelta(days=rng.randint(25 * 365, 70 * 365))
    births = [parent_birth]
    if size > 1:
        births.append(parent_birth + timedelta(days=rng.randint(-8 * 365, 3 * 365)))
    child = parent_birth + timedelta(days=rng.randint(20 * 365, 30 * 365))
    while len(births) < size and child < TODAY:  # young parents have fewer children yet
        births.append(child)
        if len(births) < size and rng.random() < 0.1:
            births.append(child)  # twins
        child += timedelta(days=rng.randint(330, 5 * 365))
    used: set[str] = set()
    members = []
    for index, birth in enumerate(births):
        sex = ("M", "F")[index % 2] if index < 2 else rng.choice("MF")
        given = zipf_choice(rng, [name for name in GIVEN_NAMES if name.sex == sex and name.arabic not in used])
        used.add(given.arabic)
        own_phone = index < 2 and rng.random() < 0.6
        phone = random_phone(rng) if own_phone else (home_phone if rng.random() < 0.85 else None)
        nid = f"nid-{rng.getrandbits(64):016x}"
        own_family = zipf_choice(rng, FAMILY_NAMES, exponent=0.6) if index == 1 else family
        members.append(Person(f"{key}-p{index}", given, own_family, sex, birth, phone, area, nid))
    return members


def zipf_choice(rng: random.Random, names: tuple[Name, ...] | list[Name], exponent: float = 0.9) -> Name:
    """A name drawn with weight 1/rank^exponent: the first names of a list are the common ones."""
    weights = [1 / (rank + 1) ** exponent for rank in range(len(names))]
    return rng.choices(names, weights=weights)[0]


def random_phone(rng: random.Random) -> str:
    return f"+213{rng.choice('567')}{rng.randint(0, 99_999_999):08d}"


def latin_variant(rng: random.Random, name: Name) -> str:
    """A Latin spelling, the usual one more often than the others."""
    return rng.choices(name.latin, weights=[3] + [1] * (len(name.latin) - 1))[0]


def arabic_variant(rng: random.Random, name: Name) -> str:
    """The Arabic spelling, sometimes with hamza or ta marbuta written loosely."""
    text = name.arabic
    for strict, loose in ARABIC_VARIANTS:
        if rng.random() < 0.3:
            text = text.replace(strict, loose)
    return text


def first_registration(rng: random.Random, person: Person) -> PersonRecord:
    """How a person is usually first registered: both scripts, or only one of them."""
    scripts = rng.choices(("both", "lat", "ar"), weights=(5, 3, 2))[0]
    arabic = scripts in ("both", "ar")
    latin = scripts in ("both", "lat")
    year_only = rng.random() < 0.05
    return PersonRecord(
        id=person.key,
        given_name_ar=arabic_variant(rng, person.given) if arabic else None,
        family_name_ar=arabic_variant(rng, person.family) if arabic else None,
        given_name_lat=latin_variant(rng, person.given) if latin else None,
        family_name_lat=latin_variant(rng, person.family) if latin else None,
        sex=person.sex,
        birth_date=None if year_only else person.birth_date,
        birth_year=person.birth_date.year,
        phone=person.phone,
        area=person.area,
    )


def distort(rng: random.Random, person: Person, original: PersonRecord) -> PersonRecord:
    """A second registration of the same person, with one to three field errors."""
    errors = rng.sample(DISTORTIONS, k=rng.choice((1, 1, 2, 2, 3)))
    record = original
    for error in errors:
        record = error(rng, person, record)
    return record


def other_script(rng: random.Random, person: Person, record: PersonRecord) -> PersonRecord:
    """Registered in the other script only (or one script only when both were written)."""
    if record.given_name_lat is not None and (record.given_name_ar is None or rng.random() < 0.5):
        return replace(
            record,
            given_name_lat=None,
            family_name_lat=None,
            given_name_ar=arabic_variant(rng, person.given),
            family_name_ar=arabic_variant(rng, person.family),
        )
    return replace(
        record,
        given_name_ar=None,
        family_name_ar=None,
        given_name_lat=latin_variant(rng, person.given),
        family_name_lat=latin_variant(rng, person.family),
    )


def transliteration(rng: random.Random, person: Person, record: PersonRecord) -> PersonRecord:
    """Another Latin spelling (and loose Arabic orthography) of the same names."""
    return replace(
        record,
        given_name_lat=rng.choice(person.given.latin) if record.given_name_lat else None,
        family_name_lat=rng.choice(person.family.latin) if record.family_name_lat else None,
        given_name_ar=arabic_variant(rng, person.given) if record.given_name_ar else None,
        family_name_ar=arabic_variant(rng, person.family) if record.family_name_ar else None,
    )


def typo(rng: random.Random, person: Person, record: PersonRecord) -> PersonRecord:
    """One keying error in one written name."""
    fields = [
        name
        for name in ("given_name_ar", "family_name_ar", "given_name_lat", "family_name_lat")
        if getattr(record, name)
    ]
    name = rng.choice(fields)
    letters = ARABIC_TYPO_LETTERS if name.endswith("_ar") else LATIN_TYPO_LETTERS
    changes: dict[str, Any] = {name: mistype(rng, getattr(record, name), letters)}
    return replace(record, **changes)


def mistype(rng: random.Random, text: str, letters: str) -> str:
    """Delete, insert, substitute or transpose one letter (not the first)."""
    if len(text) < 3:
        return text + rng.choice(letters)
    at = rng.randint(1, len(text) - 2)
    match rng.choice(("delete", "insert", "substitute", "transpose")):
        case "delete":
            return text[:at] + text[at + 1 :]
        case "insert":
            return text[:at] + rng.choice(letters) + text[at:]
        case "substitute":
            return text[:at] + rng.choice(letters) + text[at + 1 :]
        case _:
            return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


def swapped_names(rng: random.Random, person: Person, record: PersonRecord) -> PersonRecord:
    """Given and family names entered in each other's field."""
    return replace(
        record,
        given_name_ar=record.family_name_ar,
        family_name_ar=record.given_name_ar,
        given_name_lat=record.family_name_lat,
        family_name_lat=record.given_name_lat,
    )


def year_only(rng: random.Random, person: Person, record: PersonRecord) -> PersonRecord:
    """Only the birth year was declared."""
    return replace(record, birth_date=None, birth_year=person.birth_date.year)


def day_month_swapped(rng: random.Random, person: Person, record: PersonRecord) -> PersonRecord:
    """Day and month entered the other way round, where that is still a date."""
    born = person.birth_date
    if born.day > 12 or born.day == born.month:
        return year_only(rng, person, record)
    return replace(record, birth_date=date(born.year, born.day, born.month), birth_year=born.year)


def no_phone(rng: random.Random, person: Person, record: PersonRecord) -> PersonRecord:
    return replace(record, phone=None)


def new_phone(rng: random.Random, person: Person, record: PersonRecord) -> PersonRecord:
    """The person changed numbers between registrations."""
    return replace(record, phone=random_phone(rng))


def moved(rng: random.Random, person: Person, record: PersonRecord) -> PersonRecord:
    """Registered again in another commune, usually of the same wilaya."""
    wilaya = person.area.split("/")[2] if rng.random() < 0.8 else f"{rng.randint(1, 58):02d}"
    return replace(record, area=f"/DZ/{wilaya}/{wilaya}{rng.randint(41, 60):02d}")


Distortion = Callable[[random.Random, Person, PersonRecord], PersonRecord]
DISTORTIONS: tuple[Distortion, ...] = (
    other_script,
    other_script,
    transliteration,
    transliteration,
    typo,
    typo,
    swapped_names,
    year_only,
    day_month_swapped,
    no_phone,
    new_phone,
    moved,
)
