"""Aid requests: reception, diagnosis, eligibility check, proposal, decision, delivery, follow-up, letter.

Every step is an RPC taking an idempotency key: the same key replays the stored outcome
(a redelivered call acts once), and a step the request's state does not allow answers
``InvalidTransition`` with the steps it does allow (``assistance.lifecycle``). The
receiving agent and the proposer never decide (maker-checker); the decider's role must
cover the amount.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, cast

from assistance import budgets, letters
from assistance.eligibility import (
    amount_for,
    evaluate,
    items_for,
    programme_formula,
    programme_versions,
    rules_in_force,
)
from assistance.lifecycle import (
    GRANTED,
    State,
    Step,
    advance,
    advance_regularisation,
    allowed_steps,
    check_checker,
)
from assistance.requests.store import Change, now
from assistance.requests.support import AidSupport, event_data, need_of, snapshot
from common import areas, policy
from common.contracts.aid import (
    AidMotiveIn,
    AidRequestFilter,
    AidRequestIn,
    DeliveryIn,
    DiagnosisIn,
    FollowUpVisitIn,
    ProposalIn,
)
from common.contracts.events import AID_DECIDED, AID_DISBURSED, AID_REQUESTED
from common.errors import Conflict, InvalidTransition, ValidationFailed
from common.idempotency import FINGERPRINT_FIELD, check_key, keyed
from common.nameko_ext.entrypoints import rpc
from common.validation import parse

RELEASING = frozenset({State.REJECTED, State.CANCELLED, State.WITHDRAWN})


class RequestEntrypoints(AidSupport):
    @rpc
    def create_aid_request(self, request: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Receive a request for a household (reception): ``received``, ``aid_requested``."""
        caller = policy.authorize(self.caller, "aid.request")
        check_key(idempotency_key)
        payload = parse(AidRequestIn, request)
        policy.require_within(caller, payload.area)
        key = keyed(caller.user_id, idempotency_key, "create_aid_request", payload)
        programme = self._programme(payload.programme, payload.area, caller)
        facts = self._household(payload.household_id, payload.area)
        at = now()
        doc: dict[str, Any] = {
            "_id": self.aid_requests.new_id(),
            "household_id": facts.household_id,  # a merged household's request goes to its survivor
            "area": facts.area,
            "area_ancestors": areas.ancestors(facts.area),
            "programme": programme["code"],
            "need": need_of(programme),
            "benefit_type": programme["benefit_type"],
            "urgent": False,
            "state": State.RECEIVED.value,
            "channel": payload.channel,
            "reason": payload.reason,
            "received_by": caller.user_id,
            "received_at": at,
            "updated_at": at,
            **key.stamp(),
            "visits": [],
            "history": [
                {
                    "key": key.scoped,
                    "step": "receive",
                    "by": caller.user_id,
                    "at": at,
                    "from_state": None,
                    "to_state": "received",
                }
            ],
        }
        stored, created = self.aid_requests.create(doc, [(AID_REQUESTED, event_data(doc, channel=payload.channel))])
        if not created:
            key.ensure_same(stored.get(FINGERPRINT_FIELD))
        policy.visible(caller, stored["area"], "aid request")
        return self._answer(stored)

    @rpc
    def get_aid_request(self, request_id: str) -> dict[str, Any]:
        """A request with its history; outside the caller's area it does not exist."""
        caller = policy.authorize(self.caller, "aid.read")
        return self._answer(self._visible_request(caller, request_id))

    @rpc
    def list_aid_requests(self, filters: dict[str, Any]) -> dict[str, Any]:
        """A page of requests in the caller's area, by id: ``{"items", "next_cursor"}``."""
        caller = policy.authorize(self.caller, "aid.read")
        wanted = parse(AidRequestFilter, filters)
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
        docs = self.aid_requests.search(policy.scope_filter(caller), query, wanted.after, wanted.limit + 1)
        more = len(docs) > wanted.limit
        docs = docs[: wanted.limit]
        items = [self._answer({**doc, "history": []}) for doc in docs]
        return {"items": items, "next_cursor": items[-1]["id"] if more else None}

    @rpc
    def diagnose_aid_request(self, request_id: str, diagnosis: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Record the social worker's diagnosis with the registry's assessment as it stands (score, band, model).

        On an urgent grant this is the first half of its regularisation.
        """
        caller = policy.authorize(self.caller, "aid.propose")
        key = check_key(idempotency_key)
        payload = parse(DiagnosisIn, diagnosis)

        def decide(doc: dict[str, Any]) -> Change:
            if doc.get("urgent"):
                status = advance_regularisation(doc["regularisation"]["status"], Step.DIAGNOSE)
                facts = self._facts(doc["household_id"])
                record = {"by": caller.user_id, "at": now(), "notes": payload.notes, "facts": snapshot(facts)}
                return Change(state=doc["state"], set={"diagnosis": record, "regularisation.status": status.value})
            target = advance(doc["state"], Step.DIAGNOSE)
            facts = self._facts(doc["household_id"])
            record = {"by": caller.user_id, "at": now(), "notes": payload.notes, "facts": snapshot(facts)}
            return Change(state=target, set={"diagnosis": record, "eligibility": None})

        doc, _ = self._step(caller, request_id, Step.DIAGNOSE, key, decide, payload)
        return self._answer(doc)

    @rpc
    def check_aid_eligibility(self, request_id: str, idempotency_key: str) -> dict[str, Any]:
        """Check the rules in force against the household's facts now: a reason per criterion, the amount."""
        caller = policy.authorize(self.caller, "aid.propose")
        key = check_key(idempotency_key)

        def decide(doc: dict[str, Any]) -> Change:
            target = advance(doc["state"], Step.CHECK_ELIGIBILITY)
            programme = self._programme(doc["programme"], doc["area"])
            facts = self._facts(doc["household_id"])
            at = datetime.now(UTC)
            result = evaluate(rules_in_force(programme_versions(programme), at), facts, programme_code=doc["programme"])
            formula = programme_formula(programme)
            record = {
                **result.model_dump(mode="json", exclude={"programme_code", "household_id"}),
                "amount_dzd": amount_for(formula, facts),
                "items": items_for(formula, facts),
                "facts": snapshot(facts),
                "by": caller.user_id,
                "at": now(),
            }
            return Change(state=target, set={"eligibility": record})

        doc, _ = self._step(caller, request_id, Step.CHECK_ELIGIBILITY, key, decide)
        return self._answer(doc)

    @rpc
    def propose_aid_decision(self, request_id: str, proposal: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The maker proposes to grant (the formula's amount unless another is given) or to refuse.

        A grant needs a passed eligibility check, and cash a payment point; grants of the
        same need in an overlapping period, here or to related households, are shown.
        """
        caller = policy.authorize(self.caller, "aid.propose")
        key = check_key(idempotency_key)
        payload = parse(ProposalIn, proposal)

        def decide(doc: dict[str, Any]) -> Change:
            target = advance(doc["state"], Step.PROPOSE)
            programme = self._programme(doc["programme"], doc["area"])
            period = payload.period or budgets.budget_period(programme["period_kind"], datetime.now(UTC))
            budgets.check_period(programme["period_kind"], period)
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
                eligibility = doc.get("eligibility") or {}
                if not eligibility.get("eligible"):
                    failed = [c["id"] for c in eligibility.get("criteria", []) if not c["passed"]]
                    raise Conflict("the household is not eligible: only a refusal can be proposed", {"failed": failed})
                amount = payload.amount_dzd or eligibility.get("amount_dzd")
                if not amount:
                    raise ValidationFailed("amount_dzd is required: the formula gives no amount")
                if doc["benefit_type"] == "cash" and payload.payment_point is None:
                    raise ValidationFailed("a cash grant needs a payment point", {"field": "payment_point"})
                facts = self._facts(doc["household_id"])
                verdict = self._double_aid(str(doc["_id"]), doc["household_id"], facts, doc["need"], period)
                record.update(
                    amount_dzd=amount,
                    payment_point=payload.payment_point.model_dump() if payload.payment_point else None,
                    double_aid=verdict.findings,
                )
            return Change(state=target, set={"proposal": record}, motive=payload.motive)

        doc, _ = self._step(caller, request_id, Step.PROPOSE, key, decide, payload)
        return self._answer(doc)

    @rpc
    def approve_aid_request(self, request_id: str, decision: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The checker grants the proposed aid: ``approved``, budget committed, ``aid_decided``.

        Refused (Conflict ``double_aid``) when the need is already covered for an
        overlapping period and its policy is ``refuse``; with ``flag`` it is granted and flagged.
        """
        caller = policy.authorize(self.caller, "aid.approve")
        key = check_key(idempotency_key)
        payload = parse(AidMotiveIn, decision)

        held: list[bool] = []  # cover claimed or budget committed: given back if the step is not applied

        def decide(doc: dict[str, Any]) -> Change:
            target = advance(doc["state"], Step.APPROVE)
            proposal = doc["proposal"]
            if proposal["decision"] != "grant":
                raise InvalidTransition(
                    "a proposed refusal is confirmed by a rejection",
                    {"state": doc["state"], "step": Step.APPROVE.value, "allowed": ["reject", "cancel", "withdraw"]},
                )
            amount = int(proposal["amount_dzd"])
            level = check_checker(caller.user_id, caller.roles, amount, (doc["received_by"], proposal["by"]))
            facts = self._facts(doc["household_id"])
            verdict = self._double_aid(str(doc["_id"]), doc["household_id"], facts, doc["need"], proposal["period"])
            if verdict.refused:
                raise Conflict(
                    "this need is already covered for an overlapping period",
                    {"reason": "double_aid", "findings": verdict.findings},
                )
            if verdict.policy == "refuse":  # two approvals at once both read no grant: the claims decide
                held.append(True)
                self._claim_cover(str(doc["_id"]), doc["household_id"], facts, doc["need"], proposal["period"])
            self.programmes.commit(doc["programme"], doc["area"], proposal["period"], amount, str(doc["_id"]))
            record = {
                "by": caller.user_id,
                "at": now(),
                "decision": "grant",
                "amount_dzd": amount,
                "period": proposal["period"],
                "motive": payload.motive,
                "authority_role": level.role,
                "authority_area": caller.area,
                "double_aid": verdict.findings,
                "double_aid_flagged": verdict.flagged,
            }
            data = event_data(
                doc,
                decision="grant",
                amount_dzd=amount,
                period=proposal["period"],
                authority_role=level.role,
                double_aid_flagged=verdict.flagged,
            )
            return Change(state=target, set={"decision": record}, events=[(AID_DECIDED, data)], motive=payload.motive)

        try:
            doc, _ = self._step(caller, request_id, Step.APPROVE, key, decide, payload)
        except Exception:
            if held:  # a later check failed, or a concurrent step won: give back unless it was granted
                self._release_unless_granted(request_id, lambda d: d["state"] in GRANTED)
            raise
        return self._answer(doc)

    @rpc
    def reject_aid_request(self, request_id: str, decision: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The checker refuses the aid (confirming a proposed refusal, or overruling a grant): ``aid_decided``."""
        caller = policy.authorize(self.caller, "aid.approve")
        key = check_key(idempotency_key)
        payload = parse(AidMotiveIn, decision)

        def decide(doc: dict[str, Any]) -> Change:
            target = advance(doc["state"], Step.REJECT)
            proposal = doc["proposal"]
            at_stake = int(proposal.get("amount_dzd") or 0)
            level = check_checker(caller.user_id, caller.roles, at_stake, (doc["received_by"], proposal["by"]))
            record = {
                "by": caller.user_id,
                "at": now(),
                "decision": "refuse",
                "amount_dzd": None,
                "period": proposal["period"],
                "motive": payload.motive,
                "authority_role": level.role,
                "authority_area": caller.area,
                "double_aid": [],
                "double_aid_flagged": False,
            }
            data = event_data(
                doc, decision="refuse", amount_dzd=None, period=proposal["period"], authority_role=level.role
            )
            return Change(state=target, set={"decision": record}, events=[(AID_DECIDED, data)], motive=payload.motive)

        doc, _ = self._step(caller, request_id, Step.REJECT, key, decide, payload)
        self._release(request_id)
        return self._answer(doc)

    @rpc
    def cancel_aid_request(self, request_id: str, motive: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The administration stops a request before payment; an approved one's budget is given back.

        Cancelling an approved grant is a checker's act (``aid.approve``).
        """
        return self._stop(request_id, motive, idempotency_key, Step.CANCEL)

    @rpc
    def withdraw_aid_request(self, request_id: str, motive: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The household withdraws its request before payment; the budget is given back."""
        return self._stop(request_id, motive, idempotency_key, Step.WITHDRAW)

    def _stop(self, request_id: str, motive: dict[str, Any], idempotency_key: str, step: Step) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "aid.request")
        key = check_key(idempotency_key)
        payload = parse(AidMotiveIn, motive)

        def decide(doc: dict[str, Any]) -> Change:
            target = advance(doc["state"], step)
            if doc["state"] == State.APPROVED and step == Step.CANCEL:
                policy.authorize(caller, "aid.approve")
            changes: dict[str, Any] = {}
            if doc.get("urgent"):
                changes["regularisation.status"] = "annulled"
                changes["regularisation.next_escalation_at"] = None
            return Change(state=target, set=changes, motive=payload.motive)

        doc, _ = self._step(caller, request_id, step, key, decide, payload)
        if doc["state"] in RELEASING:
            self._release(request_id)  # again on a replay: a crash may have come between
        return self._answer(doc)

    @rpc
    def record_aid_delivery(self, request_id: str, delivery: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """In-kind aid or a service handed over: ``disbursed``, ``aid_disbursed`` (cash goes through payment lists)."""
        caller = policy.authorize(self.caller, "aid.disburse")
        key = check_key(idempotency_key)
        payload = parse(DeliveryIn, delivery)

        def decide(doc: dict[str, Any]) -> Change:
            target = advance(doc["state"], Step.DELIVER)
            if doc["benefit_type"] == "cash":
                raise InvalidTransition(
                    "cash aid is paid through payment lists",
                    {"state": doc["state"], "step": Step.DELIVER.value, "allowed": allowed_steps(doc["state"], "cash")},
                )
            record = {"status": "delivered", "delivered_on": payload.delivered_on.isoformat(), "attempt": 0}
            data = event_data(doc, amount_dzd=doc["decision"]["amount_dzd"], method="delivery")
            return Change(
                state=target, set={"disbursement": record}, events=[(AID_DISBURSED, data)], motive=payload.notes
            )

        doc, _ = self._step(caller, request_id, Step.DELIVER, key, decide, payload)
        self._spend(request_id)
        return self._answer(doc)

    @rpc
    def record_follow_up_visit(self, request_id: str, visit: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A follow-up visit after the aid: ``follow_up`` (repeatable)."""
        caller = policy.authorize(self.caller, "aid.follow_up")
        key = check_key(idempotency_key)
        payload = parse(FollowUpVisitIn, visit)

        def decide(doc: dict[str, Any]) -> Change:
            target = advance(doc["state"], Step.FOLLOW_UP_VISIT)
            record = {"by": caller.user_id, "at": now(), **payload.model_dump(mode="json")}
            return Change(state=target, push={"visits": record})

        doc, _ = self._step(caller, request_id, Step.FOLLOW_UP_VISIT, key, decide, payload)
        return self._answer(doc)

    @rpc
    def close_aid_request(self, request_id: str, motive: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Close the case after the aid (and its follow-up), or after a rejection."""
        caller = policy.authorize(self.caller, "aid.follow_up")
        key = check_key(idempotency_key)
        payload = parse(AidMotiveIn, motive)

        def decide(doc: dict[str, Any]) -> Change:
            return Change(state=advance(doc["state"], Step.CLOSE), motive=payload.motive)

        doc, _ = self._step(caller, request_id, Step.CLOSE, key, decide, payload)
        return self._answer(doc)

    @rpc
    def decision_letter(self, request_id: str, language: str) -> dict[str, Any]:
        """The decision letter as PDF, base64: ``{"filename", "content_type", "pdf_base64"}``."""
        caller = policy.authorize(self.caller, "aid.read")
        if language not in letters.LANGUAGES:
            raise ValidationFailed("language must be 'ar' or 'fr'", {"language": language})
        doc = self._visible_request(caller, request_id)
        decision = doc.get("decision")
        if not decision:
            raise Conflict("the request has no decision yet", {"state": doc["state"]})
        programme = self.programmes.get(doc["programme"]) or {}
        letter = letters.LetterData(
            request_id=str(doc["_id"]),
            household_id=doc["household_id"],
            area=doc["area"],
            programme_fr=programme.get("name_fr", doc["programme"]),
            programme_ar=programme.get("name_ar", doc["programme"]),
            granted=decision["decision"] == "grant",
            amount_dzd=decision.get("amount_dzd"),
            period=decision.get("period"),
            motive=decision["motive"],
            decided_on=decision["at"].date(),
            authority_role=decision["authority_role"],
            authority_area=decision["authority_area"],
            urgent=bool(doc.get("urgent")),
        )
        pdf = letters.render(letter, cast(letters.Language, language), self.aid_settings.letter_font_dir)
        return {
            "filename": f"decision-{letter.request_id}-{language}.pdf",
            "content_type": "application/pdf",
            "pdf_base64": base64.b64encode(pdf).decode("ascii"),
        }
