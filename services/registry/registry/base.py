"""The registry's dependencies, shared by its groups of entrypoints (``registry.entrypoints``).

Each group is a mixin over :class:`RegistryBase`; :class:`registry.service.RegistryService`
puts them together into the one nameko service.
"""

from __future__ import annotations

from common.jobs import JobRepository, MongoJobRepository
from common.nameko_ext.background import Background, Spawn
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.outbox_relay import OutboxRelay
from common.nameko_ext.page_stream import OpenSender, PageSenders
from common.pii import NationalIdProtector
from registry.adapters.areas import AreaRepository, MongoAreaRepository
from registry.adapters.assessment_requests import MongoScoreRepository, ScoreRepository
from registry.adapters.households import HouseholdRepository, MongoHouseholdRepository
from registry.adapters.reviews import MongoReviewRepository, ReviewRepository
from registry.adapters.uploads import MongoUploadRepository, UploadRepository
from registry.dependencies import NationalIds


class RegistryBase(PlatformService):
    households: HouseholdRepository = MongoRepository(MongoHouseholdRepository)
    reviews: ReviewRepository = MongoRepository(MongoReviewRepository)
    jobs: JobRepository = MongoRepository(MongoJobRepository)
    areas: AreaRepository = MongoRepository(MongoAreaRepository)
    scores: ScoreRepository = MongoRepository(MongoScoreRepository)
    uploads: UploadRepository = MongoRepository(MongoUploadRepository)
    national_ids: NationalIdProtector = NationalIds()
    background: Spawn = Background()
    page_senders: OpenSender = PageSenders()
    outbox = OutboxRelay(collections=("households",))  # publishes the events written with the households
