"""From stored households to the dedup engine's person records, and back to findings.

Households are compared through their members: two households are probable
duplicates when a member of one is probably a member of the other. Only members that
share a blocking key are compared, as the batch scan (``find_duplicates``) pairs them:
a household is a candidate through one member's key, so comparing every member of it
with every new member would cost members² per candidate and find no pair the engine's
blocking does not already let through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from registry.dedup import PersonRecord, blocking_keys, classify, compare, find_duplicates, match_withheld

COMPARED_MEMBER_FIELDS = (
    "given_name_ar",
    "family_name_ar",
    "given_name_lat",
    "family_name_lat",
    "sex",
    "birth_date",
    "birth_year",
    "phone",
    "national_id_hash",
)
"""What :func:`person_records` reads of a stored member: a candidate is read with these alone."""


def person_records(household_id: str, area: str, members: Iterable[Mapping[str, Any]]) -> list[PersonRecord]:
    """The members of a stored household as person records (id ``<household>:<index>``)."""
    return [
        PersonRecord(
            id=f"{household_id}:{index}",
            given_name_ar=m.get("given_name_ar"),
            family_name_ar=m.get("family_name_ar"),
            given_name_lat=m.get("given_name_lat"),
            family_name_lat=m.get("family_name_lat"),
            sex=m.get("sex"),
            birth_date=date.fromisoformat(m["birth_date"]) if m.get("birth_date") else None,
            birth_year=m.get("birth_year"),
            phone=m.get("phone"),
            national_id_hash=m.get("national_id_hash"),
            area=area,
        )
        for index, m in enumerate(members)
    ]


def household_keys(records: Iterable[PersonRecord]) -> list[str]:
    """The blocking keys of all members: what the household is indexed under."""
    return sorted({key for record in records for key in member_keys(record)})


@lru_cache(maxsize=100_000)
def member_keys(record: PersonRecord) -> frozenset[str]:
    """One member's blocking keys, computed once per record (a stored household is a candidate many times)."""
    return frozenset(blocking_keys(record))


@dataclass(frozen=True)
class Finding:
    """The strongest member-to-member evidence that two households are one.

    ``household_id`` and ``area`` name the household already stored; whether the caller
    may see it is for the caller's area to say (``registry.domain.review_access``).
    """

    household_id: str
    area: str
    decision: str  # "match" or "possible"
    score: float
    member_pair: tuple[str, str]
    agreeing: list[str]
    disagreeing: list[str]
    withheld: str | None


def findings(new: list[PersonRecord], candidates: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """Households among ``candidates`` that probably are the new one, strongest first.

    Within a pair of households, only members sharing a blocking key are compared.
    """
    found: list[Finding] = []
    keyed = [(a, member_keys(a)) for a in new]
    for doc in candidates:
        existing = [(b, member_keys(b)) for b in person_records(str(doc["_id"]), doc["area"], doc.get("members", []))]
        best: Finding | None = None
        for a, a_keys in keyed:
            for b, b_keys in existing:
                if a_keys.isdisjoint(b_keys):
                    continue
                comparison = compare(a, b)
                decision = classify(comparison)
                if decision == "distinct" or (best is not None and comparison.score <= best.score):
                    continue
                best = Finding(
                    household_id=str(doc["_id"]),
                    area=doc["area"],
                    decision=decision,
                    score=round(comparison.score, 4),
                    member_pair=(a.id, b.id),
                    agreeing=comparison.agreeing(),
                    disagreeing=comparison.disagreeing(),
                    withheld=match_withheld(comparison),
                )
        if best is not None:
            found.append(best)
    return sorted(found, key=lambda f: f.score, reverse=True)


def scan(households: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], tuple[Finding, str]]:
    """Every pair of distinct households whose members are probably the same people.

    Keyed by ``(newer, older)`` household id (ObjectIds sort by creation): the strongest
    finding of the pair and the newer household's area.
    """
    area_of: dict[str, str] = {}
    records: list[PersonRecord] = []
    for doc in households:
        area_of[str(doc["_id"])] = doc["area"]
        records.extend(person_records(str(doc["_id"]), doc["area"], doc.get("members", [])))
    pairs: dict[tuple[str, str], tuple[Finding, str]] = {}
    for candidate in find_duplicates(records):
        a, b = (member.split(":")[0] for member in candidate.ids)
        if a == b or candidate.decision == "distinct":
            continue
        older, newer = sorted((a, b))
        comparison = candidate.comparison
        finding = Finding(
            household_id=older,
            area=area_of[older],
            decision=candidate.decision,
            score=round(comparison.score, 4),
            member_pair=(comparison.a_id, comparison.b_id),
            agreeing=comparison.agreeing(),
            disagreeing=comparison.disagreeing(),
            withheld=candidate.withheld,
        )
        if (newer, older) not in pairs or pairs[(newer, older)][0].score < finding.score:
            pairs[(newer, older)] = (finding, area_of[newer])
    return pairs
