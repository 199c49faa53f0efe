"""The RPC entrypoint every service uses: domain errors are expected, not crashes.

nameko logs an unexpected worker error with its traceback at ERROR; a
:class:`DomainError` (not found, forbidden, invalid input) is an answer, logged by
nameko as an expected error at WARNING, without the traceback.

A database out of reach is no bug of the caller's nor of the service's: the reply
says :class:`ServiceUnavailable` (503 at the gateway, retry later) instead of carrying
the driver's exception, whose name and message are internals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from nameko.rpc import Rpc

from common.errors import DomainError, ServiceUnavailable
from common.nameko_ext.transient import is_transient

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

DATABASE_UNREACHABLE = "the service cannot reach its database; retry later"


class PlatformRpc(Rpc):
    """nameko's RPC entrypoint, answering transient database errors as ``ServiceUnavailable``."""

    def handle_result(self, message: Any, worker_ctx: Any, result: Any, exc_info: Any) -> Any:
        if exc_info is not None and is_transient(exc_info[1]):
            log.warning(
                "database unreachable; answered service_unavailable",
                extra={"method": self.method_name, "error": type(exc_info[1]).__name__},
            )
            unavailable = ServiceUnavailable(DATABASE_UNREACHABLE)
            exc_info = (ServiceUnavailable, unavailable, None)
        return super().handle_result(message, worker_ctx, result, exc_info)


def rpc(method: F) -> F:
    """``@rpc`` with :class:`DomainError` declared as expected."""
    decorated: F = PlatformRpc.decorator(expected_exceptions=(DomainError,))(method)
    return decorated
