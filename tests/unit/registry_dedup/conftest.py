"""Deduplication engine tests: pure functions, no service, broker or database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from registry.dedup import PersonRecord


@pytest.fixture
def person() -> Any:
    """Build a PersonRecord with a plausible default for every field not given."""

    def make(record_id: str, **fields: Any) -> PersonRecord:
        defaults: dict[str, Any] = {
            "given_name_ar": "محمد",
            "family_name_ar": "بن علي",
            "given_name_lat": "Mohamed",
            "family_name_lat": "Benali",
            "sex": "M",
            "birth_date": date(1985, 3, 14),
            "birth_year": 1985,
            "phone": "+213661234567",
            "area": "/DZ/16/1601",
        }
        return PersonRecord(id=record_id, **{**defaults, **fields})

    return make
