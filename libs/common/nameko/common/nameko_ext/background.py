"""Long jobs (imports, recomputes) run beside the RPC workers, not inside one.

An RPC that starts a job answers at once with the job's id; the work goes on in a thread
the container manages (stopped with the service), and the job reports its progress
where callers can read it (the registry keeps a ``jobs`` collection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.extensions import DependencyProvider

Spawn = Callable[[Callable[[], None], str], None]


class Background(DependencyProvider):
    """Inject ``spawn(work, name)``: run ``work()`` in a container-managed thread."""

    def get_dependency(self, worker_ctx: Any) -> Spawn:
        def spawn(work: Callable[[], None], name: str) -> None:
            self.container.spawn_managed_thread(work, identifier=name)

        return spawn
