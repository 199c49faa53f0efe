"""What assistance needs of the registry beyond ``RpcProxy``: facts streamed to background jobs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.standalone.rpc import ClusterRpcProxy

from assistance.app.ports import FactsPages
from common.context import CallerContext
from common.nameko_ext.page_stream import receive_pages
from common.nameko_ext.remote import remote_errors

PAGE_TIMEOUT_SECONDS = 300.0  # the wait for a page, first one included, from a database scanning its collection


class RegistryFactsPages(DependencyProvider):
    """Inject ``pages(caller, area)``: the registry's household facts of ``area`` in the batch wire form.

    The registry streams them to a private queue from one database cursor
    (``registry.stream_household_facts``, ``common.nameko_ext.page_stream``). For
    background jobs: a managed thread has no worker, so nameko's ``RpcProxy`` cannot be
    used there; the request goes through a standalone proxy carrying ``caller``'s
    context, and the registry filters by the caller's area as it would for the caller.
    """

    def get_dependency(self, worker_ctx: Any) -> FactsPages:
        config = self.container.config

        def pages(caller: CallerContext, area: str) -> Iterator[dict[str, list[Any]]]:
            def start(queue: str) -> None:
                with ClusterRpcProxy(config, context_data=caller.to_data()) as cluster, remote_errors():
                    cluster.registry.stream_household_facts(area, queue)

            yield from receive_pages(config[AMQP_URI_CONFIG_KEY], start, PAGE_TIMEOUT_SECONDS)

        return pages
