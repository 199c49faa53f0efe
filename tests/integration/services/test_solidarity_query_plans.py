"""The solidarity service's hot queries read through an index, on the real database.

Same method as ``test_query_plans`` (its fixture and check are reused): gifts seeded over
many campaigns, donors and communes, the indexes built by the adapters, and each query the
adapter really sends explained: gifts by campaign and by donor, donors by user id, campaigns
reaching an area, pledges due for a reminder and by transfer reference, transfers awaiting
their statement line.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo.database import Database

from common.scope import Scope
from solidarity.adapters.campaign_totals import MongoCampaignTotals
from solidarity.adapters.campaigns import MongoCampaigns
from solidarity.adapters.donors import MongoDonors
from solidarity.adapters.gifts import MongoGifts
from solidarity.adapters.pledges import MongoPledges
from tests.integration.services.test_query_plans import (
    COMMUNE,
    COMMUNES,
    DOCUMENTS,
    TODAY,
    WILAYAS,
    Databases,
    ancestors,
    assert_indexed,
    commune_of,
    dbs,  # noqa: F401  # the module's database fixture
)

CAMPAIGNS = [str(ObjectId()) for _ in range(50)]
DONORS = [str(ObjectId()) for _ in range(DOCUMENTS // 5)]


@pytest.fixture(scope="module")
def solidarity(dbs: Databases) -> Database[Any]:  # noqa: F811
    database = dbs["solidarity"]
    for adapter in (MongoCampaigns, MongoCampaignTotals, MongoDonors, MongoGifts, MongoPledges):
        adapter.ensure_indexes(database)
    day = datetime.combine(TODAY, time())
    database["donors"].insert_many(
        {
            "_id": ObjectId(donor), "kind": "person", "name": "seed", "area": commune_of(i),
            "area_ancestors": ancestors(commune_of(i)), "consent": {"channels": []}, "anonymous_public": False,
            **({"user_id": f"user-{i}"} if i % 3 == 0 else {}),
        }
        for i, donor in enumerate(DONORS)
    )  # fmt: skip
    database["gifts"].insert_many(
        {
            "donor_id": DONORS[i % len(DONORS)], "area": commune_of(i), "area_ancestors": ancestors(commune_of(i)),
            "received_on": day, "campaign_id": CAMPAIGNS[i % len(CAMPAIGNS)], "state": "recorded", "items": [],
            "cash": {"amount_minor": 1000 + i, "currency": "DZD", "channel": "bank_transfer", "reference": f"VIR-{i}"},
            "payment_reference": f"VIR-{i}",
        }
        for i in range(DOCUMENTS)
    )  # fmt: skip
    database["campaigns"].insert_many(
        {
            "_id": ObjectId(campaign), "kind": "winter", "name_fr": "seed", "name_ar": "seed",
            "area": WILAYAS[i % len(WILAYAS)], "area_ancestors": ancestors(WILAYAS[i % len(WILAYAS)]),
            "published_areas": [WILAYAS[i % len(WILAYAS)]],
            "published_ancestors": ancestors(WILAYAS[i % len(WILAYAS)]),
            "starts_on": day, "ends_on": day + timedelta(days=30), "currencies": ["DZD"], "categories": [],
            "goals": {"amount": None, "items": {}}, "state": "open",
        }
        for i, campaign in enumerate(CAMPAIGNS)
    )  # fmt: skip
    database["pledges"].insert_many(
        {
            "donor_id": DONORS[i % len(DONORS)], "area": commune_of(i), "area_ancestors": ancestors(commune_of(i)),
            "currency": "DZD", "total_minor": 1000,
            "instalments": [{"due_on": day + timedelta(days=i), "amount_minor": 1000, "paid": 0, "reminded_on": None}],
            "campaign_id": None, "state": "active", "reason": None, "reference": f"PLG-{i:024d}",
            "next_due": day + timedelta(days=i), "version": 1, "applied": [],
        }
        for i in range(DOCUMENTS)
    )  # fmt: skip
    return database


def test_gifts_by_campaign_and_by_donor(dbs: Databases, solidarity: Database[Any]) -> None:  # noqa: F811
    gifts = MongoGifts(solidarity)
    assert_indexed(dbs, lambda: gifts.find(None, None, CAMPAIGNS[3], 200), uses="campaign_id")
    assert_indexed(dbs, lambda: gifts.count(Scope("/DZ"), None, CAMPAIGNS[3]))
    assert_indexed(dbs, lambda: gifts.find(None, DONORS[7], None, 200), uses="donor_id")
    assert_indexed(dbs, lambda: gifts.find(Scope(COMMUNE), None, None, 200))
    assert_indexed(dbs, lambda: gifts.awaiting_credit(Scope(COMMUNE), ["VIR-7", "VIR-8"]))
    assert_indexed(dbs, lambda: gifts.unsettled(datetime.now(), 500), uses="settle.since")  # the settle timer


def test_donors_by_user_and_by_area(dbs: Databases, solidarity: Database[Any]) -> None:  # noqa: F811
    donors = MongoDonors(solidarity)
    assert_indexed(dbs, lambda: donors.of_user("user-3"), uses="user_id")
    assert_indexed(dbs, lambda: donors.within(Scope(COMMUNES[11]), 200))


def test_campaigns_reaching_an_area_and_progress(dbs: Databases, solidarity: Database[Any]) -> None:  # noqa: F811
    assert_indexed(dbs, lambda: MongoCampaigns(solidarity).reaching(Scope(COMMUNE)))
    assert_indexed(dbs, lambda: MongoCampaignTotals(solidarity).of(CAMPAIGNS[0]))


def test_pledges_due_and_by_reference(dbs: Databases, solidarity: Database[Any]) -> None:  # noqa: F811
    pledges = MongoPledges(solidarity)
    assert_indexed(dbs, lambda: pledges.due_by(TODAY + timedelta(days=3)), uses="next_due")
    assert_indexed(dbs, lambda: pledges.by_reference(Scope("/DZ"), [f"PLG-{7:024d}"]), uses="reference")
    assert_indexed(dbs, lambda: pledges.find(None, DONORS[2], 200), uses="donor_id")
