"""Solidarity over the real broker and database: gifts announced through the outbox, the progress counter
against a recount under concurrent gifts, pledge payments and reminders once, statement imports once."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import eventlet
import pytest
from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database

from common.clock import now
from common.context import CallerContext
from solidarity.adapters.campaign_totals import recount
from solidarity.adapters.pledges import MongoPledges
from solidarity.app import pledges as pledging
from solidarity.service import SolidarityService
from tests.integration.services.conftest import MONGO_URI, PREFIX, eventually

WILAYA = "/DZ/16"


def as_(role: str, area: str) -> CallerContext:
    return CallerContext(user_id=f"it-{role}", roles=(role,), area=area, correlation_id=uuid.uuid4().hex)


def key() -> str:
    return f"it-{uuid.uuid4().hex}"


@pytest.fixture
def solidarity(start_service: Callable[[type[Any]], Any], rpc_as: Callable[[CallerContext], Any]) -> Any:
    start_service(SolidarityService)
    director, worker = rpc_as(as_("wilaya-director", WILAYA)), rpc_as(as_("social-worker", f"{WILAYA}/1601"))
    return director, worker


@pytest.fixture
def workers(rpc_as: Callable[[CallerContext], Any]) -> list[Any]:
    """Eight clients of the same worker (a client is used by one green thread at a time)."""
    caller = as_("social-worker", f"{WILAYA}/1601")
    return [rpc_as(caller) for _ in range(8)]


@pytest.fixture
def db() -> Database[Any]:
    return MongoClient(MONGO_URI)[f"{PREFIX}solidarity"]


def open_campaign(director: Any) -> dict[str, Any]:
    today = now().date()
    body = {
        "kind": "ramadan", "name_fr": "Ramadan solidaire", "name_ar": "رمضان", "area": WILAYA,
        "starts_on": (today - timedelta(days=1)).isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(),
        "goals": {"amount": {"amount": "1000", "currency": "DZD"}},
    }  # fmt: skip
    created = director.solidarity.create_campaign(body, key())
    return director.solidarity.move_campaign(created["id"], {"to": "open"}, key())  # type: ignore[no-any-return]


def test_concurrent_gifts_count_exactly_and_are_announced(
    solidarity: Any, workers: list[Any], db: Database[Any]
) -> None:
    director, worker = solidarity
    campaign = open_campaign(director)
    donor = worker.solidarity.register_donor({"kind": "person", "name": "Samir H", "area": f"{WILAYA}/1601"}, key())
    body = {"donor_id": donor["id"], "campaign_id": campaign["id"], "cash": {"amount": "12.50", "channel": "counter"}}
    pool = eventlet.GreenPool(8)
    twice = pool.imap(lambda client: [client.solidarity.record_gift(body, key()) for _ in range(2)], workers)
    gifts = [gift for pair in twice for gift in pair]
    assert len({g["id"] for g in gifts}) == 16
    director.solidarity.withdraw_gift(gifts[0]["id"], "refund", {"reason": "Rendu au donateur"}, key())
    progress = director.solidarity.campaign_progress(campaign["id"])
    assert progress["gifts"] == 15 and progress["raised"] == {"DZD": 15 * 1250}
    counted = recount(db, campaign["id"])  # the aggregation over the gifts agrees with the counter
    assert (counted.gifts, dict(counted.money)) == (15, {"DZD": 15 * 1250})
    assert progress["goals"] == [{"goal": "amount", "reached": 18750, "target": 100000, "percent": 18}]
    # the relay published every donation_recorded (and the campaign_progressed of each tenth passed)
    eventually(lambda: db["gifts"].count_documents({"_outbox.0": {"$exists": True}}) == 0)
    eventually(lambda: db["campaign_totals"].count_documents({"_outbox.0": {"$exists": True}}) == 0)


def test_a_replayed_gift_key_counts_once(solidarity: Any, workers: list[Any], db: Database[Any]) -> None:
    director, worker = solidarity
    campaign = open_campaign(director)
    donor = worker.solidarity.register_donor({"kind": "person", "name": "Amel B", "area": f"{WILAYA}/1601"}, key())
    body = {"donor_id": donor["id"], "campaign_id": campaign["id"], "cash": {"amount": "5", "channel": "counter"}}
    same = key()
    pool = eventlet.GreenPool(8)
    answers = list(pool.imap(lambda client: client.solidarity.record_gift(body, same), workers))
    assert len({a["id"] for a in answers}) == 1
    assert db["gifts"].count_documents({"campaign_id": campaign["id"]}) == 1
    assert director.solidarity.campaign_progress(campaign["id"])["gifts"] == 1


def test_pledge_payments_reminders_and_statements_apply_once(solidarity: Any, db: Database[Any]) -> None:
    director, worker = solidarity
    donor = worker.solidarity.register_donor({"kind": "person", "name": "Yacine B", "area": f"{WILAYA}/1601"}, key())
    today = now().date()
    body = {
        "donor_id": donor["id"], "total": {"amount": "300"},
        "instalments": [{"due_on": (today + timedelta(days=1)).isoformat(), "amount": "100"},
                        {"due_on": (today + timedelta(days=31)).isoformat(), "amount": "200"}],
    }  # fmt: skip
    pledge = worker.solidarity.create_pledge(body, key())
    pledges = MongoPledges(db)
    assert pledging.remind(pledges, today) == 1
    assert pledging.remind(pledges, today) == 0  # once a day
    eventually(lambda: db["pledges"].count_documents({"_outbox.0": {"$exists": True}}) == 0)  # published

    transfer = {"donor_id": donor["id"], "cash": {"amount": "40", "channel": "ccp", "reference": "CCP-55"}}
    gift = worker.solidarity.record_gift(transfer, key())
    csv = f"date;amount;reference\n{today};40,00;CCP-55\n{today};150;{pledge['reference']}\n{today};9;NOPE\n"
    content = base64.b64encode(csv.encode()).decode()
    reports = [director.solidarity.import_statement(content, "DZD", key()) for _ in range(2)]
    assert [m["gift_id"] for m in reports[0]["matched_gifts"]] == [gift["id"]]
    assert [m["pledge_id"] for m in reports[0]["matched_pledges"]] == [pledge["id"]]
    assert [u["reason"] for u in reports[0]["unmatched"]] == ["no_known_reference"]
    assert not reports[1]["matched_gifts"] and not reports[1]["matched_pledges"]
    assert sorted(reports[1]["already_imported"]) == [2, 3]
    paid = director.solidarity.get_pledge(pledge["id"])
    assert paid["paid"]["amount_minor"] == 15000 and [i["paid_minor"] for i in paid["instalments"]] == [10000, 5000]
    assert db["gifts"].find_one({"_id": ObjectId(gift["id"])})["credit_line"]


def test_a_statement_line_left_half_applied_is_finished_once_by_another_importer(
    solidarity: Any, rpc_as: Callable[[CallerContext], Any], db: Database[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    director, worker = solidarity
    donor = worker.solidarity.register_donor({"kind": "person", "name": "Lina K", "area": f"{WILAYA}/1601"}, key())
    today = now().date()
    body = {"donor_id": donor["id"], "total": {"amount": "100"}, "monthly": 1, "first_due": today.isoformat()}
    pledge = worker.solidarity.create_pledge(body, key())
    content = base64.b64encode(f"date,amount,reference\n{today},60,{pledge['reference']}\n".encode()).decode()
    original = pledging.pay
    monkeypatch.setattr(pledging, "pay", lambda *args, **kwargs: (_ for _ in ()).throw(RuntimeError("died")))
    with pytest.raises(Exception, match="died"):
        director.solidarity.import_statement(content, "DZD", key())
    monkeypatch.setattr(pledging, "pay", original)
    others = [rpc_as(CallerContext(user_id=f"it-director-{n}", roles=("wilaya-director",), area=WILAYA,
                                   correlation_id=uuid.uuid4().hex)) for n in range(2)]  # fmt: skip
    first, second = (other.solidarity.import_statement(content, "DZD", key()) for other in others)
    assert [m["pledge_id"] for m in first["matched_pledges"]] == [pledge["id"]]
    assert not second["matched_pledges"] and second["already_imported"] == [2]
    assert director.solidarity.get_pledge(pledge["id"])["paid"]["amount_minor"] == 6000
    assert db["gifts"].count_documents({"donor_id": donor["id"]}) == 1
