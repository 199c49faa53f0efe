"""The demo data set: a small, realistic registry for the demo users' communes.

Seeded and deterministic, so seeding twice (with the same idempotency keys) changes
nothing. Households are written the way field agents write them: both scripts for most
people, Arabic only or Latin only for some; heads of 60 or more in the elderly category,
some disabilities with their category, widowed or abandoned women heads in difficulty,
indigent households. A few people are registered a second time by another agent, in the
other script or another transliteration: those are the duplicates to review.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from common.contracts.assessment import Assessment
from common.contracts.households import HouseholdIn
from registry.dedup.names_dz import FAMILY_NAMES, GIVEN_NAMES, Name
from synthetic import assessments as generated

VERSION = "demo-seed-v1"  # in every idempotency key: change it and the set is seeded anew
SEED = 2026
MOBILE_PREFIXES = ("055", "066", "069", "077", "079")
TODAY = date(2026, 1, 1)  # fixed, so the set does not drift with the calendar

# commune -> (who registers there, who registers the duplicates there)
COMMUNES: dict[str, tuple[str, str]] = {
    "/DZ/16/1601": ("worker.1601", "coordinator.1601"),
    "/DZ/16/1602": ("worker.1602", "agent.16"),
    "/DZ/31/3101": ("worker.3101", "director.31"),
}
STREETS = {
    "/DZ/16/1601": ("Rue Larbi Ben M'hidi", "Rue Ahmed Bouzrina", "Impasse Ben Cheneb", "Rue Hadj Omar"),
    "/DZ/16/1602": ("Cité Diar Es Saada", "Rue Mohamed Belouizdad", "Cité Diar El Mahçoul", "Rue Hassiba Ben Bouali"),
    "/DZ/31/3101": ("Rue Larbi Tebessi", "Cité Petit Lac", "Boulevard de la Soummam", "Rue Khemisti"),
}


@dataclass(frozen=True)
class DemoHousehold:
    """A household to register as ``user``; ``key`` is its idempotency key."""

    key: str
    user: str
    household: dict[str, Any]
    duplicate_of: str | None = None  # the key of the household it repeats


def _names(name: Name, script: str, rng: random.Random) -> dict[str, str]:
    if script == "ar":
        return {"ar": name.arabic}
    latin = name.latin[0] if rng.random() < 0.7 else rng.choice(name.latin)
    return {"lat": latin} if script == "lat" else {"ar": name.arabic, "lat": latin}


def _person(
    rng: random.Random, given: Name, family: Name, sex: str, born: date, relationship: str, script: str
) -> dict[str, Any]:
    person: dict[str, Any] = {"sex": sex, "birth_date": born.isoformat(), "relationship": relationship}
    for suffix, value in _names(given, script, rng).items():
        person[f"given_name_{suffix}"] = value
    for suffix, value in _names(family, script, rng).items():
        person[f"family_name_{suffix}"] = value
    return person


def _given(rng: random.Random, sex: str) -> Name:
    return rng.choice([n for n in GIVEN_NAMES if n.sex == sex][:30])


def _born(rng: random.Random, low: int, high: int) -> date:
    return date(rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))


def _categories(rng: random.Random, head: dict[str, Any], born: date, marital: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if TODAY.year - born.year > 60:
        found.append({"category": "elderly", "valid_from": born.replace(year=born.year + 60).isoformat()})
    if head.get("disability"):
        found.append({"category": "disability", "valid_from": "2019-03-01", "basis": "carte d'handicapé"})
    if head["sex"] == "F" and marital in ("widowed", "abandoned"):
        found.append({"category": "woman_in_difficulty", "valid_from": "2021-09-15"})
    if rng.random() < 0.3:
        found.append({"category": "indigent", "valid_from": "2022-01-01", "valid_until": "2026-12-31"})
    return found


def _household(rng: random.Random, area: str, number: int) -> dict[str, Any]:
    script = rng.choices(["both", "ar", "lat"], [0.7, 0.15, 0.15])[0]
    family = rng.choice(FAMILY_NAMES[:40])
    head_sex = "M" if rng.random() < 0.7 else "F"
    head_born = _born(rng, 1938, 1990)
    marital = rng.choice(["married", "widowed", "abandoned"]) if head_sex == "F" else "married"
    head = _person(rng, _given(rng, head_sex), family, head_sex, head_born, "head", script)
    head["phone"] = f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 9_999_999):07d}"
    if rng.random() < 0.15:
        head["disability"] = {"type": rng.choice(["motor", "visual", "hearing"]), "severity": "moderate"}
    head["categories"] = _categories(rng, head, head_born, marital)
    members = [head]
    if head_sex == "M" and rng.random() < 0.85:
        spouse_family = rng.choice(FAMILY_NAMES[:40])
        members.append(
            _person(rng, _given(rng, "F"), spouse_family, "F", _born(rng, head_born.year, 1995), "spouse", script)
        )
    for _ in range(rng.choice([0, 1, 2, 3, 3, 4, 5])):
        sex = rng.choice("MF")
        youngest = max(head_born.year + 20, 1990)
        members.append(_person(rng, _given(rng, sex), family, sex, _born(rng, youngest, 2024), "child", script))
    street = rng.choice(STREETS[area])
    return {
        "area": area,
        "address": f"{rng.randint(1, 120)} {street}",
        "household_ref": f"DEMO-{area.rsplit('/', 1)[1]}-{number:03d}",
        "provenance": {"source": "field_survey", "collector": "cellule de proximité", "collected_on": "2025-11-04"},
        "consent": {
            "given": True,
            "given_at": datetime(2025, 11, 4, 10, 0, tzinfo=UTC).isoformat(),
            "method": "signed_form",
            "purposes": ["registration", "eligibility_assessment", "assistance_delivery"],
        },
        "members": members,
    }


def _other_spelling(rng: random.Random, household: dict[str, Any]) -> dict[str, Any]:
    """The household's head registered again alone, in one script, by someone else."""
    head = dict(household["members"][0])
    if head.get("given_name_ar") and (rng.random() < 0.5 or not head.get("given_name_lat")):
        for field in ("given_name_lat", "family_name_lat"):
            head.pop(field, None)
    else:
        for field in ("given_name_ar", "family_name_ar"):
            head.pop(field, None)
        head["given_name_lat"] = head["given_name_lat"].replace("ou", "u", 1).replace("ch", "sh", 1)
    head.pop("categories", None)
    head.pop("disability", None)
    return {**household, "household_ref": None, "address": household["address"].upper(), "members": [head]}


