"""Veille entrypoints."""

from __future__ import annotations

from typing import Any

from common import policy
from common.contracts.signals import SignalIn
from common.idempotency import keyed
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.validation import parse
from veille.repository import MongoSignalRepository, SignalRepository


class VeilleService(PlatformService):
    name = "veille"

    signals: SignalRepository = MongoRepository(MongoSignalRepository)

    @rpc
    def report_signal(self, signal: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        caller = policy.authorize(self.caller, "signal.report")
        payload = parse(SignalIn, signal)
        policy.require_within(caller, payload.area)
        key = keyed(caller.user_id, idempotency_key, "report_signal", payload)
        return self.signals.report(payload, caller.user_id, key)

    @rpc
    def list_signals(self) -> list[dict[str, Any]]:
        caller = policy.authorize(self.caller, "signal.read")
        return self.signals.list(policy.scope(caller))
