"""The audit service's own nameko dependency: the chain's writer loop."""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider

from audit.adapters.records import MongoAuditRepository
from audit.domain.batching import ChainWriter
from common.nameko_ext.mongo import service_database


class Chain(DependencyProvider):
    """Inject the :class:`ChainWriter` of this container; its loop runs while the service does."""

    def setup(self) -> None:
        database = service_database(self.container.config, self.container.service_name)
        self.writer = ChainWriter(MongoAuditRepository(database))

    def start(self) -> None:
        self.container.spawn_managed_thread(self.writer.run, identifier="audit-chain-writer")

    def get_dependency(self, worker_ctx: Any) -> ChainWriter:
        return self.writer
