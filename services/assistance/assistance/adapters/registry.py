"""The registry as the aid use cases ask it: one household's facts, in time or a clear error."""

from __future__ import annotations

from typing import Any

from eventlet.timeout import Timeout
from nameko.exceptions import RemoteError

from common.contracts.facts import HouseholdFacts
from common.errors import ServiceUnavailable, UpstreamError
from common.nameko_ext.remote import remote_errors


def fetch_facts(registry: Any, household_id: str, timeout_seconds: float) -> HouseholdFacts:
    """The registry's facts about a household, as the caller may see them (its context travels)."""
    try:
        with Timeout(timeout_seconds), remote_errors():
            raw = registry.household_facts(household_id)
    except Timeout:
        raise ServiceUnavailable("the registry did not answer in time") from None
    except RemoteError as exc:
        raise UpstreamError("the registry failed to answer", {"remote_type": str(exc.exc_type)}) from None
    return HouseholdFacts.model_validate(raw)


def household_facts(registry: Any, household_id: str) -> Any:
    """The registry's answer about a household as it came (remote errors as the platform's own)."""
    with remote_errors():
        return registry.household_facts(household_id)
