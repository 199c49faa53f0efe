"""Urgent aid: granted at once within a cap, regularised within days, escalated when late.

A cell coordinator (or the wilaya director) grants immediate aid to a household of
their area: the request is created ``approved`` and ``urgent``, with a regularisation
task due after ``AID_REGULARISATION_DAYS`` (a diagnosis, then a regular decision by
another officer whose role covers the amount). A timer looks for late tasks and
escalates each one level at a time (the wilaya, then the ministry), publishing
``regularisation_overdue`` once per level: the level is raised by a write guarded on
the previous one, so timer ticks and service replicas cannot repeat it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from nameko.timer import Timer

from assistance import budgets
from assistance.lifecycle import State, advance_regularisation, check_checker, deciding_level
from assistance.requests.settings import AidSettings
from assistance.requests.store import Change, now
from assistance.requests.support import AidSupport, event_data, need_of
from common import areas, policy
from common.contracts.aid import RegularisationIn, UrgentAidIn
from common.contracts.events import AID_DECIDED, URGENT_AID_GRANTED
from common.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from common.idempotency import FINGERPRINT_FIELD, check_key, keyed
from common.nameko_ext.entrypoints import rpc
from common.validation import parse


class SettingsTimer(Timer):
    """A timer whose interval is ``AidSettings.escalation_interval_seconds`` of its container."""

    def setup(self) -> None:
        self.interval = AidSettings(**(self.container.config.get("AID_SETTINGS") or {})).escalation_interval_seconds


settings_timer = SettingsTimer.decorator


class UrgentEntrypoints(AidSupport):
    @rpc
    def grant_urgent_aid(self, grant: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Grant immediate aid: an ``approved`` urgent request, ``urgent_aid_granted`` and ``aid_decided``."""
        caller = policy.authorize(self.caller, "aid.urgent")
        check_key(idempotency_key)
        payload = parse(UrgentAidIn, grant)
        policy.require_within(caller, payload.area)
        key = keyed(caller.user_id, idempotency_key, "grant_urgent_aid", payload)
        settings = self.aid_settings
        if payload.amount_dzd > settings.urgent_cap_dzd:
            raise Forbidden(
                "urgent aid is capped: a larger amount goes through a regular decision",
                {"cap_dzd": settings.urgent_cap_dzd, "amount_dzd": payload.amount_dzd},
            )
        existing = self.aid_requests.by_key(key.scoped)
        if existing is not None:
            key.ensure_same(existing.get(FINGERPRINT_FIELD))
            policy.visible(caller, existing["area"], "aid request")
            return self._answer(existing)
        programme = self._programme(payload.programme, payload.area, caller)
        if need_of(programme) != "urgent":
            raise ValidationFailed("urgent aid is granted from an urgent programme", {"programme": payload.programme})
        if programme["benefit_type"] == "cash" and payload.payment_point is None:
            raise ValidationFailed("a cash grant needs a payment point", {"field": "payment_point"})
        facts = self._household(payload.household_id, payload.area)
        request_id = self.aid_requests.new_id()
        at = now()
        period = budgets.budget_period(programme["period_kind"], at)
        verdict = self._double_aid(request_id, facts.household_id, facts, "urgent", period)
        if verdict.refused:
            raise Conflict(
                "urgent aid was already granted for this period", {"reason": "double_aid", "findings": verdict.findings}
            )
        if verdict.policy == "refuse":  # two grants at once both read none: the claims decide
            try:
                self._claim_cover(request_id, facts.household_id, facts, "urgent", period)
            except Conflict:
                if (repeat := self.aid_requests.by_key(key.scoped)) is not None:  # this very call, twice at once
                    key.ensure_same(repeat.get(FINGERPRINT_FIELD))
                    return self._answer(repeat)
                raise
        level = deciding_level(caller.roles, 0)
        role = level.role if level else policy.CELL_COORDINATOR
        due = at + timedelta(days=settings.regularisation_days)
        doc: dict[str, Any] = {
            "_id": request_id,
            "household_id": facts.household_id,
            "area": facts.area,
            "area_ancestors": areas.ancestors(facts.area),
            "programme": programme["code"],
            "need": need_of(programme),
            "benefit_type": programme["benefit_type"],
            "urgent": True,
            "state": State.APPROVED.value,
            "channel": payload.channel,
            "reason": payload.reason,
            "received_by": caller.user_id,
            "received_at": at,
            "updated_at": at,
            **key.stamp(),
            "proposal": {
                "by": caller.user_id,
                "at": at,
                "decision": "grant",
                "amount_dzd": payload.amount_dzd,
                "motive": payload.motive,
                "period": period,
                "payment_point": payload.payment_point.model_dump() if payload.payment_point else None,
                "double_aid": verdict.findings,
            },
            "decision": {
                "by": caller.user_id,
                "at": at,
                "decision": "grant",
                "amount_dzd": payload.amount_dzd,
                "period": period,
                "motive": payload.motive,
                "authority_role": role,
                "authority_area": caller.area,
                "double_aid": verdict.findings,
                "double_aid_flagged": verdict.flagged,
            },
            "regularisation": {
                "status": "awaiting_diagnosis",
                "due_at": due,
                "level": 0,
                "escalated_to": None,
                "next_escalation_at": due,
            },
            "visits": [],
            "history": [
                {
                    "key": key.scoped,
                    "step": "grant_urgent",
                    "by": caller.user_id,
                    "at": at,
                    "from_state": None,
                    "to_state": State.APPROVED.value,
                    "motive": payload.motive,
                }
            ],
        }
        events = [
            (URGENT_AID_GRANTED, event_data(doc, amount_dzd=payload.amount_dzd, due_at=due.isoformat())),
            (
                AID_DECIDED,
                event_data(doc, decision="grant", amount_dzd=payload.amount_dzd, period=period, authority_role=role),
            ),
        ]
        try:
            self.programmes.commit(programme["code"], facts.area, period, payload.amount_dzd, request_id)
            stored, created = self.aid_requests.create(doc, events)
        except Exception:
            self._release(request_id)
            raise
        if not created:  # a concurrent repeat of the same call won: its commitment and claims stand, not ours
            self._release(request_id)
            key.ensure_same(stored.get(FINGERPRINT_FIELD))
        return self._answer(stored)

    @rpc
    def regularise_urgent_aid(self, request_id: str, decision: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The regular decision on a diagnosed urgent grant, by an officer other than the granter.

        ``confirm`` closes the task; ``annul`` closes it too and cancels the grant if it is
        not yet on its way to payment (the budget is given back).
        """
        caller = policy.authorize(self.caller, "aid.approve")
        key = check_key(idempotency_key)
        payload = parse(RegularisationIn, decision)

        def decide(doc: dict[str, Any]) -> Change:
            if not doc.get("urgent"):
                raise InvalidTransition(
                    "only urgent aid is regularised", {"state": doc["state"], "step": "regularise", "allowed": []}
                )
            amount = int(doc["decision"]["amount_dzd"])
            check_checker(caller.user_id, caller.roles, amount, (doc["received_by"],))  # who, before what
            status = advance_regularisation(doc["regularisation"]["status"], payload.decision)
            state = doc["state"]
            if status == "annulled" and state == State.APPROVED:
                state = State.CANCELLED.value
            changes = {
                "regularisation.status": status.value,
                "regularisation.next_escalation_at": None,
                "regularisation.decided_by": caller.user_id,
                "regularisation.decided_at": now(),
                "regularisation.motive": payload.motive,
            }
            return Change(state=state, set=changes, motive=payload.motive)

        doc, _ = self._step(caller, request_id, "regularise", key, decide, payload)
        if doc["state"] == State.CANCELLED:
            self._release(request_id)
        return self._answer(doc)

    @settings_timer(interval=60)
    def escalate_overdue_regularisations(self) -> None:
        """Escalate each late regularisation one level, publishing ``regularisation_overdue`` once per level."""
        settings = self.aid_settings
        levels = settings.escalation_levels
        at = now()
        for doc in self.aid_requests.overdue_regularisations(at):
            task = doc["regularisation"]
            level = int(task["level"]) + 1
            if level > len(levels):
                continue
            due: datetime = task["due_at"]
            following = due + timedelta(days=settings.escalation_step_days * level) if level < len(levels) else None
            data = event_data(
                doc,
                due_at=due.isoformat(),
                level=level,
                escalated_to=levels[level - 1],
                status=task["status"],
                days_late=round((at - due).total_seconds() / 86400, 2),
            )
            self.aid_requests.escalate(doc, level, levels[level - 1], following, data)
