"""Feature similarities between two person records, each in [0, 1] (``None`` when unknown).

Names are compared on the script-neutral skeleton (the only form an Arabic and a Latin
spelling share) and, when both records have a script in common, on the folded spelling
of that script as well, which keeps the vowels the skeleton drops.
"""

from __future__ import annotations

from datetime import date

from rapidfuzz.distance import OSA, JaroWinkler

from registry.dedup.normalize import NameKey
from registry.dedup.records import PersonRecord, region


def name_similarity(a: tuple[NameKey, ...], b: tuple[NameKey, ...]) -> float | None:
    """How alike two names are, across scripts; ``None`` when either is missing.

    With a script in common the folded spelling leads, and the skeleton can only lift it
    half-way (Mhamed/Mohamed); across scripts the skeleton is all there is. Measured
    against the mean of both and against adding jellyfish's Metaphone or NYSIIS codes,
    this did best on both the synthetic and the FEBRL sets.
    """
    if not a or not b:
        return None
    skeleton = max(JaroWinkler.normalized_similarity(x.skeleton, y.skeleton) for x in a for y in b)
    folds = [JaroWinkler.normalized_similarity(x.fold, y.fold) for x in a for y in b if x.script == y.script]
    if not folds:
        return skeleton
    fold = max(folds)
    return fold + max(0.0, skeleton - fold) / 2


def same_name(a: tuple[NameKey, ...], b: tuple[NameKey, ...]) -> bool:
    """Whether two names are spellings of one name rather than two near names (Yamina, Amina).

    Arabic spelling is settled, so when both are written in Arabic only the same folded
    spelling counts; transliterations vary, so otherwise the same skeleton counts.
    """
    arabic = [(x, y) for x in a for y in b if x.script == y.script == "ar"]
    if arabic:
        return any(x.fold == y.fold for x, y in arabic)
    return any(x.skeleton == y.skeleton for x in a for y in b)


def birth_similarity(a: PersonRecord, b: PersonRecord) -> float | None:
    """Agreement of birth dates, tolerant of a declared year only and of keying errors."""
    if a.birth_date is not None and b.birth_date is not None:
        return date_similarity(a.birth_date, b.birth_date)
    year_a, year_b = a.year, b.year
    if year_a is None or year_b is None:
        return None
    # A year alone is weak (one in some eighty people shares it), and a year one digit
    # off is no evidence at all: siblings' years are.
    return 0.6 if year_a == year_b else 0.0


def date_similarity(a: date, b: date) -> float:
    """1 for the same date; partial credit for the usual keying errors; 0 otherwise."""
    if a == b:
        return 1.0
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return 0.85
    if OSA.distance(a.strftime("%Y%m%d"), b.strftime("%Y%m%d")) == 1:
        return 0.7  # one digit mistyped or two neighbours swapped
    return 0.3 if a.year == b.year else 0.0


def equal_or_none(a: str | None, b: str | None) -> float | None:
    """1 when equal, 0 when different, ``None`` when either is unknown."""
    if not a or not b:
        return None
    return 1.0 if a == b else 0.0


def area_similarity(a: str | None, b: str | None) -> float | None:
    """1 for the same commune, 0.5 for the same wilaya, 0.3 for a commune code one keystroke away."""
    if not a or not b:
        return None
    if a == b:
        return 1.0
    if region(a) == region(b):
        return 0.5
    return 0.3 if OSA.distance(a.rsplit("/", 1)[-1], b.rsplit("/", 1)[-1]) == 1 else 0.0
