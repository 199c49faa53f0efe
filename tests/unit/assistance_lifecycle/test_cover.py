"""Cover claims: what an approval claims, and who wins when two claim the same months."""

from __future__ import annotations

import mongomock
import pytest

from assistance.adapters.cover_claims import MongoCoverClaims
from assistance.domain.cover import cover_keys, months
from common.errors import ValidationFailed


def test_a_year_is_its_twelve_months_and_a_month_is_itself() -> None:
    assert months("2026") == [f"2026-{m:02d}" for m in range(1, 13)]
    assert months("2026-12") == ["2026-12"]
    with pytest.raises(ValidationFailed):
        months("mars 2026")


def test_keys_cover_every_household_once() -> None:
    assert cover_keys("medical_care", ["b", "a", "b"], "2026-03") == [
        "medical_care|a|2026-03",
        "medical_care|b|2026-03",
    ]


@pytest.fixture
def claims() -> MongoCoverClaims:
    database = mongomock.MongoClient().db
    MongoCoverClaims.ensure_indexes(database)
    return MongoCoverClaims(database)


def test_the_second_claimant_of_a_month_loses_and_keeps_nothing(claims: MongoCoverClaims) -> None:
    assert claims.claim("r1", cover_keys("income_support", ["h1"], "2026-03")) == []
    yearly = cover_keys("income_support", ["h1", "h2"], "2026")
    assert claims.claim("r2", yearly) == ["r1"]
    assert claims.release("r2") == 0  # its claims on the other months were taken back at once
    assert claims.claim("r1", cover_keys("income_support", ["h1"], "2026-03")) == []  # a replay is its own
    assert claims.claim("r3", cover_keys("income_support", ["h1"], "2026-04")) == []  # another month is free
    assert claims.release("r1") == 1
    assert claims.claim("r2", yearly) == ["r3"]


def test_more_keys_than_one_write_holds(claims: MongoCoverClaims) -> None:
    many = cover_keys("winter", [f"h{i}" for i in range(10)], "2026")
    assert len(many) == 120
    assert claims.claim("r1", many) == []
    assert claims.claim("r2", many[60:]) == ["r1"]
    assert claims.release("r1") == 120
