"""Veille benchmark (``make bench-veille``): escalation sweep, indicator alerts, clustering of signals.

Run from the repository root against the database at ``MONGO_URI``::

    .venv/bin/python -m bench.veille_bench [--signals 100000] [--due 1000] [--points 100000] [--smoke]

Every figure is printed next to a baseline measured in the same run, on a fresh ``bench_veille_*``
database (dropped at the end), seeded with ``--signals`` open signals over Algeria's 1,541 communes
(raw ``insert_many`` of the documents the service stores), ``--due`` of them due to climb a level:

A. **escalation sweep** over the open signals: the timer's use case (``app.escalation.sweep``: the
   indexed read of the signals due, the SLA decision, one guarded bulk write with each
   ``signal_escalated`` in the outbox), next to a raw ``find`` of the same documents on the same
   ``escalate_at`` index; then the sweep again (nothing left to raise), which is what most ticks cost.
   Goal: <= 1 s.
B. **alert rules over 1,541 communes**: ``app.alerts.evaluate`` with four rules (per-commune counts
   aggregated from the signals, rules folded, alerts deduplicated and written with their events),
   next to the raw aggregation and a numpy comparison of the same counts. Goal: <= 5 s.
C. **clustering ``--points`` geo-points**: ``domain.pockets.find_pockets`` (DBSCAN, haversine, 500 m,
   5 points, with each pocket's extent and visit list), next to scikit-learn's DBSCAN alone on the same
   array and a numpy grid count (cells of ~500 m, the crudest density measure).

``--smoke`` runs everything at tiny sizes in seconds (it checks the bench, measures nothing).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import numpy as np
from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database
from sklearn.cluster import DBSCAN

from veille.adapters.alerts import MongoAlertRules, MongoAlerts
from veille.adapters.indicators import SignalIndicators
from veille.adapters.signals import MongoSignals
from veille.app import alerts as alerting
from veille.app import escalation
from veille.app.ports import Notice
from veille.domain import pockets
from veille.domain.alerts import AlertRule
from veille.domain.pockets import EARTH_RADIUS_M, SignalPoint
from veille.domain.signals import CATEGORIES, GeoPoint
from veille.settings import VeilleSettings

MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
COMMUNES = 1541
T = TypeVar("T")


class Quiet:
    """A notifier that keeps the notices (the bench measures the work, not a mail server)."""

    def __init__(self) -> None:
        self.sent: list[Notice] = []

    def send(self, notice: Notice) -> None:
        self.sent.append(notice)


def communes() -> list[str]:
    """1,541 commune paths over 58 wilayas (the count of Algeria's communes)."""
    return [f"/DZ/{1 + i % 58:02d}/{1 + i % 58:02d}{10 + i // 58:02d}" for i in range(COMMUNES)]


def timed(call: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def seed(database: Database[Any], count: int, due: int, now: datetime) -> None:
    rng = random.Random(20261206)
    places = communes()
    MongoSignals.ensure_indexes(database)
    batch: list[dict[str, Any]] = []
    for i in range(count):
        area = places[i % len(places)]
        wilaya, commune = area.split("/")[2], area.split("/")[3]
        late = i < due  # reported 3 days ago: past every triage deadline
        reported = now - (timedelta(days=3) if late else timedelta(minutes=rng.randint(60, 60 * 24 * 25)))
        batch.append({
            "_id": ObjectId(), "category": CATEGORIES[i % len(CATEGORIES)], "severity": 1 + i % 5, "area": area,
            "area_ancestors": ["/DZ", f"/DZ/{wilaya}", area], "description": "bench", "persons": {"count": 1},
            "reporter": {"kind": "agent"}, "protected": {}, "reported_by": "bench", "reported_at": reported,
            "status": "new", "level": "cell", "steps": [], "version": 1, "priority": 0, "assigned_area": area,
            "due_at": now + timedelta(hours=1), "point": {"lat": 36.0 + rng.gauss(0, 0.01) + int(commune[-2:]) * 0.05,
                                                        "lon": 3.0 + rng.gauss(0, 0.01) + int(wilaya) * 0.05},
            # --due of them are late now; the others climb in the coming days
            "escalate_at": now - timedelta(minutes=5) if late else now + timedelta(hours=1 + i % 240),
        })  # fmt: skip
        if len(batch) == 5000:
            database.signals.insert_many(batch, ordered=False)
            batch = []
    if batch:
        database.signals.insert_many(batch, ordered=False)


def sweep(database: Database[Any], due: int, now: datetime) -> list[tuple[str, float, str]]:
    rules, store, notices = VeilleSettings().rules(), MongoSignals(database), Quiet()
    raw, raw_s = timed(lambda: list(database.signals.find({"escalate_at": {"$lte": now}})))
    raised, sweep_s = timed(lambda: escalation.sweep(store, rules, notices, now))
    again, again_s = timed(lambda: escalation.sweep(store, rules, notices, now))
    assert (len(raw), raised, again) == (due, due, 0)
    return [
        (f"A. sweep, {due:,} due: read, decide, raise", sweep_s, f"{raised:,} raised, {len(notices.sent)} notices"),
        ("   baseline: raw find of the same on escalate_at", raw_s, f"{len(raw):,} documents"),
        ("   sweep again (nothing due: a usual tick)", again_s, f"{again} raised"),
    ]


RULES = [
    {"id": "signals_30d", "metric": "signals_total", "comparison": ">=", "threshold": 60},
    {"id": "street_children_30d", "metric": "signals_street_child", "comparison": ">=", "threshold": 9},
    {"id": "women_in_danger_30d", "metric": "signals_woman_in_danger", "comparison": ">=", "threshold": 9},
    {"id": "disasters_30d", "metric": "signals_disaster", "comparison": ">", "threshold": 0},
]


def alerts(database: Database[Any], now: datetime) -> list[tuple[str, float, str]]:
    MongoAlerts.ensure_indexes(database)
    MongoAlertRules.ensure_indexes(database)
    rules_store, store, indicators = MongoAlertRules(database), MongoAlerts(database), SignalIndicators(database)
    for rule in RULES:
        named = {**rule, "version": 1, "title_fr": "Règle de banc", "title_ar": "قاعدة اختبار", "window_days": 30}
        rules_store.publish(AlertRule.model_validate(named), "bench")
    config = VeilleSettings().rules()
    first, first_s = timed(lambda: alerting.evaluate(rules_store, store, indicators, Quiet(), config, now))
    again, again_s = timed(lambda: alerting.evaluate(rules_store, store, indicators, Quiet(), config, now))
    counts, raw_s = timed(lambda: indicators.signals.counts(now - timedelta(days=30)))

    def numpy_compare() -> int:
        by_commune: dict[str, float] = {}
        for (commune, _), n in counts.items():
            by_commune[commune] = by_commune.get(commune, 0) + n
        values = np.fromiter(by_commune.values(), dtype=float)
        return int((values >= RULES[0]["threshold"]).sum())  # type: ignore[operator]

    flagged, numpy_s = timed(numpy_compare)
    communes_seen = len({c for c, _ in counts})
    return [
        (f"B. 4 alert rules over {communes_seen:,} communes", first_s, f"{first.raised:,} raised"),
        ("   evaluate again (deduplicated)", again_s, f"{again.raised} raised, {again.cleared} cleared"),
        ("   baseline: raw aggregation of the counts", raw_s, f"{len(counts):,} (commune, category) rows"),
        ("   baseline: numpy threshold of one rule", numpy_s, f"{flagged:,} communes over"),
    ]


def clustering(count: int) -> list[tuple[str, float, str]]:
    rng = np.random.default_rng(20261206)
    centres = rng.uniform([27.0, -1.0], [36.5, 8.0], size=(max(count // 40, 1), 2))
    near = centres[rng.integers(0, len(centres), count)] + rng.normal(0, 0.002, (count, 2))
    spread = rng.uniform([19.0, -8.6], [37.0, 11.9], (count // 4, 2))
    xy = np.vstack([near, spread])[:count]
    points = [SignalPoint(signal_id=str(i), point=GeoPoint(lat=float(a), lon=float(b)), commune="/DZ/16/1601",
                          severity=1 + i % 5) for i, (a, b) in enumerate(xy)]  # fmt: skip
    found, domain_s = timed(lambda: pockets.find_pockets(points, []))
    eps = pockets.DEFAULT_POCKETS.radius_m / EARTH_RADIUS_M
    dbscan = DBSCAN(eps=eps, min_samples=pockets.DEFAULT_POCKETS.min_points, metric="haversine", algorithm="ball_tree")
    labels, sk_s = timed(lambda: dbscan.fit_predict(np.radians(xy)))
    cell = 0.0045  # ~500 m of latitude

    def grid() -> int:
        _, per_cell = np.unique(np.floor(xy / cell).astype(np.int64), axis=0, return_counts=True)
        return int((per_cell >= pockets.DEFAULT_POCKETS.min_points).sum())

    dense, grid_s = timed(grid)
    return [
        (f"C. pockets over {count:,} points (domain)", domain_s, f"{len(found):,} pockets"),
        ("   baseline: scikit-learn DBSCAN alone", sk_s, f"{len(set(labels) - {-1}):,} clusters"),
        ("   baseline: numpy grid count (~500 m cells)", grid_s, f"{dense:,} dense cells"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the bench, measures nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.signals, args.due, args.points = 3_000, 50, 2_000
    client: MongoClient[Any] = MongoClient(MONGO_URI, tz_aware=True)
    database = client[f"bench_veille_{uuid.uuid4().hex[:8]}"]
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        _, seed_s = timed(lambda: seed(database, args.signals, args.due, now))
        print(f"seeded {args.signals:,} open signals over {COMMUNES:,} communes in {seed_s:.1f} s")
        rows = [*sweep(database, args.due, now), *alerts(database, now), *clustering(args.points)]
    finally:
        client.drop_database(database.name)
        client.close()
    print(f"{'measure':<52} {'seconds':>9}  result")
    for label, seconds, result in rows:
        print(f"{label:<52} {seconds:>9.3f}  {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
