"""Pledges (schedule, payments as gifts, reminders) and statement imports, over the dict fakes."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest

from common.clock import now
from common.contracts.events import PledgeDue
from common.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from solidarity.app import pledges as pledging
from tests.unit.services.test_solidarity_gifts import (
    AUDITOR,
    DIRECTOR_16,
    DIRECTOR_31,
    DONOR,
    NATIONAL,
    WORKER_1601,
    WORKER_3101,
    World,
    cash,
    code,
    key,
    open_campaign,
    walk_in,
)


@pytest.fixture
def world() -> World:
    return World()


def today(offset: int = 0) -> str:
    return (now().date() + timedelta(days=offset)).isoformat()


def pledge_body(donor_id: str, **over: Any) -> dict[str, Any]:
    body = {
        "donor_id": donor_id,
        "total": {"amount": "3000", "currency": "DZD"},
        "instalments": [{"due_on": today(2), "amount": "1000"}, {"due_on": today(32), "amount": "2000"}],
    }
    return {**body, **over}


def test_a_pledge_is_paid_by_gifts_applied_once_to_the_oldest_instalments(world: World) -> None:
    campaign = open_campaign(world)
    donor = walk_in(world)
    pledge = world.as_(WORKER_1601).create_pledge(pledge_body(donor["id"], campaign_id=campaign["id"]), key())
    assert pledge["fulfilment"] == "pending" and pledge["reference"] == f"PLG-{pledge['id'].upper()}"
    same = key()
    paid = world.as_(WORKER_1601).pay_pledge(pledge["id"], {"amount": "1500", "channel": "counter"}, same)
    assert [i["paid_minor"] for i in paid["instalments"]] == [100000, 50000] and paid["fulfilment"] == "partial"
    again = world.as_(WORKER_1601).pay_pledge(pledge["id"], {"amount": "1500", "channel": "counter"}, same)
    assert again["paid"]["amount_minor"] == 150000  # the replay applied nothing
    assert len(world.gifts.by_id) == 1 and world.as_(WORKER_1601).campaign_progress(campaign["id"])["gifts"] == 1
    with pytest.raises(ValidationFailed) as over:
        world.as_(WORKER_1601).pay_pledge(pledge["id"], {"amount": "2000", "channel": "counter"}, key())
    assert code(over) == "payment_exceeds_pledge" and len(world.gifts.by_id) == 1  # nothing recorded
    done = world.as_(WORKER_1601).pay_pledge(pledge["id"], {"amount": "1500", "channel": "counter"}, key())
    assert done["state"] == "fulfilled" and done["fulfilment"] == "fulfilled"
    with pytest.raises(Conflict) as closed:
        world.as_(WORKER_1601).pay_pledge(pledge["id"], {"amount": "1", "channel": "counter"}, key())
    assert code(closed) == "pledge_not_active"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"instalments": [{"due_on": today(1), "amount": "1000"}]}, "instalments_sum_mismatch"),
        ({"total": {"amount": "0"}, "instalments": [{"due_on": today(1), "amount": "0"}]}, "amount_not_positive"),
        ({"instalments": []}, "schedule_empty"),
        ({"total": {"amount": "3000", "currency": "EUR"}}, "currency_not_accepted"),
    ],
)
def test_bad_pledges_are_refused_and_nothing_stored(world: World, change: dict[str, Any], expected: str) -> None:
    campaign = open_campaign(world)
    donor = walk_in(world)
    with pytest.raises(DomainError) as refused:
        world.as_(WORKER_1601).create_pledge(pledge_body(donor["id"], campaign_id=campaign["id"], **change), key())
    assert code(refused) == expected and not world.pledges.by_id


def test_a_monthly_pledge_and_who_sees_it(world: World) -> None:
    donor = walk_in(world)
    body = {"donor_id": donor["id"], "total": {"amount": "1000"}, "monthly": 3, "first_due": today(5)}
    pledge = world.as_(WORKER_1601).create_pledge(body, key())
    assert [i["amount_minor"] for i in pledge["instalments"]] == [33333, 33333, 33334]
    for who in (WORKER_1601, DIRECTOR_16, AUDITOR, NATIONAL):
        assert world.as_(who).get_pledge(pledge["id"])["id"] == pledge["id"]
        assert world.as_(who).list_pledges()["total"] == 1
    for who in (WORKER_3101, DIRECTOR_31):
        with pytest.raises(NotFound):
            world.as_(who).get_pledge(pledge["id"])
        with pytest.raises(NotFound):
            world.as_(who).pay_pledge(pledge["id"], {"amount": "1", "channel": "counter"}, key())
        assert world.as_(who).list_pledges() == {"items": [], "total": 0}
    with pytest.raises(Forbidden):
        world.as_(AUDITOR).cancel_pledge(pledge["id"], {"reason": "x"}, key())
    cancelled = world.as_(DIRECTOR_16).cancel_pledge(pledge["id"], {"reason": "Le donateur renonce"}, key())
    assert cancelled["state"] == "cancelled" and cancelled["fulfilment"] == "cancelled"


def test_a_donor_pledges_and_sees_only_their_own(world: World) -> None:
    campaign = open_campaign(world)
    world.as_(DONOR, "donor-a").register_donor({"kind": "person", "name": "Farid", "area": "/DZ/16"}, key())
    world.as_(DONOR, "donor-b").register_donor({"kind": "person", "name": "Nadia", "area": "/DZ/31"}, key())
    body = {"total": {"amount": "200"}, "monthly": 2, "first_due": today(3), "campaign_id": campaign["id"]}
    mine = world.as_(DONOR, "donor-a").create_pledge(body, key())
    assert mine["area"] == "/DZ/16"
    with pytest.raises(NotFound):
        world.as_(DONOR, "donor-b").get_pledge(mine["id"])
    assert world.as_(DONOR, "donor-b").list_pledges()["total"] == 0
    with pytest.raises(ValidationFailed):  # donors pay by card, CCP or transfer
        world.as_(DONOR, "donor-a").pay_pledge(mine["id"], {"amount": "100", "channel": "counter"}, key())
    paid = world.as_(DONOR, "donor-a").pay_pledge(
        mine["id"], {"amount": "100", "channel": "card", "reference": "T1"}, key()
    )
    assert paid["paid"]["amount_minor"] == 10000


def test_reminders_go_out_once_a_day_per_instalment(world: World) -> None:
    donor = walk_in(world)
    pledge = world.as_(WORKER_1601).create_pledge(pledge_body(donor["id"]), key())
    day = now().date()
    assert pledging.remind(world.pledges, day) == 1  # the first instalment, due in two days
    assert pledging.remind(world.pledges, day) == 0  # not twice the same day
    assert pledging.remind(world.pledges, day + timedelta(days=3)) == 0  # not again before the repeat
    assert pledging.remind(world.pledges, day + timedelta(days=7)) == 1
    due = [e for e in world.pledges.events if isinstance(e, PledgeDue)]
    assert {(e.pledge_id, e.amount_minor, e.outstanding_minor) for e in due} == {(pledge["id"], 100000, 100000)}
    assert "Haddad" not in str([e.model_dump() for e in due])


def statement(*rows: str, header: str = "date,amount,reference,label") -> str:
    return base64.b64encode(("\n".join((header, *rows)) + "\n").encode()).decode()


def test_a_statement_matches_transfers_and_pledges_once_and_reports_the_rest(world: World) -> None:
    donor = walk_in(world)
    transfer = world.as_(WORKER_1601).record_gift(
        {"donor_id": donor["id"], "cash": cash("700", "bank_transfer", "VIR-2026-77")}, key()
    )
    pledge = world.as_(WORKER_1601).create_pledge(pledge_body(donor["id"]), key())
    content = statement(
        f"{today()},700.00,VIR-2026-77,Virement",
        f"{today()},500,{pledge['reference']},Engagement",
        f"{today()},90,UNKNOWN-1,Autre",
        f"{today()},80,VIR-2026-77,Encore",
        "pas une date,5,X,Y",
        f"{today()},-40,FRAIS,Frais",
    )
    report = world.as_(DIRECTOR_16).import_statement(content, "DZD", key())
    assert [m["gift_id"] for m in report["matched_gifts"]] == [transfer["id"]]
    assert [(m["pledge_id"], m["amount_minor"]) for m in report["matched_pledges"]] == [(pledge["id"], 50000)]
    assert {(u["line"], u["reason"]) for u in report["unmatched"]} == {
        (4, "no_known_reference"),
        (5, "gift_already_matched"),
    }
    assert {p["line"] for p in report["problems"]} == {6, 7}
    assert world.as_(DIRECTOR_16).get_pledge(pledge["id"])["paid"]["amount_minor"] == 50000
    again = world.as_(DIRECTOR_16).import_statement(content, "DZD", key())
    assert not again["matched_gifts"] and not again["matched_pledges"]
    assert set(again["already_imported"]) == {2, 3}
    assert world.as_(DIRECTOR_16).get_pledge(pledge["id"])["paid"]["amount_minor"] == 50000
    other = world.as_(DIRECTOR_31).import_statement(content, "DZD", key())
    assert not other["matched_gifts"] and not other["matched_pledges"]  # Oran does not see Alger's transfers


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (base64.b64encode(b"%PDF-1.7\x00\x01binary").decode(), "statement_not_csv"),
        (statement("2026-01-01,5,X", header="when,how_much,ref"), "statement_columns_missing"),
        (base64.b64encode(b"").decode(), "statement_not_csv"),
    ],
)
def test_a_statement_that_is_not_csv_is_refused_whole(world: World, content: str, expected: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        world.as_(DIRECTOR_16).import_statement(content, "DZD", key())
    assert code(refused) == expected and not world.statements.lines and not world.statements.reports


def test_only_finance_staff_import_statements(world: World) -> None:
    for who in (WORKER_1601, AUDITOR, DONOR):
        with pytest.raises(Forbidden):
            world.as_(who).import_statement(statement(), "DZD", key())


def test_a_line_an_import_took_but_did_not_apply_is_applied_once_by_the_next(world: World) -> None:
    donor = walk_in(world)
    pledge = world.as_(WORKER_1601).create_pledge(pledge_body(donor["id"]), key())
    content = statement(f"{today()},500,{pledge['reference']},Engagement")
    crashed = world.as_(DIRECTOR_16, "importer-1")
    original = pledging.pay

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the process died")

    pledging.pay = crash  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError):
            crashed.import_statement(content, "DZD", key())
    finally:
        pledging.pay = original  # type: ignore[assignment]
    assert world.as_(DIRECTOR_16).get_pledge(pledge["id"])["paid"]["amount_minor"] == 0
    for importer in ("importer-2", "importer-1", "importer-3"):  # whoever comes next finishes it, once
        world.as_(DIRECTOR_16, importer).import_statement(content, "DZD", key())
    assert world.as_(DIRECTOR_16).get_pledge(pledge["id"])["paid"]["amount_minor"] == 50000
    assert len(world.gifts.by_id) == 1
