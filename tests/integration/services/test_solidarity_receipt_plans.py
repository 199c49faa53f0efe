"""The receipt register's hot queries read through an index, on the real database (see test_query_plans.py)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from pymongo.database import Database

from common.clock import now
from common.idempotency import KeyedRequest
from common.scope import Scope
from solidarity.adapters.receipts import MongoReceipts
from tests.integration.services.test_query_plans import DOCUMENTS, WILAYAS, Databases, assert_indexed, dbs

__all__ = ["dbs"]  # the module's database fixture, shared with test_query_plans

YEAR = 2026
rng = random.Random(20261206)


def entry(i: int) -> dict[str, Any]:
    wilaya = WILAYAS[i % len(WILAYAS)]
    commune = f"{wilaya}/{wilaya[-2:]}{i % 5 + 1:02d}"
    issuer = f"DAS-{wilaya[-2:]}"
    sequence = i // len(WILAYAS) + 1
    state = rng.choice(["valid"] * 18 + ["cancelled", "pending"])
    doc: dict[str, Any] = {
        "_id": f"{issuer}/{YEAR}/{sequence:06d}", "issuer": issuer, "year": YEAR, "sequence": sequence,
        "state": state, "taken_at": now() - timedelta(minutes=rng.randint(0, 600)), "taken_by": f"u{i % 50}",
        "area": commune, "area_ancestors": ["/DZ", wilaya, commune],
    }  # fmt: skip
    if state != "pending":
        doc |= {"kind": "gift", "donor_id": f"donor-{i % 700}", "gift_ids": [f"gift-{i}"], "amount_minor": 100_000,
                "currency": "DZD", "issued_on": f"{YEAR}-03-01", "donor_shown": True, "reason": None,
                "idempotency_key": f"u{i % 50}|key-{i}", "idempotency_fingerprint": "f"}  # fmt: skip
    return doc


@pytest.fixture(scope="module")
def register(dbs: Databases) -> MongoReceipts:
    database: Database[Any] = dbs["solidarity_receipts"]
    database["receipts"].insert_many([entry(i) for i in range(DOCUMENTS)])
    MongoReceipts.ensure_indexes(database)
    return MongoReceipts(database)


def test_the_register_of_a_wilaya_and_of_a_donor(dbs: Databases, register: MongoReceipts) -> None:
    assert_indexed(dbs, lambda: register.register(Scope("/DZ/16/1602"), None, None, None, 50, None), "area_ancestors")
    assert_indexed(dbs, lambda: register.register(Scope("/DZ"), None, None, "donor-42", 50, None), "donor_id")


def test_a_receipt_by_number_by_key_by_gift_and_a_donors_annual(dbs: Databases, register: MongoReceipts) -> None:
    assert_indexed(dbs, lambda: register.get("DAS-16/2026/000003"))
    assert_indexed(dbs, lambda: register.by_key(KeyedRequest("u3", "key-3", "f")), "idempotency_key")
    assert_indexed(dbs, lambda: register.annual("donor-42", YEAR), "donor_id")


def test_the_recovery_reads(dbs: Databases, register: MongoReceipts) -> None:
    assert_indexed(dbs, lambda: register.stale_pending(now() - timedelta(minutes=5)), "state")
    assert_indexed(dbs, lambda: register.sequences("DAS-16", YEAR, 200), "issuer")
    assert_indexed(dbs, lambda: register.last_taken("DAS-16", YEAR, now()), "issuer")