def households(per_commune: int = 20, duplicates_per_commune: int = 2) -> list[DemoHousehold]:
    """The demo households, in registration order (originals before their duplicates)."""
    rng = random.Random(SEED)
    found: list[DemoHousehold] = []
    for area, (registrar, second_registrar) in COMMUNES.items():
        commune = area.rsplit("/", 1)[1]
        originals = [
            DemoHousehold(f"{VERSION}-{commune}-{n:03d}", registrar, _household(rng, area, n))
            for n in range(per_commune)
        ]
        found.extend(originals)
        for n, original in enumerate(rng.sample(originals, duplicates_per_commune)):
            again = _other_spelling(rng, original.household)
            found.append(DemoHousehold(f"{VERSION}-{commune}-dup{n}", second_registrar, again, original.key))
    for item in found:
        HouseholdIn.model_validate(item.household)  # the set is valid by construction; prove it
    return found


def assessments(items: list[DemoHousehold], share: float = 0.8) -> dict[str, dict[str, Any]]:
    """Precarity assessments for ``share`` of the original households, by their key.

    Drawn from the scoring model's synthetic generator among answers whose household size
    is the household's member count, and dated a week after the survey.
    """
    rng = random.Random(SEED + 1)
    by_size: dict[int, list[dict[str, Any]]] = {}
    for answers in generated.assessments(3000, seed=SEED):
        by_size.setdefault(answers["family"]["household_size"], []).append(answers)
    found = {}
    for item in items:
        size = len(item.household["members"])
        if item.duplicate_of is not None or not by_size.get(size) or rng.random() > share:
            continue
        answers = {**rng.choice(by_size[size]), "assessed_at": "2025-11-11T10:00:00+01:00", "assessor": item.user}
        found[item.key] = Assessment.model_validate(answers).model_dump(mode="json")
    return found
