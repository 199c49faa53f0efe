"""The assistance service: its groups of entrypoints (``assistance.entrypoints``) and the event relay."""

from __future__ import annotations

from nameko.timer import timer

from assistance.entrypoints.casework import CaseworkEntrypoints
from assistance.entrypoints.eligibility import EligibilityEntrypoints
from assistance.entrypoints.payments import PaymentEntrypoints
from assistance.entrypoints.programmes import ProgrammeEntrypoints
from assistance.entrypoints.referrals import ReferralEntrypoints
from assistance.entrypoints.requests import RequestEntrypoints
from assistance.entrypoints.urgent import UrgentEntrypoints


class AssistanceService(
    ProgrammeEntrypoints,
    RequestEntrypoints,
    UrgentEntrypoints,
    PaymentEntrypoints,
    EligibilityEntrypoints,
    ReferralEntrypoints,
    CaseworkEntrypoints,
):
    name = "assistance"

    @timer(interval=0.5)
    def relay_outbox(self) -> None:
        """Publish the events written with the records (see common.nameko_ext.outbox)."""
        self.aid_requests.relay_events(self.dispatch)

    @timer(interval=600, eager=True)
    def sweep_outbox(self) -> None:
        """At start and every 10 minutes: catch events a crash left unmarked."""
        self.aid_requests.sweep_events()
