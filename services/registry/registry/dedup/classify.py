"""Decisions on comparisons, and the batch scan that ties blocking, comparison and decision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from registry.dedup.blocking import candidate_pairs
from registry.dedup.comparison import Comparison, compare
from registry.dedup.policy import DEFAULT_POLICY, DedupPolicy
from registry.dedup.records import PersonRecord

Decision = Literal["match", "possible", "distinct"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pair of records that may be one person: the evidence, the decision, and what held a match back."""

    comparison: Comparison
    decision: Decision
    withheld: str | None = None

    @property
    def ids(self) -> tuple[str, str]:
        return self.comparison.a_id, self.comparison.b_id


def classify(comparison: Comparison, policy: DedupPolicy = DEFAULT_POLICY) -> Decision:
    """Match, possible (for a person to review) or distinct.

    A national-ID hash match is a match. Otherwise a match needs the score at
    ``match_threshold`` and nothing in ``match_withheld``; a pair scoring that high but
    held back is possible.
    """
    if comparison.decided_by == "national_id":
        return "match"
    if comparison.score >= policy.match_threshold and match_withheld(comparison, policy) is None:
        return "match"
    if comparison.score >= policy.possible_threshold:
        return "possible"
    return "distinct"


def match_withheld(comparison: Comparison, policy: DedupPolicy = DEFAULT_POLICY) -> str | None:
    """Why a pair may not be merged without a person looking, or ``None``.

    Phone, birth date and area are strong but never enough alone: both names must agree
    (twins and siblings share the rest). Twin-like pairs and pairs of different sex go
    to review however high they score.
    """
    given, family = comparison.features["given_name"], comparison.features["family_name"]
    floor = policy.name_floor
    if floor is not None and (given is None or family is None or given < floor or family < floor):
        return "names disagree or are missing"
    if policy.twin_guard and comparison.twin_like:
        return "twin-like: one family and birth date, two given names"
    if policy.sex_guard and comparison.features["sex"] == 0.0:
        return "different sex"
    return None


def find_duplicates(records: Iterable[PersonRecord], policy: DedupPolicy = DEFAULT_POLICY) -> list[Candidate]:
    """Scan a batch: every candidate pair that is a match or a possible match, best first."""
    by_id = {record.id: record for record in records}
    found = []
    for a, b in candidate_pairs(by_id.values(), policy.max_block):
        comparison = compare(by_id[a], by_id[b], policy)
        decision = classify(comparison, policy)
        if decision != "distinct":
            withheld = match_withheld(comparison, policy) if decision == "possible" else None
            found.append(Candidate(comparison, decision, withheld))
    found.sort(key=lambda candidate: -candidate.comparison.score)
    return found
