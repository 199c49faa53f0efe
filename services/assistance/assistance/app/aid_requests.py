"""Aid request use cases: each reads the request, lets the domain decide, and saves guarded on what it read.

Every step takes an idempotency key: the same key replays the stored outcome (a
redelivered call acts once), and a step the request's state does not allow answers
``InvalidTransition`` with the steps it does allow (``domain.lifecycle``). The receiving
agent and the proposer never decide (maker-checker); the decider's role must cover the amount.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from assistance import budgets, letters
from assistance.app.ports import AidDesk
from assistance.app.steps import Decide, run_step
from assistance.domain import double_aid
from assistance.domain.aid_request import AidRequest, Change, snapshot
from assistance.domain.cover import cover_keys
from assistance.domain.emergency import Emergency
from assistance.domain.lifecycle import GRANTED, State, Step
from assistance.eligibility import (
    amount_for,
    evaluate,
    items_for,
    programme_formula,
    programme_versions,
    rules_in_force,
)
from common import policy
from common.clock import now
from common.context import CallerContext
from common.contracts.aid import (
    AidMotiveIn,
    AidRequestFilter,
    AidRequestIn,
    DeliveryIn,
    DiagnosisIn,
    FollowUpVisitIn,
    ProposalIn,
)
from common.contracts.facts import HouseholdFacts
from common.errors import Conflict, NotFound, ValidationFailed
from common.idempotency import FINGERPRINT_FIELD, KeyedRequest, keyed
from common.scope import Scope

log = logging.getLogger(__name__)

RELEASING = frozenset({State.REJECTED, State.CANCELLED, State.WITHDRAWN})
WHAT = "aid request"


# look-ups the steps share


def programme(desk: AidDesk, code: str, area: str, caller: CallerContext | None = None) -> dict[str, Any]:
    """An active programme offered in ``area`` (published there or above).

    One the ``caller`` may not see (published only in another area) is not found, as a
    missing one: a 422 "not offered here" would confirm it exists elsewhere.
    """
    found = desk.programmes.get(code)
    hidden = caller is not None and found is not None and not policy.scope(caller).reaches(found["area"])
    if found is None or hidden or not found.get("active", True):
        raise NotFound("programme not found", {"programme": code})
    if not Scope(found["area"]).contains(area):
        raise ValidationFailed("this programme is not offered in this area", {"programme": code, "area": area})
    return found


def household(desk: AidDesk, household_id: str, area: str) -> HouseholdFacts:
    """The household's facts, checked to lie inside ``area``."""
    facts = desk.facts(household_id)
    if not Scope(area).contains(facts.area):
        raise ValidationFailed("the household is not in this area", {"area": area})
    return facts


def _offered_in(desk: AidDesk, area: str) -> Callable[[str], bool]:
    def offered(code: str) -> bool:
        found = desk.programmes.get(code)
        return found is not None and Scope(area).reaches(found["area"])

    return offered


def double_aid_verdict(
    desk: AidDesk, request_id: str, household_id: str, facts: HouseholdFacts, need: str, period: str
) -> double_aid.Verdict:
    """Grants of ``need`` overlapping ``period`` to this household or related ones, in every wilaya."""
    own = {household_id, facts.household_id}
    grants = desk.requests.grants(own | set(facts.related_households), need)
    policy_ = desk.rules.double_aid_policy(need)
    return double_aid.verdict(grants, period, own, request_id, policy_, _offered_in(desk, facts.area))


def emergency_double_aid_verdict(
    desk: AidDesk, request_id: str, household_id: str, facts: HouseholdFacts, need: str, emergency: Emergency
) -> double_aid.Verdict:
    """Under ``emergency``: the grants of ``need`` these people received under it, refused past its allowance."""
    own = {household_id, facts.household_id}
    grants = desk.requests.grants(own | set(facts.related_households), need)
    return double_aid.emergency_verdict(
        grants, emergency.id, emergency.grants_per_household, own, request_id, _offered_in(desk, facts.area)
    )


