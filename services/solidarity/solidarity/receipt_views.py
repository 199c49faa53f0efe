"""Receipts as the service answers them: to staff and donors, and to the public check (far less)."""

from __future__ import annotations

from typing import Any

from common.jsonable import jsonable
from solidarity.domain.money import Money
from solidarity.domain.receipts import PublicCheck, Receipt, verification_code, verification_url


def money(amount: Money) -> dict[str, Any]:
    return {"amount": str(amount.major), "amount_minor": amount.minor, "currency": amount.currency}


def receipt(found: Receipt, key: bytes, base_url: str) -> dict[str, Any]:
    """The receipt with its verification code and the address its QR code opens (both printed on it)."""
    code = verification_code(found, key)
    return jsonable({
        "number": str(found.number), "kind": found.kind, "state": found.state, "reason": found.reason,
        "issuer": found.number.issuer, "issued_on": found.issued_on, "area": found.area,
        "donor_id": found.donor_id, "gift_ids": list(found.gift_ids), **money(found.amount),
        "campaign_id": found.campaign_id, "year": found.year, "donor_shown": found.donor_shown,
        "replaces": str(found.replaces) if found.replaces else None,
        "verification_code": code, "verification_url": verification_url(base_url, found.number, code),
    })  # fmt: skip


def register_page(lines: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """A page of the register; ``next`` continues after its last number (None: the end)."""
    return jsonable({"items": lines, "next": lines[-1]["number"] if len(lines) == limit else None})


def public(check: PublicCheck | None) -> dict[str, Any]:
    """The public check: ``found`` False says nothing else (unknown number and wrong code alike)."""
    if check is None:
        return {"found": False}
    return jsonable({"found": True, "state": check.state, "number": check.number, "issued_on": check.issued_on,
                     "issuer": check.issuer, "donor": check.donor, **money(check.amount)})  # fmt: skip
