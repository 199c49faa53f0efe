"""Per-commune indicators from veille's own signals: ``signals_<category>`` and ``signals_total`` over 30 days.

Reporting's read models live in reporting's database, which veille does not read; until reporting
answers them by RPC (or an event stream veille consumes), the alert rules read these counts. One
row per commune for the month of ``as_of``, counting the signals reported in the 30 days before it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from pymongo.database import Database

from common.contracts.signals import LEGACY_KINDS
from veille.adapters.signals import MongoSignals
from veille.domain.alerts import IndicatorRow
from veille.domain.signals import CATEGORIES

WINDOW = timedelta(days=30)
METRICS = frozenset({"signals_total", *(f"signals_{c}" for c in CATEGORIES)})


class SignalIndicators:
    def __init__(self, database: Database[Any]) -> None:
        self.signals = MongoSignals(database)

    def metrics(self) -> frozenset[str]:
        return METRICS

    def rows(self, as_of: datetime, also: set[str]) -> list[IndicatorRow]:
        values: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(METRICS, 0.0))
        for commune in also:
            values[commune]  # a commune with an open alert and no signal now: all zeros
        for (commune, category), count in self.signals.counts(as_of - WINDOW).items():
            row = values[commune]
            row[f"signals_{LEGACY_KINDS.get(category, category)}"] += count
            row["signals_total"] += count
        period = as_of.strftime("%Y-%m")
        return [IndicatorRow(commune=c, period=period, period_end=as_of.date(), values=v) for c, v in values.items()]