def claim_cover(
    desk: AidDesk, request_id: str, household_id: str, facts: HouseholdFacts, need: str, period: str
) -> None:
    """Claim ``need`` over ``period`` for the household and its related ones (``domain.cover``).

    Raises Conflict ``double_aid`` when another request holds part of it, found as a
    grant would be (programme, need, period, related or not), and nothing stays claimed.
    """
    own = {household_id, facts.household_id}
    others = desk.cover.claim(request_id, cover_keys(need, own | set(facts.related_households), period))
    if not others:
        return
    holders = [holder for other in others if (holder := desk.requests.get(other))]
    clashing = [
        {
            "id": holder.id,
            "household_id": holder.household_id,
            "programme": holder.programme,
            "need": holder.need,
            "period": (holder.stored.get("decision") or holder.proposal or {}).get("period", period),
        }
        for holder in holders
    ]
    shown = double_aid.named_here(double_aid.findings(clashing, period, own, request_id), _offered_in(desk, facts.area))
    raise Conflict(
        "this need is already covered for an overlapping period", {"reason": "double_aid", "findings": shown}
    )


def release(desk: AidDesk, request_id: str) -> None:
    """Give back what the request held for its grant: the budget commitment and the cover claims."""
    desk.programmes.release(request_id)
    desk.cover.release(request_id)


def spend(desk: AidDesk, request_id: str) -> None:
    """The request's commitment becomes spending (idempotent)."""
    try:
        desk.programmes.spend(request_id)
    except Conflict:
        log.warning("paid aid held no budget commitment", extra={"request_id": request_id})


def visible(caller: CallerContext, request_id: object, desk: AidDesk) -> AidRequest:
    """The request if it lies in the caller's area; outside it, it does not exist."""
    found = desk.requests.get(request_id) if isinstance(request_id, str) else None
    return policy.visible_or_404(found, lambda r: policy.scope(caller).contains(r.area), WHAT)


def step(
    desk: AidDesk, caller: CallerContext, request_id: str, name: str, key: str, decide: Decide, body: Any = None
) -> AidRequest:
    """Run step ``name`` once per caller's ``key``; the key's fingerprint is the step, the request and ``body``."""
    if not isinstance(request_id, str):
        raise NotFound("aid request not found")
    request = keyed(caller.user_id, key, name, request_id, body)
    done, _ = run_step(
        desk.requests,
        request_id,
        name,
        request,
        caller.user_id,
        decide,
        lambda found: policy.visible(caller, found.area, WHAT),
    )
    return done


# the use cases


def receive(desk: AidDesk, caller: CallerContext, payload: AidRequestIn, key: KeyedRequest) -> AidRequest:
    """Receive a request for a household (reception): ``received``, ``aid_requested``."""
    policy.require_within(caller, payload.area)
    offered = programme(desk, payload.programme, payload.area, caller)
    facts = household(desk, payload.household_id, payload.area)
    request, events = AidRequest.receive(
        desk.requests.new_id(),
        facts,
        offered,
        payload.channel,
        payload.reason,
        caller.user_id,
        now(),
        key.stamp(),
        key.scoped,
    )
    stored, created = desk.requests.create(request, events)
    if not created:
        key.ensure_same(stored.stored.get(FINGERPRINT_FIELD))
    return policy.visible_or_404(stored, lambda r: policy.scope(caller).contains(r.area), WHAT)


def search(desk: AidDesk, caller: CallerContext, wanted: AidRequestFilter) -> tuple[list[AidRequest], bool]:
    """A page of requests in the caller's area, by id, and whether more follow."""
    query = {
        field: value
        for field, value in (
            ("state", wanted.state),
            ("programme", wanted.programme),
            ("household_id", wanted.household_id),
            ("urgent", wanted.urgent),
        )
        if value is not None
    }
    found = desk.requests.search(policy.scope(caller), query, wanted.after, wanted.limit + 1)
    return found[: wanted.limit], len(found) > wanted.limit


