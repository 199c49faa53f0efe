"""Rules versions: the one in force on a date, and what a version may be."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from assistance.eligibility import RuleSet, as_rule_set, programme_versions, rules_in_force
from common.errors import Conflict
from tests.unit.assistance_eligibility.conftest import at

CRITERIA = [{"kind": "assessed", "id": "assessed", "label_fr": "Enquête faite", "label_ar": "تحقيق منجز"}]


def version(number: int, activated_at: datetime) -> RuleSet:
    return RuleSet(version=number, activated_at=activated_at, criteria=CRITERIA)  # type: ignore[arg-type]


VERSIONS = [version(1, at(2024)), version(2, at(2025, 3)), version(3, at(2026))]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(at(2024), 1), (at(2025, 2, 28), 1), (at(2025, 3), 2), (at(2025, 12, 31), 2), (at(2026), 3), (at(2030), 3)],
)
def test_the_latest_version_activated_at_or_before_the_date_is_in_force(moment: datetime, expected: int) -> None:
    assert rules_in_force(VERSIONS, moment).version == expected
    assert rules_in_force(list(reversed(VERSIONS)), moment).version == expected


def test_no_rules_before_the_first_activation() -> None:
    with pytest.raises(Conflict) as raised:
        rules_in_force(VERSIONS, at(2023, 12, 31))
    assert raised.value.details == {"reason": "no_rules_in_force"}
    with pytest.raises(Conflict):
        rules_in_force([], at(2030))


def test_same_activation_date_goes_to_the_higher_version() -> None:
    assert rules_in_force([version(1, at(2025)), version(2, at(2025))], at(2025)).version == 2


def test_activation_needs_a_timezone_and_is_kept_to_the_second() -> None:
    with pytest.raises(ValidationError):
        version(1, datetime(2025, 1, 1))
    assert version(1, at(2025) + timedelta(microseconds=5)).activated_at == at(2025)


@pytest.mark.parametrize(
    "changes",
    [{"version": 0}, {"criteria": []}, {"criteria": CRITERIA * 2}, {"other": 1}],
)
def test_malformed_versions_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RuleSet.model_validate({"version": 1, "activated_at": "2025-01-01T00:00:00Z", "criteria": CRITERIA, **changes})


def test_versions_are_immutable_values() -> None:
    with pytest.raises(ValidationError):
        VERSIONS[0].version = 5  # type: ignore[misc]


def test_stored_versions_are_read_without_their_publication_details() -> None:
    stored = {**VERSIONS[1].model_dump(mode="json"), "published_at": "2025-02-01T10:00:00+00:00", "published_by": "u"}
    assert as_rule_set(stored) == VERSIONS[1]
    assert programme_versions({"rules_versions": [stored]}) == [VERSIONS[1]]
    assert programme_versions({}) == []
