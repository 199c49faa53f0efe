"""Pockets: DBSCAN over haversine distances, households counted around, exclusion errors, coverage gaps."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from veille.domain.pockets import HouseholdPoint, PocketConfig, SignalPoint, coverage_gaps, find_pockets
from veille.domain.signals import GeoPoint

BAB = "/DZ/16/1601"
HYDRA = "/DZ/16/1602"
M = 1 / 111_195  # one metre of latitude, in degrees


def near(lat: float, lon: float, i: int, step_m: float = 40) -> GeoPoint:
    """The i-th point of a small grid around (lat, lon), ``step_m`` apart."""
    return GeoPoint(lat=lat + (i % 3) * step_m * M, lon=lon + (i // 3) * step_m * M)


def signals_at(lat: float, lon: float, n: int, commune: str, prefix: str) -> list[SignalPoint]:
    return [SignalPoint(signal_id=f"{prefix}{i}", point=near(lat, lon, i), commune=commune, severity=1 + i % 5)
            for i in range(n)]  # fmt: skip


def households_at(lat: float, lon: float, n: int, commune: str, **flags: bool) -> list[HouseholdPoint]:
    return [HouseholdPoint(household_id=f"h-{commune}-{lat}-{i}", point=near(lat, lon, i), commune=commune, **flags)
            for i in range(n)]  # fmt: skip


def test_a_pocket_of_signals_with_no_household_around_is_a_likely_exclusion_error() -> None:
    excluded = signals_at(36.79, 3.05, 6, BAB, "a")
    covered = signals_at(36.75, 3.04, 5, HYDRA, "b")
    noise = [SignalPoint(signal_id="lone", point=GeoPoint(lat=36.0, lon=4.0), commune=BAB, severity=5)]
    households = households_at(36.75, 3.04, 10, HYDRA, assisted=True)
    first, second = find_pockets([*excluded, *covered, *noise], households)
    assert (first.signals, first.communes, first.registered_nearby, first.assisted_nearby) == (6, (BAB,), 0, 0)
    assert first.exclusion == ("few_registered", "few_assisted") and first.likely_exclusion
    assert first.visit_list == ("a4", "a3", "a2", "a1", "a0", "a5")  # most severe first
    assert abs(first.centre.lat - 36.79) < 0.001 and 0 < first.radius_m < 150
    assert (second.signals, second.registered_nearby, second.assisted_nearby, second.exclusion) == (5, 10, 10, ())
    assert "lone" not in first.visit_list + second.visit_list


def test_registered_but_unassisted_households_leave_only_the_assistance_gap() -> None:
    [pocket] = find_pockets(signals_at(36.79, 3.05, 6, BAB, "a"), households_at(36.79, 3.05, 8, BAB))
    assert (pocket.registered_nearby, pocket.assisted_nearby, pocket.exclusion) == (8, 0, ("few_assisted",))


def test_high_score_households_form_pockets_with_or_without_signals() -> None:
    poor = households_at(35.7, 0.63, 6, "/DZ/31/3101", high_score=True)
    [pocket] = find_pockets([], poor)
    assert (pocket.signals, pocket.high_score_households, pocket.registered_nearby) == (0, 6, 6)
    assert pocket.exclusion == () and pocket.visit_list == ()  # too few signals to judge


def test_points_farther_apart_than_the_radius_make_no_pocket() -> None:
    apart = [SignalPoint(signal_id=f"s{i}", point=near(36.79, 3.05, i, step_m=900), commune=BAB, severity=3)
             for i in range(9)]  # fmt: skip
    assert find_pockets(apart, []) == []
    assert len(find_pockets(apart, [], PocketConfig(radius_m=1000))) == 1
    assert find_pockets([], []) == []


def test_the_thresholds_are_configuration() -> None:
    config = PocketConfig(min_signals=10)
    [pocket] = find_pockets(signals_at(36.79, 3.05, 6, BAB, "a"), [], config)
    assert pocket.exclusion == ()
    with pytest.raises(ValidationError):
        PocketConfig(min_points=1)


def test_coverage_gaps_are_the_communes_without_an_assisted_household() -> None:
    households = [*households_at(36.75, 3.04, 2, HYDRA, assisted=True), *households_at(36.79, 3.05, 2, BAB)]
    assert coverage_gaps([BAB, HYDRA, "/DZ/16/1603"], households) == [BAB, "/DZ/16/1603"]
