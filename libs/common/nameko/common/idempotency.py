"""Apply a write once per idempotency key of its caller (a unique index decides, not a read).

A client's ``Idempotency-Key`` names one request *of that client*: the key is stored
scoped to the caller (``<user id>|<key>``) with a fingerprint of the validated request
(SHA-256 of its canonical JSON, with what it targets: the step and the object's id).
So:

- another user's key is simply a new request: it never finds, confirms or replays a
  record someone else wrote;
- the same user repeating the key with the same request gets the first record back;
- the same user reusing the key for another request is refused
  (:class:`~common.errors.IdempotencyKeyReused`, 409 ``idempotency_key_reused``).

Records written before keys were scoped hold the client's raw key and no fingerprint:
they still replay for their author (recognised by the record's author field), for no
one else. The fingerprint never holds a national id in clear: writes that carry one
fingerprint its keyed hash (``common.pii``), as the registry stores it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from mongoengine import Document
from mongoengine.errors import NotUniqueError
from pydantic import BaseModel

from common.deadlocks import retry_transient
from common.errors import IdempotencyKeyReused, ValidationFailed

DocT = TypeVar("DocT", bound=Document)

KEY_FIELD = "idempotency_key"
FINGERPRINT_FIELD = "idempotency_fingerprint"


def check_key(idempotency_key: object) -> str:
    """Keys are 8 to 128 characters chosen by the client."""
    if not isinstance(idempotency_key, str) or not 8 <= len(idempotency_key) <= 128:
        raise ValidationFailed("idempotency_key must be 8 to 128 characters")
    return idempotency_key


def _canonical(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def fingerprint(*request: Any) -> str:
    """SHA-256 of the canonical JSON of ``request`` (validated bodies, step names, target ids)."""
    text = json.dumps(_canonical(list(request)), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """A write's idempotency key as its caller gave it, and the fingerprint of what the write asks."""

    user_id: str
    key: str
    fingerprint: str

    @property
    def scoped(self) -> str:
        """The key as stored: the caller's own, never another caller's."""
        return f"{self.user_id}|{self.key}"

    def stamp(self) -> dict[str, str]:
        """The fields a record created by this request stores (its unique key and fingerprint)."""
        return {KEY_FIELD: self.scoped, FINGERPRINT_FIELD: self.fingerprint}

    def legacy_query(self, author_field: str) -> dict[str, str]:
        """Finds a record stored before keys were scoped: the raw key, written by this caller."""
        return {KEY_FIELD: self.key, author_field: self.user_id}

    def matches(self, stored: Mapping[str, Any], author_field: str, key_field: str = KEY_FIELD) -> bool:
        """Whether ``stored`` was written under this request's key by this caller.

        Raises IdempotencyKeyReused if it was, for another request (another fingerprint).
        A record from before the fingerprint (none stored) replays for its author.
        """
        if stored.get(author_field) != self.user_id:
            return False
        held = stored.get(key_field)
        if held not in (self.scoped, self.key):
            return False
        self.ensure_same(stored.get(FINGERPRINT_FIELD))
        return True

    def ensure_same(self, stored_fingerprint: str | None) -> None:
        """Refuse a reused key: the stored record answers another request of this caller."""
        if stored_fingerprint is not None and stored_fingerprint != self.fingerprint:
            raise IdempotencyKeyReused(
                "this idempotency key was already used for another request",
                {"reason": "idempotency_key_reused"},
            )

    def entry_in(
        self, entries: Iterable[Mapping[str, Any]], author_field: str = "by", key_field: str = "key"
    ) -> Mapping[str, Any] | None:
        """The entry (of a history, of steps) this caller wrote under this key, if any."""
        return next((entry for entry in entries if self.matches(entry, author_field, key_field)), None)


def keyed(user_id: str, idempotency_key: object, *request: Any) -> KeyedRequest:
    """Check the client's key and fingerprint ``request`` (validated body and target) for ``user_id``."""
    return KeyedRequest(user_id=str(user_id), key=check_key(idempotency_key), fingerprint=fingerprint(*request))


def insert_once(document: DocT, request: KeyedRequest, author_field: str = "created_by") -> DocT:
    """Insert ``document`` once per caller and key; a repeat answers the first one.

    The document class must declare a unique (sparse) index on ``idempotency_key`` and a
    ``idempotency_fingerprint`` field: two concurrent deliveries of the same call race on
    the index, and one loses (a write the database refused without deciding, such as a
    deadlock between them, is sent again). A record of this caller stored before keys were scoped
    (raw key, no fingerprint) is answered as it stands.
    """
    cls = type(document)
    legacy = cls.objects(**request.legacy_query(author_field)).first()
    if legacy is not None:
        return legacy
    for name, value in request.stamp().items():
        setattr(document, name, value)
    try:
        retry_transient(lambda: document.save(force_insert=True))
    except NotUniqueError:
        existing = cls.objects(**{KEY_FIELD: request.scoped}).first()
        if existing is None:
            raise
        if not request.matches(existing.to_mongo(), author_field):
            # Only a record whose author differs can hold this caller's scoped key (a
            # user id with a "|" in it): never answer with it.
            raise IdempotencyKeyReused(
                "this idempotency key was already used for another request", {"reason": "idempotency_key_reused"}
            ) from None
        return existing
    return document
