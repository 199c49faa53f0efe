"""Bequests as the API shows them (``common.contracts.bequests``): no key, no fingerprint, no outbox."""

from __future__ import annotations

from typing import Any

from common.jsonable import jsonable
from solidarity.domain.bequest_documents import BequestDocument
from solidarity.domain.bequests import Bequest, BequestRules
from solidarity.domain.money import Money


def amount(value: Money | None) -> dict[str, str] | None:
    return None if value is None else {"amount": str(value.major), "currency": value.currency}


def bequest(found: Bequest, rules: BequestRules) -> dict[str, Any]:
    due = found.due_on(rules)
    return jsonable(
        {
            "id": found.id,
            "donor_id": found.donor_id,
            "area": found.area,
            "state": found.state,
            "description": found.description,
            "declared_value": amount(found.declared_value),
            "allowed_steps": sorted(found.allowed_steps),
            "due_on": due,
            "overdue": found.marked_overdue,
            "authority": rules.authority_for(found.declared_value) if found.state in ("declared", "notified") else None,
            "decided_by_authority": found.accepted_by,
            "charges": list(found.charges),
            "valuation": amount(found.valuation),
            "realisation": found.realisation,
            "realised": amount(found.realised),
            "history": [
                {"step": r.step, "at": r.at, "by": r.by, "documents": list(r.documents), "note": r.note}
                for r in found.history
            ],
            "version": found.version,
        }
    )


def page(found: list[Bequest], rules: BequestRules, limit: int) -> dict[str, Any]:
    return {
        "items": [bequest(b, rules) for b in found],
        "next_after": found[-1].id if len(found) == limit else None,
    }


def document(found: BequestDocument, steps: list[str]) -> dict[str, Any]:
    return jsonable(
        {
            "id": found.id,
            "bequest_id": found.bequest_id,
            "kind": found.kind,
            "media_type": found.media_type,
            "size": found.size,
            "sha256": found.sha256,
            "filename": found.filename,
            "uploaded_at": found.uploaded_at,
            "uploaded_by": found.uploaded_by,
            "steps": steps,
        }
    )
