"""What assistance needs of the registry beyond ``RpcProxy``: domain errors back, facts pages from jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from nameko.exceptions import RemoteError
from nameko.extensions import DependencyProvider
from nameko.standalone.rpc import ClusterRpcProxy

from common import errors
from common.context import CallerContext

FACTS_PAGE = 5000
PAGE_TIMEOUT_SECONDS = 300.0  # a page of 5,000 households from a database scanning its collection

_DOMAIN_ERRORS: dict[str, type[errors.DomainError]] = {
    cls.__name__: cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.DomainError)
}


@contextmanager
def remote_errors() -> Iterator[None]:
    """Re-raise a domain error another service answered (nameko's ``RemoteError``) as its own class.

    A registry ``NotFound`` then reaches the gateway as a 404, not a 502; other remote
    failures go through unchanged. The message is kept, the details are not (nameko
    passes only the type and the text).
    """
    try:
        yield
    except RemoteError as exc:
        cls = _DOMAIN_ERRORS.get(str(exc.exc_type))
        if cls is None:
            raise
        raise cls(str(exc.value)) from None


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
