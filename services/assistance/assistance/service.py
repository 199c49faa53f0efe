"""The assistance service: thin entrypoints over the use cases in ``assistance.app``.

Each entrypoint authorizes the caller, reads its payload, calls one use case and answers
a view (``assistance.views``). Reading order: this file, then ``app/``, ``domain/``, ``adapters/``.
"""

from __future__ import annotations

import base64
from functools import partial
from typing import Any

from nameko.rpc import RpcProxy
from nameko.timer import Timer, timer

from assistance import letters, views
from assistance.adapters import registry
from assistance.adapters.aid_requests import OUTBOX_COLLECTIONS, MongoAidRequestRepository
from assistance.adapters.casework import MongoCaseworkRepository
from assistance.adapters.cover_claims import MongoCoverClaims
from assistance.adapters.eligibility_results import MongoEligibilityResults
from assistance.adapters.emergencies import MongoEmergencies
from assistance.adapters.institutions import MongoInstitutionRepository
from assistance.adapters.payments import MongoPaymentRepository
from assistance.adapters.programmes import MongoProgrammeRepository
from assistance.adapters.referrals import MongoReferralRepository
from assistance.adapters.registry import fetch_facts, household_facts
from assistance.adapters.registry_pages import RegistryFactsPages
from assistance.app import aid_requests as aid
from assistance.app import casework as cases
from assistance.app import eligibility, urgent
from assistance.app import payments as disbursement
from assistance.app import programmes as catalogue
from assistance.app import referrals as referring
from assistance.app.ports import (
    AidDesk,
    AidRequests,
    CaseworkRepository,
    CoverClaims,
    EligibilityResults,
    FactsPages,
    InstitutionRepository,
    PaymentRepository,
    ProgrammeRepository,
    ReferralRepository,
)
from assistance.domain.lifecycle import Step
from assistance.settings import AidSettings, AidSettingsProvider
from common import policy
from common.contracts import events as ev
from common.contracts.aid import (
    AidMotiveIn,
    AidRequestFilter,
    AidRequestIn,
    DeliveryIn,
    DiagnosisIn,
    FollowUpVisitIn,
    ProposalIn,
    RegularisationIn,
    UrgentAidIn,
)
from common.contracts.programmes import ProgrammeIn
from common.contracts.referrals import (
    INSTITUTION_STEPS,
    STEP_BODIES,
    InstitutionFilter,
    InstitutionIn,
    ReferralFilter,
    ReferralIn,
)
from common.errors import ValidationFailed
from common.idempotency import check_key, keyed
from common.jobs import JobRepository, MongoJobRepository
from common.nameko_ext.background import Background, Spawn
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.outbox_relay import OutboxRelay
from common.nameko_ext.transient import event_handler
from common.validation import parse


class SettingsTimer(Timer):
    """A timer whose interval is ``AidSettings.escalation_interval_seconds`` of its container."""

    def setup(self) -> None:
        self.interval = AidSettings(**(self.container.config.get("AID_SETTINGS") or {})).escalation_interval_seconds


settings_timer = SettingsTimer.decorator


