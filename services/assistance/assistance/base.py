"""The assistance service's dependencies, shared by its groups of entrypoints (``assistance.entrypoints``).

Each group is a mixin over :class:`AssistanceBase`; :class:`assistance.service.AssistanceService`
puts them together into the one nameko service.
"""

from __future__ import annotations

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy

from assistance.casework_store import CaseworkRepository, MongoCaseworkRepository
from assistance.institutions_store import InstitutionRepository, MongoInstitutionRepository
from assistance.referrals_store import MongoReferralRepository, ReferralRepository
from assistance.repository import MongoProgrammeRepository, ProgrammeRepository
from assistance.requests.cover import CoverClaims, MongoCoverClaims
from assistance.requests.payments_store import MongoPaymentRepository, PaymentRepository
from assistance.requests.settings import AidSettings, AidSettingsProvider
from assistance.requests.store import AidRequestRepository, MongoAidRequestRepository
from common.nameko_ext.background import Background, Spawn
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService


class AssistanceBase(PlatformService):
    programmes: ProgrammeRepository = MongoRepository(MongoProgrammeRepository)
    aid_requests: AidRequestRepository = MongoRepository(MongoAidRequestRepository)
    cover: CoverClaims = MongoRepository(MongoCoverClaims)
    payments: PaymentRepository = MongoRepository(MongoPaymentRepository)
    aid_settings: AidSettings = AidSettingsProvider()
    institutions: InstitutionRepository = MongoRepository(MongoInstitutionRepository)
    referrals: ReferralRepository = MongoRepository(MongoReferralRepository)
    casework: CaseworkRepository = MongoRepository(MongoCaseworkRepository)
    registry = RpcProxy("registry")  # household facts; the caller's context travels with each call
    background: Spawn = Background()
    dispatch = EventDispatcher()
