"""What assistance needs of the registry beyond ``RpcProxy``: facts pages for background jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.standalone.rpc import ClusterRpcProxy

from common.context import CallerContext
from common.nameko_ext.remote import remote_errors

FACTS_PAGE = 5000
PAGE_TIMEOUT_SECONDS = 300.0  # a page of 5,000 households from a database scanning its collection

FactsPages = Callable[[CallerContext, str], Iterator[list[dict[str, Any]]]]


class RegistryFactsPages(DependencyProvider):
    """Inject ``pages(caller, area)``: the registry's household facts of ``area``, page by page.

    For background jobs: a managed thread has no worker, so nameko's ``RpcProxy`` cannot
    be used there; this opens a standalone cluster proxy that carries ``caller``'s
    context (the registry filters by the caller's area as it would for the caller).
    """

    def get_dependency(self, worker_ctx: Any) -> FactsPages:
        config = self.container.config

        def pages(caller: CallerContext, area: str) -> Iterator[list[dict[str, Any]]]:
            with ClusterRpcProxy(config, context_data=caller.to_data(), timeout=PAGE_TIMEOUT_SECONDS) as cluster:
                after: str | None = None
                while True:
                    with remote_errors():
                        page = cluster.registry.household_facts_page(area, after, FACTS_PAGE)
                    yield page["items"]
                    after = page["next_cursor"]
                    if not after:
                        return

        return pages