def diagnose(desk: AidDesk, caller: CallerContext, request_id: str, payload: DiagnosisIn, key: str) -> AidRequest:
    """Record the social worker's diagnosis with the registry's assessment as it stands (score, band, model)."""

    def decide(request: AidRequest) -> Change:
        return request.diagnose(caller.user_id, now(), payload.notes, lambda: desk.facts(request.household_id))

    return step(desk, caller, request_id, Step.DIAGNOSE, key, decide, payload)


def check_eligibility(desk: AidDesk, caller: CallerContext, request_id: str, key: str) -> AidRequest:
    """Check the rules in force against the household's facts now: a reason per criterion, the amount."""

    def decide(request: AidRequest) -> Change:
        request.can(Step.CHECK_ELIGIBILITY)
        offered = programme(desk, request.programme, request.area)
        facts = desk.facts(request.household_id)
        rules = rules_in_force(programme_versions(offered), datetime.now(UTC))
        result = evaluate(rules, facts, programme_code=request.programme)
        formula = programme_formula(offered)
        record = {
            **result.model_dump(mode="json", exclude={"programme_code", "household_id"}),
            "amount_dzd": amount_for(formula, facts),
            "items": items_for(formula, facts),
            "facts": snapshot(facts),
            "by": caller.user_id,
            "at": now(),
        }
        return request.check_eligibility(record)

    return step(desk, caller, request_id, Step.CHECK_ELIGIBILITY, key, decide)


def propose(desk: AidDesk, caller: CallerContext, request_id: str, payload: ProposalIn, key: str) -> AidRequest:
    """The maker proposes to grant (the formula's amount unless another is given) or to refuse.

    A grant needs a passed eligibility check, and cash a payment point; grants of the
    same need in an overlapping period, here or to related households, are shown.
    """

    def decide(request: AidRequest) -> Change:
        request.can(Step.PROPOSE)
        offered = programme(desk, request.programme, request.area)
        period = payload.period or budgets.budget_period(offered["period_kind"], datetime.now(UTC))
        budgets.check_period(offered["period_kind"], period)
        point = payload.payment_point.model_dump() if payload.payment_point else None
        record: dict[str, Any] = {
            "by": caller.user_id,
            "at": now(),
            "decision": payload.decision,
            "motive": payload.motive,
            "period": period,
            "amount_dzd": None,
            "payment_point": None,
            "double_aid": [],
        }
        if payload.decision == "grant":
            amount = request.proposed_amount(payload.amount_dzd, point)
            facts = desk.facts(request.household_id)
            verdict = double_aid_verdict(desk, request.id, request.household_id, facts, request.need, period)
            record.update(amount_dzd=amount, payment_point=point, double_aid=verdict.findings)
        return request.propose(record, payload.motive)

    return step(desk, caller, request_id, Step.PROPOSE, key, decide, payload)


def approve(desk: AidDesk, caller: CallerContext, request_id: str, payload: AidMotiveIn, key: str) -> AidRequest:
    """The checker grants the proposed aid: ``approved``, budget committed, ``aid_decided``.

    Refused (Conflict ``double_aid``) when the need is already covered for an overlapping
    period and its policy is ``refuse``; with ``flag`` it is granted and flagged. What the
    approval held (cover claims, budget) is given back if its save does not happen.
    """
    held: list[bool] = []

    def decide(request: AidRequest) -> Change:
        level = request.approval_level(caller)
        facts = desk.facts(request.household_id)
        verdict = double_aid_verdict(desk, request.id, request.household_id, facts, request.need, request.period)
        change = request.approve(caller, level, verdict, payload.motive, now())
        if verdict.policy == "refuse":  # two approvals at once both read no grant: the claims decide
            held.append(True)
            claim_cover(desk, request.id, request.household_id, facts, request.need, request.period)
        desk.programmes.commit(request.programme, request.area, request.period, request.granted_amount, request.id)
        return change

    try:
        return step(desk, caller, request_id, Step.APPROVE, key, decide, payload)
    except Exception:
        if held:  # a later check failed, or a concurrent step won: give back unless it was granted
            current = desk.requests.get(request_id)
            if current is not None and current.state not in GRANTED:
                release(desk, request_id)
        raise


