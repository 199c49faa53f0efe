"""Inject the caller of the current call and put its correlation id in the logs."""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider

from common import logs
from common.context import CallerContext


class Caller(DependencyProvider):
    """``self.caller`` is the :class:`CallerContext` the call carried, or ``None``.

    ``None`` means an internal call (a timer, an event handler): entrypoints that act
    for a user must refuse it through :func:`common.policy.require_caller`.
    """

    def worker_setup(self, worker_ctx: Any) -> None:
        logs.correlation_id.set(str(worker_ctx.data.get("correlation_id", "")))

    def get_dependency(self, worker_ctx: Any) -> CallerContext | None:
        return CallerContext.from_data(worker_ctx.data)
