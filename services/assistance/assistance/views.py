"""Domain objects as the service answers them (the public JSON shape)."""

from __future__ import annotations

from typing import Any

from assistance.domain.aid_request import AidRequest
from assistance.domain.casework import Case, TeamMember, Visit
from assistance.domain.institutions import Institution
from assistance.domain.lifecycle import regularisation_steps
from assistance.domain.payments import PaymentList
from assistance.domain.referrals import Referral
from common.idempotency import FINGERPRINT_FIELD
from common.jsonable import jsonable
from common.nameko_ext import outbox

INTERNAL = frozenset({"_id", "area_ancestors", "idempotency_key", FINGERPRINT_FIELD, "version", outbox.OUTBOX_FIELD})


def mask_account(point: dict[str, Any] | None) -> dict[str, str] | None:
    """A payment point as shown with the request: a CCP account only by its last digits."""
    if not point:
        return None
    ref = str(point.get("ref", ""))
    return {"kind": point["kind"], "ref": ("•" * max(len(ref) - 4, 0) + ref[-4:]) if point["kind"] == "ccp" else ref}


def aid_request(request: AidRequest, with_history: bool = True) -> dict[str, Any]:
    """A request as the service answers: bookkeeping dropped, history without keys, accounts masked."""
    doc = request.document()
    data = {k: jsonable(v) for k, v in doc.items() if k not in INTERNAL}
    data["id"] = request.id
    history = data.get("history", []) if with_history else []
    data["history"] = [{k: v for k, v in entry.items() if k not in ("key", FINGERPRINT_FIELD)} for entry in history]
    task = request.regularisation or {}
    data["allowed_steps"] = request.allowed_steps() + regularisation_steps(task.get("status"))
    if data.get("proposal"):
        data["proposal"]["payment_point"] = mask_account((request.proposal or {}).get("payment_point"))
    return data


def referral(found: Referral) -> dict[str, Any]:
    """A referral as answered: its public fields, steps allowed and history without keys."""
    return found.public()


def institution(found: Institution) -> dict[str, Any]:
    """An institution as answered: its description and occupancy."""
    return found.public()


def case(found: Case, warnings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A case as answered; an opening adds its caseload ``warnings``."""
    return found.public() if warnings is None else {**found.public(), "warnings": warnings}


def visit(found: Visit, days_overdue: int | None = None) -> dict[str, Any]:
    """A visit as answered; an overdue one says by how many days."""
    return found.public() if days_overdue is None else {**found.public(), "days_overdue": days_overdue}


def payment_list(found: PaymentList) -> dict[str, Any]:
    """A payment list with its payments and total (accounts in full: for the operator)."""
    return found.public()


def team_member(found: TeamMember) -> dict[str, Any]:
    """A member of a cell's team, ``active`` for the day it was read."""
    return found.public()
