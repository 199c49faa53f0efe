"""Urgent aid: granted at once within a cap, regularised within days, escalated when late.

A cell coordinator (or the wilaya director) grants immediate aid to a household of
their area: the request is created ``approved`` and ``urgent``, with a regularisation
task due after ``AID_REGULARISATION_DAYS`` (a diagnosis, then a regular decision by
another officer whose role covers the amount). A timer looks for late tasks and
escalates each one level at a time (the wilaya, then the ministry), publishing
``regularisation_overdue`` once per level: the level is raised by a write guarded on
the previous one, so timer ticks and service replicas cannot repeat it.

Under a declared emergency (veille's ``emergency_declared``, kept by ``adapters.emergencies``)
the fast track opens for the households of its areas until it ends: the emergency's cap
replaces the usual one, a household may receive up to the emergency's number of grants
during it (instead of one per period), and each grant records the emergency and the
campaign it links.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from assistance import budgets
from assistance.app import aid_requests as aid
from assistance.app.ports import AidDesk
from assistance.domain.aid_request import AidRequest, Change, UrgentGrant, need_of
from assistance.domain.cover import emergency_keys
from assistance.domain.emergency import Emergency, in_force
from assistance.domain.lifecycle import State, deciding_level
from common import policy
from common.clock import now
from common.context import CallerContext
from common.contracts.aid import RegularisationIn, UrgentAidIn
from common.contracts.events import EmergencyDeclared, EmergencyEnded, RegularisationOverdue, parse_event
from common.contracts.facts import HouseholdFacts
from common.errors import Conflict, Forbidden, ValidationFailed
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest

ALREADY_GRANTED = "urgent aid was already granted for this period"
ALLOWANCE_USED = "urgent aid was already granted as many times as the emergency allows"


class UrgentRules(Protocol):
    """The settings urgent aid reads (``settings.AidSettings``)."""

    urgent_cap_dzd: int
    regularisation_days: float
    escalation_step_days: float
    escalation_levels: tuple[str, ...]


class Emergencies(Protocol):
    """The emergencies veille declared (``adapters.emergencies``)."""

    def record(self, emergency: Emergency, event_id: str) -> bool:
        """Keep the emergency (once per declaration; a newer one replaces an older); True if written."""

    def end(self, emergency_id: str, ended_at: datetime) -> bool:
        """The emergency ends at ``ended_at`` (the earliest end is kept, even before its declaration); True if moved."""

    def running_over(self, area: str, at: datetime) -> list[Emergency]:
        """The emergencies declared over, inside or above ``area`` that have not ended at ``at``."""


def emergency_declared(emergencies: Emergencies, payload: object) -> bool:
    """Keep a declared emergency (``emergency_declared`` from veille): its fast track opens for its areas."""
    received = parse_event(payload, EmergencyDeclared)
    return emergencies.record(Emergency.declared(received.data, received.occurred_at), received.event_id)


def emergency_ended(emergencies: Emergencies, payload: object) -> bool:
    """An emergency ended early (``emergency_ended`` from veille): its fast track closes at once."""
    received = parse_event(payload, EmergencyEnded)
    return emergencies.end(received.data.emergency_id, received.data.ended_at)


def _capped(amount_dzd: int, cap_dzd: int, emergency: Emergency | None) -> None:
    if amount_dzd > cap_dzd:
        details: dict[str, object] = {"cap_dzd": cap_dzd, "amount_dzd": amount_dzd}
        if emergency is not None:
            details["emergency_id"] = emergency.id
        raise Forbidden("urgent aid is capped: a larger amount goes through a regular decision", details)


def grant(
    desk: AidDesk,
    rules: UrgentRules,
    emergencies: Emergencies,
    caller: CallerContext,
    payload: UrgentAidIn,
    key: KeyedRequest,
) -> AidRequest:
    """Grant immediate aid: an ``approved`` urgent request, ``urgent_aid_granted`` and ``aid_decided``.

    The cap is the emergency's when the household's area is under one now, else the usual one.
    """
    at = now()
    running = emergencies.running_over(payload.area, at)  # over the area, above it, or over part of it
    _capped(payload.amount_dzd, max([rules.urgent_cap_dzd, *(one.urgent_cap_dzd for one in running)]), None)
    existing = desk.requests.by_key(key.scoped)
    if existing is not None:
        key.ensure_same(existing.stored.get(FINGERPRINT_FIELD))
        return policy.visible_or_404(existing, lambda r: policy.scope(caller).contains(r.area), aid.WHAT)
    offered = aid.programme(desk, payload.programme, payload.area, caller)
    if need_of(offered) != "urgent":
        raise ValidationFailed("urgent aid is granted from an urgent programme", {"programme": payload.programme})
    if offered["benefit_type"] == "cash" and payload.payment_point is None:
        raise ValidationFailed("a cash grant needs a payment point", {"field": "payment_point"})
    facts = aid.household(desk, payload.household_id, payload.area)
    emergency = in_force(running, facts.area, at)
    _capped(payload.amount_dzd, emergency.urgent_cap_dzd if emergency else rules.urgent_cap_dzd, emergency)
    request_id = desk.requests.new_id()
    period = budgets.budget_period(offered["period_kind"], at)
    if emergency is None:
        verdict = aid.double_aid_verdict(desk, request_id, facts.household_id, facts, "urgent", period)
    else:
        verdict = aid.emergency_double_aid_verdict(desk, request_id, facts.household_id, facts, "urgent", emergency)
    if verdict.refused:
        raise Conflict(
            ALREADY_GRANTED if emergency is None else ALLOWANCE_USED,
            {"reason": "double_aid", "findings": verdict.findings},
        )
    if verdict.policy == "refuse":  # two grants at once both read none: the claims decide
        try:
            if emergency is None:
                aid.claim_cover(desk, request_id, facts.household_id, facts, "urgent", period)
            else:
                _claim_emergency_slot(desk, request_id, facts, emergency)
        except Conflict:
            if (repeat := desk.requests.by_key(key.scoped)) is not None:  # this very call, twice at once
                key.ensure_same(repeat.stored.get(FINGERPRINT_FIELD))
                return repeat
            raise
    level = deciding_level(caller.roles, 0)
    terms = UrgentGrant(
        by=caller.user_id,
        amount_dzd=payload.amount_dzd,
        period=period,
        motive=payload.motive,
        channel=payload.channel,
        reason=payload.reason,
        payment_point=payload.payment_point.model_dump() if payload.payment_point else None,
        authority_role=level.role if level else policy.CELL_COORDINATOR,
        authority_area=caller.area,
        due_in=timedelta(days=rules.regularisation_days),
        emergency=emergency,
    )
    request, events = AidRequest.grant_urgent(request_id, facts, offered, terms, verdict, at, key.stamp(), key.scoped)
    try:
        desk.programmes.commit(offered["code"], facts.area, period, payload.amount_dzd, request_id)
        stored, created = desk.requests.create(request, events)
    except Exception:
        aid.release(desk, request_id)
        raise
    if not created:  # a concurrent repeat of the same call won: its commitment and claims stand, not ours
        aid.release(desk, request_id)
        key.ensure_same(stored.stored.get(FINGERPRINT_FIELD))
    return stored


def _claim_emergency_slot(desk: AidDesk, request_id: str, facts: HouseholdFacts, emergency: Emergency) -> None:
    """Claim the first free one of the emergency's grants for these people (``domain.cover.emergency_keys``).

    Two grants at once both count the grants already made; the claims decide, so no more
    than ``grants_per_household`` are ever granted. Conflict ``double_aid`` when none is free.
    """
    households = {facts.household_id, *facts.related_households}
    for slot in range(1, emergency.grants_per_household + 1):
        if not desk.cover.claim(request_id, emergency_keys("urgent", households, emergency.id, slot)):
            return
    raise Conflict(ALLOWANCE_USED, {"reason": "double_aid", "findings": []})


def regularise(
    desk: AidDesk, caller: CallerContext, request_id: str, payload: RegularisationIn, key: str
) -> AidRequest:
    """The regular decision on a diagnosed urgent grant, by an officer other than the granter.

    ``confirm`` closes the task; ``annul`` closes it too and cancels the grant if it is
    not yet on its way to payment (the budget is given back).
    """

    def decide(request: AidRequest) -> Change:
        return request.regularise(caller, payload.decision, payload.motive, now())

    done = aid.step(desk, caller, request_id, "regularise", key, decide, payload)
    if done.state == State.CANCELLED:
        aid.release(desk, request_id)
    return done


def escalate_overdue(desk: AidDesk, rules: UrgentRules) -> None:
    """Escalate each late regularisation one level, publishing ``regularisation_overdue`` once per level."""
    levels = rules.escalation_levels
    at = now()
    for request in desk.requests.overdue_regularisations(at):
        task = request.regularisation or {}
        level = int(task["level"]) + 1
        if level > len(levels):
            continue
        due: datetime = task["due_at"]
        following = due + timedelta(days=rules.escalation_step_days * level) if level < len(levels) else None
        event = RegularisationOverdue(
            **request.event_fields(),
            due_at=due,
            level=level,
            escalated_to=levels[level - 1],
            status=task["status"],
            days_late=round((at - due).total_seconds() / 86400, 2),
        )
        desk.requests.escalate(request, level, levels[level - 1], following, event)
