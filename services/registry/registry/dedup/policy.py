"""Weights and thresholds of the engine, as data: a directorate can tune them without code."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Evidence:
    """Log-odds a feature adds to "same person": ``agree`` at similarity 1, ``disagree`` at ``floor`` or below.

    Between the two it is linear. A similarity under ``floor`` is no evidence of
    sameness at all: unrelated names still score about 0.5 in Jaro-Winkler.
    """

    agree: float
    disagree: float
    floor: float = 0.0

    def of(self, similarity: float) -> float:
        """The log-odds for one similarity."""
        scaled = max(0.0, (similarity - self.floor) / (1.0 - self.floor))
        return self.disagree + (self.agree - self.disagree) * scaled


@dataclass(frozen=True, slots=True)
class DedupPolicy:
    """How evidence adds up and where the decisions fall.

    ``score = sigmoid(prior + Σ evidence)``; a national-ID hash match decides alone.
    A match also needs both names at ``name_floor`` or above, so a shared phone and
    birth date (twins, one household) can raise a pair to possible but never decide it
    (``None`` lifts that rule, for data without households, such as FEBRL's). With
    ``twin_guard``, a pair with one birth date and family name whose given names are
    not spellings of one name is at most possible, however close they are: twins are
    often given near-identical names. With ``sex_guard``, so is a pair of different sex.

    ``max_block`` and ``search_budget`` bound the search, not the decision: a key held
    by more than ``max_block`` records is never searched, and a screened record searches
    its keys rarest first while their blocks together hold at most ``search_budget``
    records (see ``registry.dedup.blocking.searched``). A true duplicate shares rare keys
    (the birth date, the phone, the name pair in one year), so the common ones it skips
    cost recall little: on the synthetic set (bench/dedup_bench.py) a budget of 30
    loses no true pair at 20k and 80k persons, 10 loses 0.04 points and 5 loses 0.8.
    Of the records found so, a screen compares the ``compared_per_member`` sharing most
    keys with it: at 80k persons, recall 0.9989 with 10 (0.9992 with all, 0.9974 with 5).

    The defaults were tuned (coordinate search on F1) on a synthetic set of seed 11 and
    on FEBRL 2, and checked on the benchmark's other sets (bench/dedup_bench.py). They
    read: family names are diverse, so their agreement weighs most, but their spelling
    varies most, so their disagreement weighs little; two different full birth dates
    weigh heavily against, as does a different sex (Arabic names are gendered); a phone
    is shared by a household and changes, so it only nudges; another wilaya counts
    against. Twins are kept apart by ``twin_guard``, not by the weights.
    """

    given_name: Evidence = field(default_factory=lambda: Evidence(agree=4.0, disagree=-3.0, floor=0.7))
    family_name: Evidence = field(default_factory=lambda: Evidence(agree=7.0, disagree=-1.0, floor=0.5))
    birth: Evidence = field(default_factory=lambda: Evidence(agree=4.0, disagree=-7.0))
    sex: Evidence = field(default_factory=lambda: Evidence(agree=0.3, disagree=-6.0))
    phone: Evidence = field(default_factory=lambda: Evidence(agree=2.0, disagree=-2.0))
    area: Evidence = field(default_factory=lambda: Evidence(agree=3.0, disagree=-3.0))
    national_id: Evidence = field(default_factory=lambda: Evidence(agree=0.0, disagree=-6.0))
    swapped_names: float = -0.5
    prior: float = -8.0
    match_threshold: float = 0.9
    possible_threshold: float = 0.7
    name_floor: float | None = 0.85
    twin_guard: bool = True
    sex_guard: bool = True
    max_block: int = 500
    search_budget: int = 30
    compared_per_member: int = 10


DEFAULT_POLICY = DedupPolicy()