class AssistanceService(PlatformService):
    """Aid requests, urgent aid, payments, programmes and eligibility, referrals, case work."""

    name = "assistance"
    programmes: ProgrammeRepository = MongoRepository(MongoProgrammeRepository)
    aid_requests: AidRequests = MongoRepository(MongoAidRequestRepository)
    cover: CoverClaims = MongoRepository(MongoCoverClaims)
    emergencies: urgent.Emergencies = MongoRepository(MongoEmergencies)
    payments: PaymentRepository = MongoRepository(MongoPaymentRepository)
    aid_settings: AidSettings = AidSettingsProvider()
    institutions: InstitutionRepository = MongoRepository(MongoInstitutionRepository)
    referrals: ReferralRepository = MongoRepository(MongoReferralRepository)
    casework: CaseworkRepository = MongoRepository(MongoCaseworkRepository)
    registry = RpcProxy("registry")  # household facts; the caller's context travels with each call
    background: Spawn = Background()
    outbox = OutboxRelay(collections=OUTBOX_COLLECTIONS)  # publishes the events written with the requests
    runs: JobRepository = MongoRepository(MongoJobRepository)
    results: EligibilityResults = MongoRepository(MongoEligibilityResults)
    facts_pages: FactsPages = RegistryFactsPages()

    # payments of cash grants (app.payments)

    @rpc
    def build_payment_list(self, period: str, area: str) -> dict[str, Any]:
        """List the area's approved cash grants and failed payments for ``period`` (YYYY-MM).

        Repeating it adds only grants approved or payments failed since: a redelivered
        call lists nothing twice (a payment's reference is its key).
        """
        caller = policy.authorize(self.caller, "aid.disburse")
        built = disbursement.build_payment_list(self.desk, self.payments, caller, period, area)
        return {
            "lists": [views.payment_list(one) for one in built.lists],
            "added": built.added,
            "reissued": built.reissued,
        }

    @rpc
    def get_payment_list(self, list_id: str) -> dict[str, Any]:
        """A payment list with its payments (accounts in full: for the operator)."""
        caller = policy.authorize(self.caller, "aid.disburse")
        return views.payment_list(disbursement.get_payment_list(self.desk, self.payments, caller, list_id))

    @rpc
    def send_payment_list(self, list_id: str) -> dict[str, Any]:
        """Mark the list sent to the operator: its pending payments become ``sent`` (repeating changes nothing)."""
        caller = policy.authorize(self.caller, "aid.disburse")
        return views.payment_list(disbursement.send_payment_list(self.desk, self.payments, caller, list_id))

    @rpc
    def reconcile_payments(self, csv_text: str, idempotency_key: str) -> dict[str, Any]:
        """Apply the operator's file (``reference,status,paid_at[,failure_reason]``); the same key replays the report.

        Each row is applied once however often the file comes; references that are not
        payments of the caller's area, and rows that cannot be applied, are reported.
        """
        caller = policy.authorize(self.caller, "aid.disburse")
        return disbursement.reconcile_payments(self.desk, self.payments, caller, csv_text, idempotency_key)

    # programmes and budgets (app.programmes)

    @rpc
    def create_programme(self, programme: dict[str, Any]) -> dict[str, Any]:
        """Publish a programme; repeating the same call returns the same programme."""
        caller = policy.authorize(self.caller, "programme.manage")
        return catalogue.create(self.programmes, caller, parse(ProgrammeIn, programme))

    @rpc
    def list_programmes(self) -> list[dict[str, Any]]:
        """Programmes offered in or above the caller's area, each with the rules version in force."""
        caller = policy.authorize(self.caller, "programme.read")
        return catalogue.offered(self.programmes, caller)

    @rpc
    def get_programme(self, code: str) -> dict[str, Any]:
        """One programme with every rules version and the one in force; NotFound if not offered to the caller."""
        caller = policy.authorize(self.caller, "programme.read")
        return catalogue.with_rules_in_force(catalogue.offered_programme(self.programmes, caller, code))

    @rpc
    def publish_rules(self, code: str, rules: dict[str, Any]) -> dict[str, Any]:
        """Add the next rules version of a programme (never edits one): ``{"version", "activated_at", "criteria"}``.

        ``version`` is the next number, which makes a repeated call idempotent; a version
        takes effect now or later, never before the previous one.
        """
        caller = policy.authorize(self.caller, "programme.manage")
        return catalogue.publish_rules(self.programmes, caller, code, rules)

    @rpc
    def set_budget(self, code: str, area: str, period: str, amount_dzd: int) -> dict[str, Any]:
        """Set a programme's envelope (``amount_dzd`` allocated) for an area (the caller's or below) and period.

        Setting the same amount again changes nothing; lowering it below what is committed
        or spent is a Conflict.
        """
        caller = policy.authorize(self.caller, "budget.manage")
        return catalogue.set_budget(self.programmes, caller, code, area, period, amount_dzd)

    @rpc
    def get_budget(self, code: str, area: str, period: str) -> dict[str, Any]:
        """The envelope (allocated, committed, spent, remaining); NotFound outside the caller's area or if unset."""
        caller = policy.authorize(self.caller, "programme.read")
        return catalogue.budget(self.programmes, caller, code, area, period)

    # eligibility (app.eligibility)

    @rpc
    def check_eligibility(self, programme_code: str, household_id: str) -> dict[str, Any]:
        """Is the household eligible for the programme today: every criterion with its reason, and the amount."""
        caller = policy.authorize(self.caller, "programme.read")
        return eligibility.check(
            self.programmes, partial(household_facts, self.registry), caller, programme_code, household_id
        )

    @rpc
    def start_eligibility_run(self, programme_code: str, area: str) -> dict[str, Any]:
        """Check every household of ``area`` (the caller's or below) against the programme: a job.

        Its result counts eligible and not eligible households, failures per criterion and
        the total amount; the eligible households are read with ``eligibility_run_households``.
        """
        caller = policy.authorize(self.caller, "eligibility.run")
        return eligibility.start_run(
            self.programmes, self.runs, self.results, self.facts_pages, self.background, caller, programme_code, area
        )

    @rpc
    def get_eligibility_run(self, run_id: str) -> dict[str, Any]:
        """A run's status, progress and result; a run outside the caller's area does not exist."""
        caller = policy.authorize(self.caller, "programme.read")
        return eligibility.visible_run(self.runs, caller, run_id)

    @rpc
    def eligibility_run_households(self, run_id: str, chunk: int = 0) -> dict[str, Any]:
        """Chunk ``chunk`` of a run's eligible households: ``{"household_ids", "amounts_dzd", "next_chunk"}``."""
        caller = policy.authorize(self.caller, "programme.read")
        return eligibility.run_households(self.runs, self.results, caller, run_id, chunk)

    @property
    def desk(self) -> AidDesk:
        """The aid use cases' ports over this worker's dependencies."""
        timeout = self.aid_settings.registry_timeout_seconds
        return AidDesk(
            requests=self.aid_requests,
            cover=self.cover,
            programmes=self.programmes,
            facts=lambda household_id: fetch_facts(self.registry, household_id, timeout),
            rules=self.aid_settings,
        )

    # aid requests (app.aid_requests)

    @rpc
    def create_aid_request(self, request: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Receive a request for a household (reception): ``received``, ``aid_requested``."""
        caller = policy.authorize(self.caller, "aid.request")
        check_key(idempotency_key)
        payload = parse(AidRequestIn, request)
        key = keyed(caller.user_id, idempotency_key, "create_aid_request", payload)
        return views.aid_request(aid.receive(self.desk, caller, payload, key))

    @rpc
    def get_aid_request(self, request_id: str) -> dict[str, Any]:
        """A request with its history; outside the caller's area it does not exist."""
        caller = policy.authorize(self.caller, "aid.read")
        return views.aid_request(aid.visible(caller, request_id, self.desk))

    @rpc
    def list_aid_requests(self, filters: dict[str, Any]) -> dict[str, Any]:
        """A page of requests in the caller's area, by id: ``{"items", "next_cursor"}``."""
        caller = policy.authorize(self.caller, "aid.read")
        found, more = aid.search(self.desk, caller, parse(AidRequestFilter, filters))
        items = [views.aid_request(request, with_history=False) for request in found]
        return {"items": items, "next_cursor": items[-1]["id"] if more else None}

    @rpc
    def diagnose_aid_request(self, request_id: str, diagnosis: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Record the social worker's diagnosis; on an urgent grant, the first half of its regularisation."""
        caller = policy.authorize(self.caller, "aid.propose")
        key = check_key(idempotency_key)
        payload = parse(DiagnosisIn, diagnosis)
        return views.aid_request(aid.diagnose(self.desk, caller, request_id, payload, key))

    @rpc
    def check_aid_eligibility(self, request_id: str, idempotency_key: str) -> dict[str, Any]:
        """Check the rules in force against the household's facts now: a reason per criterion, the amount."""
        caller = policy.authorize(self.caller, "aid.propose")
        key = check_key(idempotency_key)
        return views.aid_request(aid.check_eligibility(self.desk, caller, request_id, key))

    @rpc
    def propose_aid_decision(self, request_id: str, proposal: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The maker proposes to grant or to refuse (grants of the same need overlapping are shown)."""
        caller = policy.authorize(self.caller, "aid.propose")
        key = check_key(idempotency_key)
        payload = parse(ProposalIn, proposal)
        return views.aid_request(aid.propose(self.desk, caller, request_id, payload, key))

    @rpc
    def approve_aid_request(self, request_id: str, decision: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The checker grants the proposed aid: ``approved``, budget committed, ``aid_decided``."""
        caller = policy.authorize(self.caller, "aid.approve")
        key = check_key(idempotency_key)
        payload = parse(AidMotiveIn, decision)
        return views.aid_request(aid.approve(self.desk, caller, request_id, payload, key))

    @rpc
    def reject_aid_request(self, request_id: str, decision: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The checker refuses the aid (confirming a proposed refusal, or overruling a grant): ``aid_decided``."""
        caller = policy.authorize(self.caller, "aid.approve")
        key = check_key(idempotency_key)
        payload = parse(AidMotiveIn, decision)
        return views.aid_request(aid.reject(self.desk, caller, request_id, payload, key))

    @rpc
    def cancel_aid_request(self, request_id: str, motive: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The administration stops a request before payment (an approved one: a checker's act)."""
        return self._stop(request_id, motive, idempotency_key, Step.CANCEL)

    @rpc
    def withdraw_aid_request(self, request_id: str, motive: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The household withdraws its request before payment; the budget is given back."""
        return self._stop(request_id, motive, idempotency_key, Step.WITHDRAW)

    def _stop(self, request_id: str, motive: dict[str, Any], idempotency_key: str, step: Step) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "aid.request")
        key = check_key(idempotency_key)
        payload = parse(AidMotiveIn, motive)
        return views.aid_request(aid.stop(self.desk, caller, request_id, payload, key, step))

    @rpc
    def record_aid_delivery(self, request_id: str, delivery: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """In-kind aid or a service handed over: ``disbursed``, ``aid_disbursed`` (cash goes through payment lists)."""
        caller = policy.authorize(self.caller, "aid.disburse")
        key = check_key(idempotency_key)
        payload = parse(DeliveryIn, delivery)
        return views.aid_request(aid.deliver(self.desk, caller, request_id, payload, key))

    @rpc
    def record_follow_up_visit(self, request_id: str, visit: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A follow-up visit after the aid: ``follow_up`` (repeatable)."""
        caller = policy.authorize(self.caller, "aid.follow_up")
        key = check_key(idempotency_key)
        payload = parse(FollowUpVisitIn, visit)
        return views.aid_request(aid.follow_up(self.desk, caller, request_id, payload, key))

    @rpc
    def close_aid_request(self, request_id: str, motive: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Close the case after the aid (and its follow-up), or after a rejection."""
        caller = policy.authorize(self.caller, "aid.follow_up")
        key = check_key(idempotency_key)
        payload = parse(AidMotiveIn, motive)
        return views.aid_request(aid.close(self.desk, caller, request_id, payload, key))

    @rpc
    def decision_letter(self, request_id: str, language: str) -> dict[str, Any]:
        """The decision letter as PDF, base64: ``{"filename", "content_type", "pdf_base64"}``."""
        caller = policy.authorize(self.caller, "aid.read")
        wanted = next((known for known in letters.LANGUAGES if known == language), None)
        if wanted is None:
            raise ValidationFailed("language must be 'ar' or 'fr'", {"language": language})
        font_dir = self.aid_settings.letter_font_dir
        found, pdf = aid.decision_letter(self.desk, caller, request_id, wanted, font_dir)
        return {
            "filename": f"decision-{found}-{language}.pdf",
            "content_type": "application/pdf",
            "pdf_base64": base64.b64encode(pdf).decode("ascii"),
        }

    # urgent aid (app.urgent)

    @rpc
    def grant_urgent_aid(self, grant: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Grant immediate aid: an ``approved`` urgent request, ``urgent_aid_granted`` and ``aid_decided``."""
        caller = policy.authorize(self.caller, "aid.urgent")
        check_key(idempotency_key)
        payload = parse(UrgentAidIn, grant)
        policy.require_within(caller, payload.area)
        key = keyed(caller.user_id, idempotency_key, "grant_urgent_aid", payload)
        return views.aid_request(urgent.grant(self.desk, self.aid_settings, self.emergencies, caller, payload, key))

    @event_handler("veille", ev.EMERGENCY_DECLARED)
    def on_emergency_declared(self, payload: dict[str, Any]) -> None:
        """A declared emergency (veille): urgent aid's fast track opens for its areas until it ends."""
        urgent.emergency_declared(self.emergencies, payload)

    @event_handler("veille", ev.EMERGENCY_ENDED)
    def on_emergency_ended(self, payload: dict[str, Any]) -> None:
        """An emergency ended early (veille): urgent aid's fast track closes for its areas at once."""
        urgent.emergency_ended(self.emergencies, payload)

    @rpc
    def regularise_urgent_aid(self, request_id: str, decision: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The regular decision on a diagnosed urgent grant, by an officer other than the granter."""
        caller = policy.authorize(self.caller, "aid.approve")
        key = check_key(idempotency_key)
        payload = parse(RegularisationIn, decision)
        return views.aid_request(urgent.regularise(self.desk, caller, request_id, payload, key))

    @settings_timer(interval=60)
    def escalate_overdue_regularisations(self) -> None:
        """Escalate each late regularisation one level, publishing ``regularisation_overdue`` once per level."""
        urgent.escalate_overdue(self.desk, self.aid_settings)

    # institutions and referrals (app.referrals)

    @property
    def referral_desk(self) -> referring.ReferralDesk:
        return referring.ReferralDesk(self.institutions, self.referrals, partial(household_facts, self.registry))

    @rpc
    def list_institutions(self, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Institutions of the caller's wilaya (all for national officers), by code, with occupancy."""
        caller = policy.authorize(self.caller, "institution.read")
        found = referring.institutions(self.referral_desk, caller, parse(InstitutionFilter, filters or {}))
        return [views.institution(one) for one in found]

    @rpc
    def get_institution(self, code: str) -> dict[str, Any]:
        """One institution with its occupancy; outside the caller's wilaya it does not exist."""
        caller = policy.authorize(self.caller, "institution.read")
        return views.institution(referring.visible_institution(self.referral_desk, caller, code))

    @rpc
    def create_institution(self, institution: dict[str, Any]) -> dict[str, Any]:
        """Add an institution in the caller's area; the same one again answers the stored one."""
        caller = policy.authorize(self.caller, "institution.manage")
        return views.institution(
            referring.create_institution(self.referral_desk, caller, parse(InstitutionIn, institution))
        )

    @rpc
    def update_institution(self, code: str, institution: dict[str, Any]) -> dict[str, Any]:
        """Replace an institution's description and capacity (never below the places taken).

        An edited reference entry is no longer refreshed from the shipped list.
        """
        caller = policy.authorize(self.caller, "institution.manage")
        updated = referring.update_institution(self.referral_desk, caller, code, parse(InstitutionIn, institution))
        return views.institution(updated)

    @rpc
    def propose_referral(self, referral: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Refer a member of a household in the caller's area to an institution of their wilaya (idempotent)."""
        caller = policy.authorize(self.caller, "referral.manage")
        check_key(idempotency_key)
        payload = parse(ReferralIn, referral)
        key = keyed(caller.user_id, idempotency_key, "propose_referral", payload)
        return views.referral(referring.propose(self.referral_desk, caller, payload, key))

    @rpc
    def get_referral(self, referral_id: str) -> dict[str, Any]:
        """A referral seen from the household's area or the institution's wilaya."""
        caller = policy.authorize(self.caller, "referral.manage")
        return views.referral(referring.referral(self.referral_desk, caller, referral_id))

    @rpc
    def list_referrals(self, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Referrals in the caller's area, the latest first, optionally of one institution or state."""
        caller = policy.authorize(self.caller, "referral.manage")
        found = referring.referrals(self.referral_desk, caller, parse(ReferralFilter, filters or {}))
        return [views.referral(one) for one in found]

    @rpc
    def advance_referral(
        self, referral_id: str, step: str, details: dict[str, Any] | None, idempotency_key: str
    ) -> dict[str, Any]:
        """Take a step of the lifecycle (``common.contracts.referrals.TRANSITIONS``); the same key replays it."""
        caller = policy.authorize(self.caller, "institution.manage" if step in INSTITUTION_STEPS else "referral.manage")
        if step not in STEP_BODIES:
            raise ValidationFailed("unknown step", {"step": step, "steps": sorted(STEP_BODIES)})
        check_key(idempotency_key)
        return referring.advance(self.referral_desk, caller, referral_id, step, details, idempotency_key)

    @timer(interval=300)
    def release_stale_places(self) -> None:
        """Give back places still held by ended, withdrawn or refused referrals (after a crash)."""
        referring.release_stale_places(self.referral_desk)

    # case work of the proximity cells (app.casework)

    @rpc
    def list_team(self, commune: str) -> list[dict[str, Any]]:
        """The cell's team members, past ones included (``active`` says who is active today)."""
        caller = policy.authorize(self.caller, "casework.read")
        return [views.team_member(member) for member in cases.list_team(self.casework, caller, commune)]

    @rpc
    def set_team_member(self, commune: str, member: dict[str, Any]) -> dict[str, Any]:
        """Add a member to the cell's team, or change their discipline or active period."""
        caller = policy.authorize(self.caller, "casework.manage")
        return views.team_member(cases.set_team_member(self.casework, caller, commune, member))

    @rpc
    def caseload(self, commune: str) -> dict[str, Any]:
        """Open cases per member of the cell, against the cell's soft limit."""
        caller = policy.authorize(self.caller, "casework.read")
        return cases.caseload(self.casework, caller, commune)

    @rpc
    def set_caseload_limit(self, commune: str, soft_limit: int) -> dict[str, Any]:
        """Set the cell's soft limit (open cases per member above which it is warned); the new caseload."""
        caller = policy.authorize(self.caller, "casework.manage")
        return cases.set_caseload_limit(self.casework, caller, commune, soft_limit)

    @rpc
    def overdue_visits(self, commune: str) -> list[dict[str, Any]]:
        """Visits planned before today and not recorded, in the cell's open cases, the oldest first."""
        caller = policy.authorize(self.caller, "casework.read")
        return [views.visit(visit, days) for visit, days in cases.overdue_visits(self.casework, caller, commune)]

    @rpc
    def open_case(self, case: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Open a case on a household of the caller's area, followed by the cell of its commune.

        The lead and the team must be active members of that cell. One open case per
        household; the same key answers the same case. ``warnings`` names the members
        whose caseload is now above the cell's soft limit.
        """
        caller = policy.authorize(self.caller, "casework.manage")
        facts = partial(registry.household_facts, self.registry)
        return views.case(*cases.open_case(self.casework, facts, caller, case, idempotency_key))

    @rpc
    def get_case(self, case_id: str) -> dict[str, Any]:
        """A case of the caller's area (outside it, it does not exist)."""
        caller = policy.authorize(self.caller, "casework.read")
        return views.case(cases.get_case(self.casework, caller, case_id))

    @rpc
    def list_cases(self, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Cases in the caller's area, the latest opened first."""
        caller = policy.authorize(self.caller, "casework.read")
        return [views.case(one) for one in cases.list_cases(self.casework, caller, filters)]

    @rpc
    def close_case(self, case_id: str, details: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Close an open case with a note; its planned visits are cancelled."""
        caller = policy.authorize(self.caller, "casework.manage")
        return views.case(cases.close_case(self.casework, caller, case_id, details, idempotency_key))

    @rpc
    def plan_visit(self, case_id: str, visit: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Plan a visit of an open case by one of its members (the lead unless named)."""
        caller = policy.authorize(self.caller, "casework.visit")
        return views.visit(cases.plan_visit(self.casework, caller, case_id, visit, idempotency_key))

    @rpc
    def record_visit(self, case_id: str, visit_id: str, record: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Record a planned visit with its outcome notes; a visit is recorded once."""
        caller = policy.authorize(self.caller, "casework.visit")
        return views.visit(cases.record_visit(self.casework, caller, case_id, visit_id, record, idempotency_key))
