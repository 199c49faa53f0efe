"""Domain objects as the service answers them (the public JSON shape)."""

from __future__ import annotations

from typing import Any

from common.jsonable import jsonable
from solidarity.domain.campaigns import Campaign, Progress
from solidarity.domain.donors import Donor
from solidarity.domain.gifts import Gift
from solidarity.domain.money import Money
from solidarity.domain.pledges import Pledge


def money(amount: Money) -> dict[str, Any]:
    return {"amount": str(amount.major), "amount_minor": amount.minor, "currency": amount.currency}


def campaign(found: Campaign) -> dict[str, Any]:
    goal = found.goals.amount
    return jsonable(
        {
            "id": found.id,
            "kind": found.kind,
            "name_fr": found.name_fr,
            "name_ar": found.name_ar,
            "area": found.area,
            "published_areas": list(found.published_areas),
            "starts_on": found.starts_on,
            "ends_on": found.ends_on,
            "currencies": sorted(found.currencies),
            "categories": list(found.categories),
            "goals": {
                "amount": {"amount": str(goal.major), "currency": goal.currency} if goal else None,
                "items": dict(found.goals.items),
            },
            "state": found.state,
            "spent_by": found.spent_by,
        }
    )


def progress(found: Progress) -> dict[str, Any]:
    return {
        "campaign_id": found.campaign_id,
        "goals": [
            {"goal": row.goal, "reached": row.reached, "target": row.target, "percent": row.percent}
            for row in found.goals
        ],
        "raised": dict(found.raised),
        "gifts": found.gifts,
    }


def donor(found: Donor) -> dict[str, Any]:
    return jsonable(
        {
            "id": found.id,
            "kind": found.kind,
            "name": found.name,
            "area": found.area,
            "registration": found.registration,
            "self_service": found.user_id is not None,
            "consent_channels": sorted(found.consent.channels),
            "consent_on": found.consent.given_on,
            "anonymous_public": found.anonymous_public,
        }
    )


def gift(found: Gift) -> dict[str, Any]:
    cash = found.cash
    return jsonable(
        {
            "id": found.id,
            "donor_id": found.donor_id,
            "area": found.area,
            "received_on": found.received_on,
            "kind": "cash" if cash else "in_kind",
            "value": money(found.value),
            "cash": {**money(cash.amount), "channel": cash.channel, "reference": cash.reference} if cash else None,
            "items": [
                {
                    "item": line.item,
                    "quantity": line.quantity,
                    "unit_value": money(line.unit_value),
                    "condition": line.condition,
                    "value": money(line.value),
                }
                for line in found.items
            ],
            "campaign_id": found.campaign_id,
            "restricted_area": found.restricted_area,
            "tribute": {"kind": found.tribute.kind, "name": found.tribute.name} if found.tribute else None,
            "state": found.state,
            "receipt_number": found.receipt_number,
            "reason": found.reason,
        }
    )


def page(items: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"items": items, "total": total}


def pledge(found: Pledge) -> dict[str, Any]:
    return jsonable(
        {
            "id": found.id,
            "donor_id": found.donor_id,
            "area": found.area,
            "reference": found.reference,
            "total": money(found.total),
            "paid": money(found.paid),
            "outstanding": money(found.outstanding),
            "instalments": [
                {"due_on": i.due_on, "amount_minor": i.amount.minor, "paid_minor": i.paid, "reminded_on": i.reminded_on}
                for i in found.instalments
            ],
            "campaign_id": found.campaign_id,
            "state": found.state,
            "fulfilment": found.fulfilment,
            "reason": found.reason,
        }
    )
