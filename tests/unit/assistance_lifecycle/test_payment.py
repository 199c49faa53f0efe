"""The payment and payment-list entities: stored shape, what the operator is shown, who sees them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistance.domain.payments import Payment, PaymentList
from common.errors import NotFound
from common.policy import visible_or_404
from common.scope import Scope

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REQUEST = "66b0c2f1e4a1b2c3d4e5f601"


def issued(attempt: int = 1, amount: int = 12_000) -> Payment:
    return Payment.issue(
        request_id=REQUEST,
        area="/DZ/16/1601",
        amount_dzd=amount,
        point="ccp",
        account="0012345678",
        attempt=attempt,
        list_id="2026-03_DZ-16_ccp",
        period="2026-03",
        at=AT,
    )


def test_a_payment_is_keyed_by_its_reference_and_given_back_as_read() -> None:
    payment = issued(attempt=2)
    doc = payment.document()
    assert Payment.from_document(doc).document() == doc
    assert (doc["_id"], doc["status"], doc["reissued_as"]) == (f"{REQUEST}-2", "pending", None)
    assert doc["area_ancestors"] == ["/DZ", "/DZ/16", "/DZ/16/1601"]


def test_the_operator_sees_the_account_but_not_the_bookkeeping() -> None:
    shown = issued().public()
    assert shown["reference"] == f"{REQUEST}-1" and shown["account"] == "0012345678"
    assert shown["created_at"] == AT.isoformat()
    assert not {"_id", "area_ancestors", "list_id", "period"} & set(shown)


def test_a_list_totals_its_payments() -> None:
    opened = PaymentList.open("2026-03_DZ-16_ccp", "2026-03", "/DZ/16", "ccp", "agent", AT)
    full = PaymentList.from_document(opened.document(), (issued(), issued(2, 3_000)))
    shown = full.public()
    assert (shown["status"], shown["total_dzd"], shown["created_at"]) == ("open", 15_000, AT.isoformat())
    assert [p["reference"] for p in shown["payments"]] == [f"{REQUEST}-1", f"{REQUEST}-2"]


@pytest.mark.parametrize(("area", "seen"), [("/DZ", True), ("/DZ/16", True), ("/DZ/16/1601", False), ("/DZ/31", False)])
def test_a_list_is_seen_in_its_area_and_above(area: str, seen: bool) -> None:
    listed = PaymentList.open("2026-03_DZ-16_ccp", "2026-03", "/DZ/16", "ccp", "agent", AT)
    assert listed.visible_in(Scope(area)) is seen
    assert issued().visible_in(Scope(area)) is (area != "/DZ/31")
    if not seen:
        with pytest.raises(NotFound, match="payment list not found"):
            visible_or_404(listed, lambda e: e.visible_in(Scope(area)), "payment list")
