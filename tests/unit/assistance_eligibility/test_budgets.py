"""Budget periods and budget arithmetic (the Mongo repository over mongomock)."""

from __future__ import annotations

import uuid
from datetime import date

import mongomock
import pytest

from assistance.adapters.programmes import MongoProgrammeRepository
from assistance.budgets import budget_period, check_period
from common.errors import Conflict, ValidationFailed


@pytest.fixture
def repo() -> MongoProgrammeRepository:
    return MongoProgrammeRepository(mongomock.MongoClient(tz_aware=True)[f"assistance_{uuid.uuid4().hex[:6]}"])


def test_budget_periods() -> None:
    assert budget_period("monthly", date(2026, 3, 9)) == "2026-03"
    for kind in ("yearly", "one_off", "campaign"):
        assert budget_period(kind, date(2026, 3, 9)) == "2026"
    assert check_period("monthly", "2026-12") == "2026-12"
    assert check_period("campaign", "2026") == "2026"
    for kind, period in [("monthly", "2026"), ("monthly", "2026-13"), ("yearly", "2026-03"), ("yearly", "26")]:
        with pytest.raises(ValidationFailed):
            check_period(kind, period)


def used(repo: MongoProgrammeRepository, area: str = "/DZ/16") -> tuple[int, int, int, int]:
    budget = repo.get_budget("afs", area, "2026-03")
    assert budget is not None
    return budget["allocated_dzd"], budget["committed_dzd"], budget["spent_dzd"], budget["remaining_dzd"]


def test_commit_release_spend(repo: MongoProgrammeRepository) -> None:
    repo.set_budget("afs", "/DZ/16", "2026-03", 10_000, "u")
    repo.commit("afs", "/DZ/16/1601", "2026-03", 3_000, "r1")
    repo.commit("afs", "/DZ/16/1601", "2026-03", 3_000, "r1")  # repeated: applied once
    repo.commit("afs", "/DZ/16/1602", "2026-03", 4_000, "r2")
    assert used(repo) == (10_000, 7_000, 0, 3_000)
    repo.release("r1")
    repo.release("r1")
    repo.release("never-committed")
    assert used(repo) == (10_000, 4_000, 0, 6_000)
    repo.spend("r2")
    repo.spend("r2")
    assert used(repo) == (10_000, 0, 4_000, 6_000)
    repo.commit("afs", "/DZ/16/1602", "2026-03", 4_000, "r2")  # already paid: nothing more
    assert used(repo) == (10_000, 0, 4_000, 6_000)
    repo.commit("afs", "/DZ/16/1601", "2026-03", 3_000, "r1")  # released, then granted again
    assert used(repo) == (10_000, 3_000, 4_000, 3_000)


def test_over_commitment_is_refused_and_leaves_nothing(repo: MongoProgrammeRepository) -> None:
    repo.set_budget("afs", "/DZ/16", "2026-03", 5_000, "u")
    repo.commit("afs", "/DZ/16/1601", "2026-03", 5_000, "r1")
    with pytest.raises(Conflict) as raised:
        repo.commit("afs", "/DZ/16/1601", "2026-03", 1, "r2")
    assert raised.value.details["reason"] == "budget_exceeded"
    assert raised.value.details["remaining_dzd"] == 0
    assert raised.value.details["requested_dzd"] == 1
    assert used(repo) == (5_000, 5_000, 0, 0)
    with pytest.raises(Conflict):
        repo.spend("r2")
    repo.release("r1")
    repo.commit("afs", "/DZ/16/1601", "2026-03", 1, "r2")
    assert used(repo) == (5_000, 1, 0, 4_999)


def test_a_request_holds_one_commitment(repo: MongoProgrammeRepository) -> None:
    repo.set_budget("afs", "/DZ/16", "2026-03", 10_000, "u")
    repo.commit("afs", "/DZ/16/1601", "2026-03", 3_000, "r1")
    with pytest.raises(Conflict) as raised:
        repo.commit("afs", "/DZ/16/1601", "2026-03", 3_500, "r1")
    assert raised.value.details["reason"] == "committed_elsewhere"
    assert used(repo) == (10_000, 3_000, 0, 7_000)
    with pytest.raises(ValidationFailed):
        repo.commit("afs", "/DZ/16/1601", "2026-03", -1, "r9")


def test_the_nearest_budget_enclosing_the_area_is_used(repo: MongoProgrammeRepository) -> None:
    with pytest.raises(Conflict) as raised:
        repo.commit("afs", "/DZ/16/1601", "2026-03", 1, "r0")
    assert raised.value.details["reason"] == "no_budget"
    repo.set_budget("afs", "/DZ", "2026-03", 100, "u")
    repo.set_budget("afs", "/DZ/16", "2026-03", 1_000, "u")
    repo.set_budget("afs", "/DZ/16/1601", "2026-03", 10, "u")
    repo.commit("afs", "/DZ/16/1601", "2026-03", 10, "r1")
    repo.commit("afs", "/DZ/16/1602", "2026-03", 500, "r2")
    repo.commit("afs", "/DZ/31/3101", "2026-03", 60, "r3")
    assert used(repo, "/DZ/16/1601")[1] == 10
    assert used(repo, "/DZ/16")[1] == 500
    assert used(repo, "/DZ")[1] == 60
    with pytest.raises(Conflict):
        repo.commit("afs", "/DZ/16/1601", "2026-04", 1, "r4")  # another period has no budget


def test_allocation_changes_keep_what_is_used(repo: MongoProgrammeRepository) -> None:
    repo.set_budget("afs", "/DZ/16", "2026-03", 10_000, "u")
    repo.commit("afs", "/DZ/16/1601", "2026-03", 6_000, "r1")
    repo.set_budget("afs", "/DZ/16", "2026-03", 8_000, "u")
    assert used(repo) == (8_000, 6_000, 0, 2_000)
    repo.set_budget("afs", "/DZ/16", "2026-03", 8_000, "u")
    assert used(repo) == (8_000, 6_000, 0, 2_000)
    with pytest.raises(Conflict) as raised:
        repo.set_budget("afs", "/DZ/16", "2026-03", 5_999, "u")
    assert raised.value.details == {"reason": "below_commitments", "used_dzd": 6_000}
    repo.set_budget("afs", "/DZ/16", "2026-03", 12_000, "u")
    assert used(repo) == (12_000, 6_000, 0, 6_000)
    assert repo.get_budget("afs", "/DZ/16", "2027-03") is None