def reject(desk: AidDesk, caller: CallerContext, request_id: str, payload: AidMotiveIn, key: str) -> AidRequest:
    """The checker refuses the aid: ``aid_decided``; what it held is given back."""
    done = step(desk, caller, request_id, Step.REJECT, key, lambda r: r.reject(caller, payload.motive, now()), payload)
    release(desk, request_id)
    return done


def stop(
    desk: AidDesk, caller: CallerContext, request_id: str, payload: AidMotiveIn, key: str, name: Step
) -> AidRequest:
    """Cancel (the administration) or withdraw (the household) before payment; an approved one's budget is given back.

    Cancelling an approved grant is a checker's act (``aid.approve``).
    """

    def decide(request: AidRequest) -> Change:
        request.can(name)
        if request.state == State.APPROVED and name == Step.CANCEL:
            policy.authorize(caller, "aid.approve")
        return request.stop(name, payload.motive)

    done = step(desk, caller, request_id, name, key, decide, payload)
    if done.state in RELEASING:
        release(desk, request_id)  # again on a replay: a crash may have come between
    return done


def deliver(desk: AidDesk, caller: CallerContext, request_id: str, payload: DeliveryIn, key: str) -> AidRequest:
    """In-kind aid or a service handed over: ``disbursed``, ``aid_disbursed``; the budget is spent."""
    delivered_on = payload.delivered_on.isoformat()
    done = step(desk, caller, request_id, Step.DELIVER, key, lambda r: r.deliver(delivered_on, payload.notes), payload)
    spend(desk, request_id)
    return done


def follow_up(desk: AidDesk, caller: CallerContext, request_id: str, payload: FollowUpVisitIn, key: str) -> AidRequest:
    """A follow-up visit after the aid: ``follow_up`` (repeatable)."""

    def decide(request: AidRequest) -> Change:
        request.can(Step.FOLLOW_UP_VISIT)
        return request.follow_up({"by": caller.user_id, "at": now(), **payload.model_dump(mode="json")})

    return step(desk, caller, request_id, Step.FOLLOW_UP_VISIT, key, decide, payload)


def close(desk: AidDesk, caller: CallerContext, request_id: str, payload: AidMotiveIn, key: str) -> AidRequest:
    """Close the case after the aid (and its follow-up), or after a rejection."""
    return step(desk, caller, request_id, Step.CLOSE, key, lambda r: r.close(payload.motive), payload)


def decision_letter(
    desk: AidDesk, caller: CallerContext, request_id: str, language: letters.Language, font_dir: str
) -> tuple[str, bytes]:
    """The decision letter as PDF, in Arabic or French: ``(the request's id, the PDF)``."""
    request = visible(caller, request_id, desk)
    decision = request.decision
    if decision is None:
        raise Conflict("the request has no decision yet", {"state": request.state})
    offered = desk.programmes.get(request.programme) or {}
    letter = letters.LetterData(
        request_id=request.id,
        household_id=request.household_id,
        area=request.area,
        programme_fr=offered.get("name_fr", request.programme),
        programme_ar=offered.get("name_ar", request.programme),
        granted=decision.granted,
        amount_dzd=decision.amount_dzd,
        period=decision.period,
        motive=decision.motive,
        decided_on=decision.at.date(),
        authority_role=decision.authority_role,
        authority_area=decision.authority_area,
        urgent=request.urgent,
    )
    return request.id, letters.render(letter, language, font_dir)
