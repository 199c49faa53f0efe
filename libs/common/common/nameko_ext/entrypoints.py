"""The RPC entrypoint every service uses: domain errors are expected, not crashes.

nameko logs an unexpected worker error with its traceback at ERROR; a
:class:`DomainError` (not found, forbidden, invalid input) is an answer, logged by
nameko as an expected error at WARNING, without the traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from nameko.rpc import rpc as nameko_rpc

from common.errors import DomainError

F = TypeVar("F", bound=Callable[..., Any])


def rpc(method: F) -> F:
    """``@rpc`` with :class:`DomainError` declared as expected."""
    decorated: F = nameko_rpc(expected_exceptions=(DomainError,))(method)
    return decorated
