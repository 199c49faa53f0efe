"""The solidarity service: thin entrypoints over the use cases in ``solidarity.app``.

Each entrypoint authorizes the caller, reads its payload, calls one use case and answers
a view (``solidarity.views``). Reading order: this file, then ``app/``, ``domain/``, ``adapters/``.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any

from nameko.timer import timer

from common import policy
from common.clock import now
from common.contracts.bequests import STEP_BODIES as BEQUEST_STEP_BODIES
from common.contracts.bequests import BequestDocumentIn, BequestFilter, BequestIn
from common.contracts.campaigns import CampaignIn, CampaignStepIn
from common.contracts.donors import ConsentIn, DonorIn
from common.contracts.gifts import GiftIn, PaymentIn, PledgeIn, ReasonIn
from common.contracts.receipts import AnnualReceiptIn, ReceiptFilter, ReceiptReasonIn
from common.idempotency import keyed
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.outbox_relay import OutboxRelay
from common.validation import parse
from solidarity import bequest_views, receipt_views, views
from solidarity.adapters import campaign_totals, gifts, pledges
from solidarity.adapters.bequests import OUTBOX_COLLECTIONS as BEQUEST_OUTBOX
from solidarity.adapters.bequests import MongoBequestDocuments, MongoBequestRepository
from solidarity.adapters.campaign_totals import MongoCampaignTotals
from solidarity.adapters.campaigns import MongoCampaigns
from solidarity.adapters.donors import MongoDonors
from solidarity.adapters.gifts import MongoGifts
from solidarity.adapters.pledges import MongoPledges
from solidarity.adapters.receipt_counters import MongoReceiptNumbers
from solidarity.adapters.receipts import OUTBOX_COLLECTIONS as RECEIPT_OUTBOX
from solidarity.adapters.receipts import MongoReceipts
from solidarity.adapters.statement_imports import MongoStatementImports
from solidarity.app import bequests as bequest_cases
from solidarity.app import campaigns as campaigning
from solidarity.app import donors as donor_records
from solidarity.app import gifts as giving
from solidarity.app import pledges as pledging
from solidarity.app import receipts as receipting
from solidarity.app import statements as statement_imports
from solidarity.app.ports import (
    Campaigns,
    CampaignTotals,
    Donors,
    Gifts,
    Pledges,
    ReceiptNumbers,
    ReceiptRegister,
    StatementImports,
)
from solidarity.bequest_settings import BequestRulesProvider
from solidarity.domain.bequests import BequestRules
from solidarity.domain.receipts import Receipt
from solidarity.printing import receipt_pdf
from solidarity.receipt_settings import ReceiptSettings, ReceiptSettingsProvider

PAGE = 200
OUTBOX_COLLECTIONS = (
    gifts.COLLECTION,
    campaign_totals.COLLECTION,
    pledges.COLLECTION,
    *BEQUEST_OUTBOX,
    *RECEIPT_OUTBOX,
)


class SolidarityService(PlatformService):
    """Campaigns, donors, gifts, pledges, statement imports, receipts and bequests."""

    name = "solidarity"

    campaigns: Campaigns = MongoRepository(MongoCampaigns)
    totals: CampaignTotals = MongoRepository(MongoCampaignTotals)
    donors: Donors = MongoRepository(MongoDonors)
    gifts: Gifts = MongoRepository(MongoGifts)
    pledges: Pledges = MongoRepository(MongoPledges)
    statements: StatementImports = MongoRepository(MongoStatementImports)
    outbox = OutboxRelay(collections=OUTBOX_COLLECTIONS)  # publishes the events written with the records

    @property
    def desk(self) -> giving.GiftDesk:
        return giving.GiftDesk(self.campaigns, self.totals, self.donors, self.gifts, self.receipt_register)

    @property
    def pledge_desk(self) -> pledging.PledgeDesk:
        return pledging.PledgeDesk(self.desk, self.pledges)

    # campaigns (app.campaigns)

    @rpc
    def create_campaign(self, campaign: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A draft campaign in the caller's area or below; a repeated key answers the first one."""
        caller = policy.authorize(self.caller, "campaign.manage")
        payload = parse(CampaignIn, campaign)
        key = keyed(caller.user_id, idempotency_key, "create_campaign", payload)
        return views.campaign(campaigning.create(self.campaigns, caller, payload, key))

    @rpc
    def list_campaigns(self) -> list[dict[str, Any]]:
        """Campaigns running in or above the caller's area (donors see all they may give to)."""
        caller = policy.authorize(self.caller, "campaign.read")
        return [views.campaign(found) for found in campaigning.offered(self.campaigns, caller)]

    @rpc
    def get_campaign(self, campaign_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "campaign.read")
        return views.campaign(campaigning.visible(self.campaigns, caller, campaign_id))

    @rpc
    def move_campaign(self, campaign_id: str, step: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Open, close or archive a campaign run in the caller's area (asking for its present state answers it)."""
        caller = policy.authorize(self.caller, "campaign.manage")
        payload = parse(CampaignStepIn, step)
        keyed(caller.user_id, idempotency_key, "move_campaign", campaign_id, payload)
        return views.campaign(campaigning.move(self.campaigns, caller, campaign_id, payload.to))

    @rpc
    def campaign_progress(self, campaign_id: str) -> dict[str, Any]:
        """Each goal against what the campaign's standing gifts add up to."""
        caller = policy.authorize(self.caller, "campaign.read")
        return views.progress(campaigning.progress_of(self.campaigns, self.totals, caller, campaign_id))

    # donors (app.donors)

    @rpc
    def register_donor(self, donor: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A walk-in donor in the staff's area, or a donor user's own record (once)."""
        caller = policy.authorize(self.caller, "gift.record")
        payload = parse(DonorIn, donor)
        key = keyed(caller.user_id, idempotency_key, "register_donor", payload)
        return views.donor(donor_records.register(self.donors, caller, payload, key))

    @rpc
    def get_donor(self, donor_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "gift.read")
        return views.donor(donor_records.visible(self.donors, caller, donor_id))

    @rpc
    def my_donor(self) -> dict[str, Any]:
        """The donor user's own record."""
        caller = policy.authorize(self.caller, "donor.self")
        return views.donor(donor_records.own(self.donors, caller))

    @rpc
    def set_donor_consent(self, donor_id: str, consent: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The donor's consent to be contacted (none: withdrawn) and their anonymity on public lists."""
        caller = policy.authorize(self.caller, "gift.record")
        payload = parse(ConsentIn, consent)
        keyed(caller.user_id, idempotency_key, "set_donor_consent", donor_id, payload)
        return views.donor(donor_records.consent(self.donors, caller, donor_id, payload))

    @rpc
    def list_donors(self) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "gift.read")
        found, total = donor_records.listed(self.donors, caller, PAGE)
        return views.page([views.donor(one) for one in found], total)

    # gifts (app.gifts)

    @rpc
    def record_gift(self, gift: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Record a gift (cash or in kind) once per key; it counts in its campaign's progress."""
        caller = policy.authorize(self.caller, "gift.record")
        payload = parse(GiftIn, gift)
        key = keyed(caller.user_id, idempotency_key, "record_gift", payload)
        return views.gift(giving.record(self.desk, caller, payload, key))

    @rpc
    def get_gift(self, gift_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "gift.read")
        return views.gift(giving.visible(self.desk, caller, gift_id))

    @rpc
    def list_gifts(self, donor_id: str | None = None, campaign_id: str | None = None) -> dict[str, Any]:
        """The gifts the caller sees (newest first, up to a page) and how many."""
        caller = policy.authorize(self.caller, "gift.read")
        found, total = giving.listed(self.desk, caller, donor_id, campaign_id, PAGE)
        return views.page([views.gift(one) for one in found], total)

    @rpc
    def withdraw_gift(self, gift_id: str, how: str, reason: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Cancel (``how`` = ``cancel``) or refund (``refund``) a gift with its reason."""
        caller = policy.authorize(self.caller, "gift.cancel")
        payload = parse(ReasonIn, reason)
        keyed(caller.user_id, idempotency_key, "withdraw_gift", gift_id, how, payload)
        return views.gift(giving.withdraw(self.desk, caller, gift_id, how, payload.reason))

    @timer(interval=giving.SETTLE_AFTER_SECONDS)
    def settle_gifts(self) -> None:
        """Finish the gift moves a stopped process left: count them in (or take them back from) their
        campaign and void a withdrawn gift's receipt, once."""
        giving.settle_unsettled(self.desk, now())

    # pledges (app.pledges)

    @rpc
    def create_pledge(self, pledge: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A pledge with its instalment schedule (explicit or monthly), once per key."""
        caller = policy.authorize(self.caller, "pledge.manage")
        payload = parse(PledgeIn, pledge)
        key = keyed(caller.user_id, idempotency_key, "create_pledge", payload)
        return views.pledge(pledging.create(self.pledge_desk, caller, payload, key))

    @rpc
    def get_pledge(self, pledge_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "pledge.read")
        return views.pledge(pledging.visible(self.pledge_desk, caller, pledge_id)[0])

    @rpc
    def list_pledges(self) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "pledge.read")
        found, total = pledging.listed(self.pledge_desk, caller, PAGE)
        return views.page([views.pledge(one) for one in found], total)

    @rpc
    def pay_pledge(self, pledge_id: str, payment: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Record a payment as a gift and apply it to the pledge's oldest unpaid instalments (once per key)."""
        caller = policy.authorize(self.caller, "pledge.manage")
        payload = parse(PaymentIn, payment)
        key = keyed(caller.user_id, idempotency_key, "pay_pledge", pledge_id, payload)
        return views.pledge(pledging.pay(self.pledge_desk, caller, pledge_id, payload, key))

    @rpc
    def cancel_pledge(self, pledge_id: str, reason: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "pledge.manage")
        payload = parse(ReasonIn, reason)
        keyed(caller.user_id, idempotency_key, "cancel_pledge", pledge_id, payload)
        return views.pledge(pledging.cancel(self.pledge_desk, caller, pledge_id, payload.reason))

    @timer(interval=pledging.REMINDER_INTERVAL_SECONDS)
    def remind_pledges(self) -> None:
        """Announce the instalments due soon or overdue (``pledge_due``), once per pledge and day."""
        pledging.remind(self.pledges, now().date())

    # statement imports (app.statements)

    @rpc
    def import_statement(self, content_b64: str, currency: str, idempotency_key: str) -> dict[str, Any]:
        """Match a bank or CCP statement (CSV) to transfer gifts and pledges; the same key replays the report."""
        caller = policy.authorize(self.caller, "statement.import")
        content = base64.b64decode(content_b64)
        file = statement_imports.fingerprint(content)
        key = keyed(caller.user_id, idempotency_key, "import_statement", currency, file)
        desk = statement_imports.StatementDesk(self.pledge_desk, self.statements)
        return statement_imports.import_statement(desk, caller, content, currency, key)

    # --- receipts ---
    # Receipts: numbered without gaps per directorate and year, voided but never removed, verifiable by anyone
    # (app.receipts). The register's recovery ends what a stopped process left, at start and every minute.

    receipt_numbers: ReceiptNumbers = MongoRepository(MongoReceiptNumbers)
    receipt_register: ReceiptRegister = MongoRepository(MongoReceipts)
    receipt_settings: ReceiptSettings = ReceiptSettingsProvider()

    @property
    def receipt_desk(self) -> receipting.Desk:
        return receipting.Desk(self.receipt_numbers, self.receipt_register, self.gifts, self.donors)

    def _receipt(self, found: Receipt) -> dict[str, Any]:
        return receipt_views.receipt(found, self.receipt_settings.key, self.receipt_settings.public_base_url)

    @rpc
    def issue_receipt(self, gift_id: str, idempotency_key: str) -> dict[str, Any]:
        """The receipt of a standing gift in the caller's area (its amount is then locked); once per key."""
        caller = policy.authorize(self.caller, "receipt.issue")
        key = keyed(caller.user_id, idempotency_key, "issue_receipt", gift_id)
        return self._receipt(receipting.issue_for_gift(self.receipt_desk, caller, gift_id, key, now().date()))

    @rpc
    def get_receipt(self, number: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "receipt.read")
        return self._receipt(receipting.get(self.receipt_desk, caller, number))

    @rpc
    def list_receipts(self, filters: dict[str, Any]) -> dict[str, Any]:
        """The register in the caller's sight (a donor: their own receipts), by number, void numbers included."""
        caller = policy.authorize(self.caller, "receipt.read")
        wanted = parse(ReceiptFilter, filters)
        lines = receipting.register(self.receipt_desk, caller, wanted.issuer, wanted.year, wanted.limit, wanted.after)
        return receipt_views.register_page(lines, wanted.limit)

    @rpc
    def receipt_pdf(self, number: str) -> dict[str, Any]:
        """The printed receipt (Arabic and French, QR code), base64 in ``content``."""
        caller = policy.authorize(self.caller, "receipt.read")
        found, donor_name, campaign_names = receipting.printable(self.receipt_desk, self.campaigns, caller, number)
        settings = self.receipt_settings
        page = receipt_pdf.sheet(found, donor_name=donor_name, campaign_names=campaign_names, key=settings.key,
                                 base_url=settings.public_base_url)  # fmt: skip
        content = receipt_pdf.render(page, settings.font_dir)
        filename = f"recu-{str(found.number).replace('/', '-')}.pdf"
        return {"filename": filename, "media_type": "application/pdf", "content": base64.b64encode(content).decode()}

    @rpc
    def cancel_receipt(self, number: str, reason: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The receipt made void with its reason; the number stays in the register."""
        caller = policy.authorize(self.caller, "receipt.cancel")
        payload = parse(ReceiptReasonIn, reason)
        key = keyed(caller.user_id, idempotency_key, "cancel_receipt", number, payload)
        return self._receipt(receipting.cancel(self.receipt_desk, caller, number, payload.reason, key))

    @rpc
    def reissue_receipt(self, number: str, reason: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """The receipt voided and issued again under a new number that names it; the new receipt."""
        caller = policy.authorize(self.caller, "receipt.cancel")
        payload = parse(ReceiptReasonIn, reason)
        key = keyed(caller.user_id, idempotency_key, "reissue_receipt", number, payload)
        reissued = receipting.reissue(self.receipt_desk, caller, number, payload.reason, key, now().date())
        return self._receipt(reissued)

    @rpc
    def annual_receipt(self, request: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A donor's consolidated receipt of a year (never two valid ones for the same donor and year)."""
        caller = policy.authorize(self.caller, "receipt.annual")
        payload = parse(AnnualReceiptIn, request)
        key = keyed(caller.user_id, idempotency_key, "annual_receipt", payload)
        issued = receipting.annual(self.receipt_desk, caller, payload.donor_id, payload.year, key, now().date())
        return self._receipt(issued)

    @rpc
    def verify_receipt(self, number: str, code: str, language: str = "fr") -> dict[str, Any]:
        """The public check (no caller): valid or cancelled, number, date, amount, issuer, and the donor's
        public name only if they allowed it; an unknown number and a wrong code answer alike."""
        wanted = "ar" if language == "ar" else "fr"
        check = receipting.public_check(self.receipt_desk, number, code, self.receipt_settings.key, wanted)
        return receipt_views.public(check)

    @timer(interval=receipting.RECOVERY_INTERVAL_SECONDS, eager=True)
    def recover_receipts(self) -> None:
        """End the issues a stopped process left: complete or void stale pending numbers, void lost ones."""
        stale = timedelta(seconds=self.receipt_settings.stale_after_seconds)
        receipting.recover(self.receipt_desk, now(), stale)

    # --- bequests ---
    # Bequests (legs): a declared intention taken step by step to a closed estate, with its
    # documents (app.bequests). Thresholds and due days are configuration (reference/).

    bequests: bequest_cases.Bequests = MongoRepository(MongoBequestRepository)
    bequest_documents: bequest_cases.BequestDocuments = MongoRepository(MongoBequestDocuments)
    bequest_rules: BequestRules = BequestRulesProvider()

    @rpc
    def declare_bequest(self, bequest: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """A donor's own intention, or staff's for a donor in their area (revocable until notified)."""
        caller = policy.authorize(self.caller, "bequest.declare")
        payload = parse(BequestIn, bequest)
        key = keyed(caller.user_id, idempotency_key, "declare_bequest", payload)
        declared = bequest_cases.declare_bequest(self.bequests, self.donors, self.bequest_rules, caller, payload, key)
        return bequest_views.bequest(declared, self.bequest_rules)

    @rpc
    def get_bequest(self, bequest_id: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "bequest.read")
        return bequest_views.bequest(bequest_cases.get_bequest(self.bequests, caller, bequest_id), self.bequest_rules)

    @rpc
    def list_bequests(self, filters: dict[str, Any]) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "bequest.read")
        wanted = parse(BequestFilter, filters)
        found = bequest_cases.list_bequests(self.bequests, caller, wanted)
        return bequest_views.page(found, self.bequest_rules, wanted.limit)

    @rpc
    def count_bequests(self, filters: dict[str, Any]) -> dict[str, int]:
        caller = policy.authorize(self.caller, "bequest.read")
        return {"count": bequest_cases.count_bequests(self.bequests, caller, parse(BequestFilter, filters))}

    @rpc
    def take_bequest_step(
        self, bequest_id: str, step: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """One step (notify, accept, refuse, value, realise, close, revoke) once per key; out of order: 409."""
        caller = policy.authorize(self.caller, bequest_cases.step_permission(step))
        payload = parse(BEQUEST_STEP_BODIES[step], body)
        key = keyed(caller.user_id, idempotency_key, "bequest_step", bequest_id, step, payload)
        moved = bequest_cases.take_step(self.bequests, self.bequest_documents, self.bequest_rules, caller,
                                        bequest_id, step, payload, key)  # fmt: skip
        return bequest_views.bequest(moved, self.bequest_rules)

    @rpc
    def attach_bequest_document(
        self, bequest_id: str, document: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Attach a PDF, JPEG or PNG (``content`` in base64) to a bequest; anything else refused, nothing stored."""
        caller = policy.authorize(self.caller, "bequest.declare")
        upload = parse(BequestDocumentIn, document)
        content = upload.bytes()
        key = keyed(caller.user_id, idempotency_key, "attach_bequest_document", bequest_id, upload.kind,
                    upload.filename, hashlib.sha256(content).hexdigest())  # fmt: skip
        stored = bequest_cases.attach_document(self.bequests, self.bequest_documents, caller, bequest_id, upload.kind,
                                               upload.filename, upload.media_type, content, key)  # fmt: skip
        return bequest_views.document(stored, [])

    @rpc
    def list_bequest_documents(self, bequest_id: str) -> list[dict[str, Any]]:
        caller = policy.authorize(self.caller, "bequest.read")
        listed = bequest_cases.list_documents(self.bequests, self.bequest_documents, caller, bequest_id)
        return [bequest_views.document(document, steps) for document, steps in listed]

    @rpc
    def get_bequest_document(self, bequest_id: str, document_id: str) -> dict[str, Any]:
        """A document's metadata and its bytes (base64)."""
        caller = policy.authorize(self.caller, "bequest.read")
        found, content = bequest_cases.document_content(
            self.bequests, self.bequest_documents, caller, bequest_id, document_id
        )
        return {**bequest_views.document(found, []), "content": base64.b64encode(content).decode("ascii")}

    @timer(interval=bequest_cases.OVERDUE_INTERVAL_SECONDS)
    def mark_overdue_bequests(self) -> None:
        """Mark bequests whose current step is past due (each announced once)."""
        bequest_cases.mark_overdue(self.bequests, self.bequest_rules, now().date())

    @timer(interval=bequest_cases.REALISED_GIFTS_INTERVAL_SECONDS, eager=True)
    def record_bequest_gifts(self) -> None:
        """Record each bequest realised in cash as one gift of its donor (once, keyed by the bequest)."""
        bequest_cases.record_cash_gifts(self.bequests, self.gifts)
