"""The campaign totals adapter decides a move again when its guarded update matched nothing by chance.

"Matched nothing" means "this move was applied already" only when the move's tag is in the
window; an update that missed for another reason (a concurrent write) must not lose the gift.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import mongomock

from solidarity.adapters.campaign_totals import MongoCampaignTotals
from solidarity.domain.campaigns import new_campaign
from solidarity.domain.gifts import CashPayment, new_gift
from solidarity.domain.money import Money

TODAY = date(2026, 12, 6)


def world() -> tuple[Any, Any, Any]:
    campaign = new_campaign(
        id="c1", kind="winter", name_fr="Hiver", name_ar="شتاء", area="/DZ/16",
        starts_on=TODAY - timedelta(days=1), ends_on=TODAY + timedelta(days=30),
    ).transition("open", TODAY)  # fmt: skip
    gift = new_gift(
        id="g1", donor_id="d1", area="/DZ/16", received_on=TODAY,
        cash=CashPayment(Money.of("100", "DZD"), "counter"), campaign=campaign,
    )  # fmt: skip
    return campaign, gift, MongoCampaignTotals(mongomock.MongoClient()["solidarity"])


def test_an_update_that_missed_by_chance_is_decided_again_and_counts_once() -> None:
    campaign, gift, totals = world()
    real = totals.totals.find_one_and_update
    missed: list[int] = []

    def miss_once(*args: Any, **kwargs: Any) -> Any:
        if not missed:
            missed.append(1)
            return None  # as if a concurrent write had made the guarded update match nothing
        return real(*args, **kwargs)

    totals.add(campaign, gift, +1)  # creates the document
    totals.totals.find_one_and_update = miss_once
    second = new_gift(
        id="g2", donor_id="d1", area="/DZ/16", received_on=TODAY,
        cash=CashPayment(Money.of("50", "DZD"), "counter"), campaign=campaign,
    )  # fmt: skip
    after = totals.add(campaign, second, +1)
    assert missed and after is not None and after.gifts == 2
    assert totals.add(campaign, second, +1) is None  # applied: the same move again changes nothing
    assert totals.of(campaign.id).gifts == 2
