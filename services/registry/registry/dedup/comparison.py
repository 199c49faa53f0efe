"""Compare two person records: feature similarities, their evidence, and one score."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from registry.dedup.policy import DEFAULT_POLICY, DedupPolicy
from registry.dedup.records import PersonRecord, prepare
from registry.dedup.similarity import area_similarity, birth_similarity, equal_or_none, name_similarity, same_name

SWAP_MARGIN = 0.1
"""How much better the crossed names must fit before a swap is assumed."""
TWIN_FAMILY_FLOOR = 0.9
"""Family-name similarity from which two people of one birth date may be twins."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of comparing two records, explainable feature by feature.

    ``features`` are similarities in [0, 1], ``None`` where either record lacks the field;
    ``evidence`` is the log-odds each feature added under the policy; ``score`` is the
    resulting probability-like value in [0, 1]. ``twin_like``: births that cannot tell
    them apart and one family name, but given names that are not spellings of one name
    (see ``same_name``), the way twins look.
    """

    a_id: str
    b_id: str
    features: Mapping[str, float | None]
    evidence: Mapping[str, float]
    score: float
    swapped: bool = False
    twin_like: bool = False
    decided_by: str | None = None

    def agreeing(self, at: float = 0.9) -> list[str]:
        """Features that agree (similarity ``at`` or above), for display."""
        return [name for name, value in self.features.items() if value is not None and value >= at]

    def disagreeing(self, below: float = 0.5) -> list[str]:
        """Features that disagree (similarity under ``below``), for display."""
        return [name for name, value in self.features.items() if value is not None and value < below]


@dataclass(frozen=True, slots=True)
class AlignedNames:
    given: float | None
    family: float | None
    swapped: bool
    same_given_name: bool


def compare(a: PersonRecord, b: PersonRecord, policy: DedupPolicy = DEFAULT_POLICY) -> Comparison:
    """Compare two records under ``policy``; the same national-ID hash decides a match."""
    names = align_names(a, b)
    features: dict[str, float | None] = {
        "national_id": equal_or_none(a.national_id_hash, b.national_id_hash),
        "given_name": names.given,
        "family_name": names.family,
        "birth": birth_similarity(a, b),
        "sex": equal_or_none(a.sex, b.sex),
        "phone": equal_or_none(a.phone, b.phone),
        "area": area_similarity(a.area, b.area),
    }
    twin_like = (
        births_indistinct(a, b)
        and (names.family or 0.0) >= TWIN_FAMILY_FLOOR
        and names.given is not None
        and not names.same_given_name
    )
    if features["national_id"] == 1.0:
        return Comparison(a.id, b.id, features, {}, 1.0, names.swapped, twin_like, decided_by="national_id")
    evidence = {
        name: getattr(policy, name).of(value)
        for name, value in features.items()
        if value is not None and not (name == "national_id" and value == 1.0)
    }
    if names.swapped:
        evidence["swapped_names"] = policy.swapped_names
    total = policy.prior + sum(evidence.values())
    return Comparison(a.id, b.id, features, evidence, sigmoid(total), names.swapped, twin_like)


def align_names(a: PersonRecord, b: PersonRecord) -> AlignedNames:
    """Given- and family-name similarity, crossing the fields when that fits clearly better."""
    left, right = prepare(a), prepare(b)
    straight = (name_similarity(left.given, right.given), name_similarity(left.family, right.family))
    if mean(straight) + SWAP_MARGIN < 1.0:  # else crossing could not fit clearly better
        crossed = (name_similarity(left.given, right.family), name_similarity(left.family, right.given))
        if mean(crossed) > mean(straight) + SWAP_MARGIN:
            return AlignedNames(crossed[0], crossed[1], True, same_name(left.given, right.family))
    return AlignedNames(straight[0], straight[1], False, same_name(left.given, right.given))


def births_indistinct(a: PersonRecord, b: PersonRecord) -> bool:
    """Same birth date, or the same year where one side only has the year: as twins would be."""
    if a.birth_date is not None and b.birth_date is not None:
        return a.birth_date == b.birth_date
    return a.year is not None and a.year == b.year


def mean(values: tuple[float | None, float | None]) -> float:
    known = [value for value in values if value is not None]
    return sum(known) / len(known) if known else 0.0


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
