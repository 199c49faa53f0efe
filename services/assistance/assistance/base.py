"""The assistance service's dependencies, shared by its groups of entrypoints (``assistance.entrypoints``).

Each group is a mixin over :class:`AssistanceBase`; :class:`assistance.service.AssistanceService`
puts them together into the one nameko service.
"""

from __future__ import annotations

from nameko.rpc import RpcProxy

from assistance.adapters.aid_requests import MongoAidRequestRepository
from assistance.adapters.cover_claims import MongoCoverClaims
from assistance.adapters.payments import MongoPaymentRepository, PaymentRepository
from assistance.adapters.registry import fetch_facts
from assistance.app.ports import AidDesk, AidRequests, CoverClaims
from assistance.casework_store import CaseworkRepository, MongoCaseworkRepository
from assistance.institutions_store import InstitutionRepository, MongoInstitutionRepository
from assistance.referrals_store import MongoReferralRepository, ReferralRepository
from assistance.repository import MongoProgrammeRepository, ProgrammeRepository
from assistance.settings import AidSettings, AidSettingsProvider
from common.nameko_ext.background import Background, Spawn
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService


class AssistanceBase(PlatformService):
    programmes: ProgrammeRepository = MongoRepository(MongoProgrammeRepository)
    aid_requests: AidRequests = MongoRepository(MongoAidRequestRepository)
    cover: CoverClaims = MongoRepository(MongoCoverClaims)
    payments: PaymentRepository = MongoRepository(MongoPaymentRepository)
    aid_settings: AidSettings = AidSettingsProvider()
    institutions: InstitutionRepository = MongoRepository(MongoInstitutionRepository)
    referrals: ReferralRepository = MongoRepository(MongoReferralRepository)
    casework: CaseworkRepository = MongoRepository(MongoCaseworkRepository)
    registry = RpcProxy("registry")  # household facts; the caller's context travels with each call
    background: Spawn = Background()

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
