"""The programme catalogue."""

from __future__ import annotations

from typing import Any

from assistance.base import AssistanceBase
from common import policy
from common.contracts.programmes import ProgrammeIn
from common.nameko_ext.entrypoints import rpc
from common.validation import parse


class ProgrammeEntrypoints(AssistanceBase):
    @rpc
    def create_programme(self, programme: dict[str, Any]) -> dict[str, Any]:
        """Publish a programme; repeating the same call returns the same programme."""
        caller = policy.authorize(self.caller, "programme.manage")
        payload = parse(ProgrammeIn, programme)
        policy.require_within(caller, payload.area)
        return self.programmes.create(payload, caller.user_id)

    @rpc
    def list_programmes(self) -> list[dict[str, Any]]:
        """Programmes offered in or above the caller's area."""
        caller = policy.authorize(self.caller, "programme.read")
        return self.programmes.list(policy.published_filter(caller))
