"""Apply a create once per idempotency key (a unique index decides, not a read)."""

from __future__ import annotations

from typing import TypeVar

from mongoengine import Document
from mongoengine.errors import NotUniqueError

from common.errors import ValidationFailed

DocT = TypeVar("DocT", bound=Document)


def check_key(idempotency_key: object) -> str:
    """Keys are 8 to 128 characters chosen by the client."""
    if not isinstance(idempotency_key, str) or not 8 <= len(idempotency_key) <= 128:
        raise ValidationFailed("idempotency_key must be 8 to 128 characters")
    return idempotency_key


def insert_once(document: DocT) -> DocT:
    """Insert ``document``; if its ``idempotency_key`` was used, return the first one.

    The document class must declare a unique (sparse) index on ``idempotency_key``:
    two concurrent deliveries of the same call race on the index, and one loses.
    """
    try:
        document.save(force_insert=True)
    except NotUniqueError:
        existing = type(document).objects(idempotency_key=document.idempotency_key).first()
        if existing is None:
            raise
        return existing
    return document
