"""Signals for the veille domain tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from veille.domain.signals import Signal, SignalDraft, report

T0 = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
ALGIERS = "/DZ/16/1601"


def draft(**changes: Any) -> SignalDraft:
    fields: dict[str, Any] = {
        "category": "street_child",
        "severity": 4,
        "area": ALGIERS,
        "point": {"lat": 36.77, "lon": 3.06},
        "description": "a child sleeping near the station",
        "persons": {"count": 1},
        "reporter": {"kind": "hotline", "name": "Samia", "phone": "0550000000"},
        "protected": {"child_protection": "about 9 years old, bruises"},
    }
    return SignalDraft.model_validate({**fields, **changes})


def signal(id: str = "s1", at: datetime = T0, **changes: Any) -> Signal:
    return report(draft(**changes), id=id, by="u-agent", at=at).signal
