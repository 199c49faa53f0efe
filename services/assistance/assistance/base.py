"""The assistance service's dependencies, shared by its groups of entrypoints (``assistance.entrypoints``).

Each group is a mixin over :class:`AssistanceBase`; :class:`assistance.service.AssistanceService`
puts them together into the one nameko service.
"""

from __future__ import annotations

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy

from assistance.repository import MongoProgrammeRepository, ProgrammeRepository
from common.nameko_ext.background import Background, Spawn
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService


class AssistanceBase(PlatformService):
    programmes: ProgrammeRepository = MongoRepository(MongoProgrammeRepository)
    registry = RpcProxy("registry")  # household facts; the caller's context travels with each call
    background: Spawn = Background()
    dispatch = EventDispatcher()
