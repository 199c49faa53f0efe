"""Campaigns: fields' rules, guarded lifecycle, what gifts they accept, who they reach, progress per goal."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from common.errors import Conflict, InvalidTransition, ValidationFailed
from common.scope import Scope
from solidarity.domain.campaigns import Campaign, Goals, Totals, new_campaign, progress, totals_of
from solidarity.domain.gifts import CashPayment, ItemLine, new_gift
from solidarity.domain.money import Money
from tests.unit.solidarity.refusal import refused

DZD = "DZD"
TODAY = date(2027, 1, 15)


def campaign(**changes: Any) -> Campaign:
    fields: dict[str, Any] = {
        "id": "c1",
        "kind": "ramadan",
        "name_fr": "Ramadan 1448",
        "name_ar": "رمضان 1448",
        "area": "/DZ/16",
        "starts_on": date(2027, 2, 1),
        "ends_on": date(2027, 3, 15),
        "currencies": ("DZD", "EUR"),
        "published_areas": ("/DZ/16/1601", "/DZ/16/1602"),
        "categories": ("widow", "orphan"),
        "goals": Goals(Money.of("1000000", DZD), {"food_parcel": 500}),
    }
    return new_campaign(**(fields | changes))


def opened(**changes: Any) -> Campaign:
    return campaign(**changes).transition("open", TODAY)


def test_a_new_campaign_is_a_draft_with_its_fields() -> None:
    made = campaign()
    assert made.state == "draft"
    assert made.published_areas == ("/DZ/16/1601", "/DZ/16/1602")
    assert made.currencies == frozenset({"DZD", "EUR"})
    assert campaign(published_areas=()).published_areas == ("/DZ/16",)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "summer"}, "campaign_kind_unknown"),
        ({"name_ar": "  "}, "campaign_name_missing"),
        ({"published_areas": ("/DZ/31",)}, "published_area_outside"),
        ({"ends_on": None}, "campaign_period_open"),
        ({"ends_on": date(2027, 1, 1)}, "campaign_period_reversed"),
        ({"currencies": ()}, "campaign_currencies_missing"),
        ({"currencies": ("DZD", "XXX")}, "currency_unknown"),
        ({"currencies": ("EUR",)}, "currency_not_accepted"),  # the amount goal is in DZD
    ],
)
def test_a_campaign_breaking_a_rule_is_refused(changes: dict[str, Any], code: str) -> None:
    refused(code, campaign, **changes)


def test_a_permanent_campaign_needs_no_end() -> None:
    assert campaign(kind="permanent", ends_on=None).ends_on is None


def test_goals_are_positive() -> None:
    refused("amount_not_positive", Goals, Money.of("0", DZD))
    refused("goal_quantity_not_positive", Goals, None, {"blanket": 0})
    refused("goal_quantity_not_positive", Goals, None, {"blanket": True})
    refused("goal_item_unnamed", Goals, None, {" ": 3})


def test_the_lifecycle_goes_draft_open_closed_archived_and_no_other_way() -> None:
    archived = campaign().transition("open", TODAY).transition("closed", TODAY).transition("archived", TODAY)
    assert archived.state == "archived"
    assert campaign().transition("archived", TODAY).state == "archived"  # a draft abandoned
    error = refused("campaign_transition_refused", campaign().transition, "closed", TODAY)
    assert isinstance(error, InvalidTransition)
    assert error.details["state"] == "draft" and error.details["allowed"] == ["archived", "open"]
    refused("campaign_transition_refused", opened().transition, "draft", TODAY)
    refused("campaign_transition_refused", archived.transition, "open", TODAY)


def test_a_campaign_whose_period_is_over_does_not_open() -> None:
    assert campaign().transition("open", date(2027, 3, 15)).state == "open"  # its last day
    error = refused("campaign_period_over", campaign().transition, "open", date(2027, 3, 16))
    assert isinstance(error, Conflict)
    assert campaign(kind="permanent", ends_on=None).transition("open", date(2099, 1, 1)).state == "open"


def test_only_an_open_campaign_takes_a_gift_in_a_currency_it_takes() -> None:
    opened().check_accepts(Money.of("10", "EUR"))
    error = refused("campaign_not_open", campaign().check_accepts, Money.of("10", DZD))
    assert isinstance(error, Conflict)
    refused("campaign_not_open", opened().transition("closed", TODAY).check_accepts, Money.of("10", DZD))
    error = refused("currency_not_accepted", opened().check_accepts, Money.of("10", "MAD"))
    assert isinstance(error, ValidationFailed) and error.details["accepted"] == ["DZD", "EUR"]


def test_a_gift_restricted_to_an_area_must_fall_inside_the_campaigns_areas() -> None:
    opened().check_accepts(Money.of("10", DZD), "/DZ/16/1601/cell-1")
    refused("restriction_outside_campaign", opened().check_accepts, Money.of("10", DZD), "/DZ/16/1603")


def test_a_campaign_reaches_the_scopes_it_is_published_in_above_or_below() -> None:
    made = campaign()
    assert made.reached_by(Scope("/DZ/16/1601"))
    assert made.reached_by(Scope("/DZ/16/1601/cell-1"))
    assert made.reached_by(Scope("/DZ/16"))  # the directorate sees its communes' campaigns
    assert not made.reached_by(Scope("/DZ/16/1603"))
    assert not made.reached_by(Scope("/DZ/31"))


def test_progress_counts_standing_gifts_against_each_goal() -> None:
    live = opened()

    def cash(gid: str, amount: str, currency: str = DZD) -> Any:
        return new_gift(id=gid, donor_id="d", area="/DZ/16/1601", received_on=date(2027, 2, 2),
                        cash=CashPayment(Money.of(amount, currency), "counter"), campaign=live)  # fmt: skip

    lines = [ItemLine("food_parcel", 120, Money.of("4000", DZD)), ItemLine("blanket", 3, Money.of("900", DZD))]
    parcels = new_gift(id="k", donor_id="d", area="/DZ/16/1601", received_on=date(2027, 2, 2), campaign=live,
                       items=lines)  # fmt: skip
    gifts = [
        cash("a", "250000"),
        cash("b", "0.50"),
        cash("c", "100", "EUR"),
        parcels,
        cash("x", "999999").cancelled("mistake"),
    ]
    result = progress(live, totals_of(gifts))
    amount, food = result.goals
    assert (amount.goal, amount.reached, amount.target) == ("amount", 25000050, 100000000)
    assert amount.percent == 25
    assert (food.goal, food.reached, food.percent) == ("food_parcel", 120, 24)
    assert result.raised == {"DZD": 25000050, "EUR": 10000}  # another currency is reported, not converted
    assert result.gifts == 4


def test_progress_of_a_campaign_without_gifts_or_goals() -> None:
    assert [g.reached for g in progress(campaign(), Totals()).goals] == [0, 0]
    assert progress(campaign(goals=None), Totals()).goals == ()


def test_progress_passes_the_goal_without_error() -> None:
    result = progress(campaign(), Totals({"DZD": 150000000}, {"food_parcel": 500}, 3))
    assert [g.percent for g in result.goals] == [150, 100]
