"""Deduplication engine of the registry: blocking, comparison and decision for person records.

Pure: no service, database or network. The write path indexes ``blocking_keys(record)``
with each person, fetches the records sharing a key, and calls ``compare`` and
``classify`` on each; batch scans use ``find_duplicates``.
"""

from registry.dedup.blocking import BLOCKING_KEYS_VERSION, blocking_keys, candidate_pairs, oversized, searched
from registry.dedup.classify import Candidate, Decision, classify, find_duplicates, match_withheld
from registry.dedup.comparison import Comparison, compare
from registry.dedup.policy import DEFAULT_POLICY, DedupPolicy, Evidence
from registry.dedup.records import PersonRecord

__all__ = [
    "BLOCKING_KEYS_VERSION",
    "DEFAULT_POLICY",
    "Candidate",
    "Comparison",
    "Decision",
    "DedupPolicy",
    "Evidence",
    "PersonRecord",
    "blocking_keys",
    "candidate_pairs",
    "classify",
    "compare",
    "find_duplicates",
    "match_withheld",
    "oversized",
    "searched",
]
