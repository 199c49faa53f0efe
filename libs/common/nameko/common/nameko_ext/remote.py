"""Errors of a service called from another service, back as the domain errors they were."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nameko.exceptions import RemoteError

from common import errors

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
