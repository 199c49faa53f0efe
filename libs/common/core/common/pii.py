"""Protection of the national identification number (NIN, 18 digits).

The registry never stores a NIN in clear. It keeps three derived values:

- ``lookup_hash``: HMAC-SHA256 of the normalised NIN under a secret key, for exact-match
  search and duplicate detection without decrypting anything;
- ``encrypt``: AES-256-GCM ciphertext, prefixed with the id of the key that made it
  (``"k1:…"``), so keys can rotate: new tokens use the current key, older tokens still
  decrypt with the key their prefix names;
- ``mask``: ``**************1234``, what screens and API answers show.

Keys live outside the database: in ``PII_HASH_KEY`` / ``PII_ENCRYPTION_KEYS``, or for the
local run in a key file (``PII_KEY_FILE``, default ``.data/pii-keys.json``) created with
random keys the first time. No message, repr or exception of this module contains a NIN,
a token or a key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from common.errors import ValidationFailed

NIN_LENGTH = 18
HASH_KEY_MIN_BYTES = 32
ENCRYPTION_KEY_BYTES = 32  # AES-256
DEFAULT_KEY_FILE = ".data/pii-keys.json"
DEFAULT_KEY_ID = "k1"

ENV_HASH_KEY = "PII_HASH_KEY"
ENV_ENCRYPTION_KEYS = "PII_ENCRYPTION_KEYS"
ENV_KEY_FILE = "PII_KEY_FILE"

log = logging.getLogger(__name__)

_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_NONCE_BYTES = 12
# Binds every token to this purpose and key id: a token cannot pass for another field's.
_AAD_PREFIX = b"solidarity.nin.v1:"
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


class PiiError(Exception):
    """Base of this module's errors; ``code`` is stable, the message never holds personal data."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class PiiKeysInvalid(PiiError):
    """The keys are missing or malformed (configuration, not input)."""


class DecryptionFailed(PiiError):
    """A token is malformed, names an unknown key, or does not authenticate under its key."""


def normalise_nin(raw: str) -> str:
    """The 18 ASCII digits of a NIN typed with spaces or Arabic-Indic digits.

    Raises ValidationFailed (field ``national_id``, code ``nin_malformed``) otherwise; the
    error never repeats the value.
    """
    digits = "".join(raw.split()).translate(_ARABIC_DIGITS)
    if len(digits) != NIN_LENGTH or not digits.isascii() or not digits.isdigit():
        raise ValidationFailed(
            f"a national identification number is {NIN_LENGTH} digits",
            {"field": "national_id", "code": "nin_malformed"},
        )
    return digits


def is_valid_nin(raw: str) -> bool:
    try:
        normalise_nin(raw)
    except ValidationFailed:
        return False
    return True


def mask(nin: str) -> str:
    """``**************1234``: only the last four digits show."""
    digits = normalise_nin(nin)
    return "*" * (NIN_LENGTH - 4) + digits[-4:]


@dataclass(frozen=True, slots=True)
class ProtectedNationalId:
    """What a record stores instead of the NIN."""

    lookup_hash: str
    ciphertext: str
    masked: str


class NationalIdProtector:
    """Hashes, encrypts and decrypts NINs with keys held outside the database."""

    __slots__ = ("_current", "_hash_key", "_keys")

    def __init__(
        self,
        hash_key: bytes,
        encryption_key: bytes,
        *,
        key_id: str = DEFAULT_KEY_ID,
        older_keys: Mapping[str, bytes] | None = None,
    ) -> None:
        """``encryption_key`` (named ``key_id``) encrypts; ``older_keys`` only decrypt."""
        if len(hash_key) < HASH_KEY_MIN_BYTES:
            raise PiiKeysInvalid("hash_key_short", f"the hash key needs at least {HASH_KEY_MIN_BYTES} bytes")
        older = dict(older_keys or {})
        if key_id in older:
            raise PiiKeysInvalid("key_id_duplicate", "each encryption key needs its own id")
        keys = {key_id: encryption_key, **older}
        for kid, key in keys.items():
            if not _KEY_ID.match(kid):
                raise PiiKeysInvalid("key_id_malformed", "a key id is 1-16 letters, digits, '-' or '_'")
            if len(key) != ENCRYPTION_KEY_BYTES:
                raise PiiKeysInvalid(
                    "encryption_key_size", f"encryption key {kid} must be {ENCRYPTION_KEY_BYTES} bytes"
                )
        self._hash_key = hash_key
        self._current = key_id
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}

    @classmethod
    def from_keys(cls, hash_key: bytes, encryption_keys: list[tuple[str, bytes]]) -> NationalIdProtector:
        """The first ``(key_id, key)`` encrypts; all of them decrypt."""
        if not encryption_keys:
            raise PiiKeysInvalid("keys_missing", "at least one encryption key is needed")
        (key_id, key), *older = encryption_keys
        if len({kid for kid, _ in encryption_keys}) != len(encryption_keys):
            raise PiiKeysInvalid("key_id_duplicate", "each encryption key needs its own id")
        return cls(hash_key, key, key_id=key_id, older_keys=dict(older))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NationalIdProtector:
        """Keys from ``PII_HASH_KEY`` and ``PII_ENCRYPTION_KEYS``, else from the dev key file.

        ``PII_ENCRYPTION_KEYS`` is ``k2:<base64>,k1:<base64>``: the first key encrypts, every
        listed key decrypts. Without either variable, the keys come from ``PII_KEY_FILE``
        (default ``.data/pii-keys.json``), created with random keys (mode 0600) if absent.
        """
        env = os.environ if environ is None else environ
        hash_key, encryption_keys = env.get(ENV_HASH_KEY, "").strip(), env.get(ENV_ENCRYPTION_KEYS, "").strip()
        if hash_key or encryption_keys:
            if not (hash_key and encryption_keys):
                raise PiiKeysInvalid(
                    "keys_incomplete", f"set both {ENV_HASH_KEY} and {ENV_ENCRYPTION_KEYS}, or neither"
                )
            return cls.from_keys(_decode_key(hash_key, ENV_HASH_KEY), parse_key_list(encryption_keys))
        return cls.from_key_file(Path(env.get(ENV_KEY_FILE) or DEFAULT_KEY_FILE))

    @classmethod
    def from_key_file(cls, path: Path) -> NationalIdProtector:
        """Keys from a JSON key file, creating it with fresh random keys if it does not exist.

        The file is ``{"hash_key": "<base64>", "encryption_keys": "k1:<base64>"}``, the same
        syntax as the environment variables.
        """
        if not path.exists():
            try:
                _create_key_file(path)
            except OSError:
                raise PiiKeysInvalid(
                    "key_file_unwritable", f"cannot create {path}: set {ENV_HASH_KEY} and {ENV_ENCRYPTION_KEYS}"
                ) from None
            log.warning("generated new PII keys for local use", extra={"key_file": str(path)})
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
            hash_key, encryption_keys = content["hash_key"], content["encryption_keys"]
        except (OSError, ValueError, KeyError, TypeError):
            raise PiiKeysInvalid("key_file_unreadable", f"cannot read PII keys from {path}") from None
        if not isinstance(hash_key, str) or not isinstance(encryption_keys, str):
            raise PiiKeysInvalid("key_file_unreadable", f"cannot read PII keys from {path}")
        return cls.from_keys(_decode_key(hash_key, "hash_key"), parse_key_list(encryption_keys))

    @property
    def current_key_id(self) -> str:
        return self._current

    def lookup_hash(self, nin: str) -> str:
        """Hex HMAC-SHA256 of the normalised NIN: equal NINs, equal hashes (under one hash key)."""
        return hmac.new(self._hash_key, normalise_nin(nin).encode("ascii"), hashlib.sha256).hexdigest()

    def encrypt(self, nin: str) -> str:
        """``"<key id>:<base64url(nonce + ciphertext)>"`` under the current key."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._keys[self._current].encrypt(nonce, normalise_nin(nin).encode("ascii"), _aad(self._current))
        return f"{self._current}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii').rstrip('=')}"

    def decrypt(self, token: str) -> str:
        """The NIN a token holds, with the key its prefix names."""
        key_id, sep, body = token.partition(":")
        if not sep or not body:
            raise DecryptionFailed("token_malformed", "not a protected national id token")
        cipher = self._keys.get(key_id)
        if cipher is None:
            raise DecryptionFailed("unknown_key_id", "the token was made with a key that is not configured")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise DecryptionFailed("token_malformed", "not a protected national id token") from None
        if len(raw) <= _NONCE_BYTES:
            raise DecryptionFailed("token_malformed", "not a protected national id token")
        try:
            plain = cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(key_id))
        except InvalidTag:
            raise DecryptionFailed("token_not_authentic", "the token does not authenticate under its key") from None
        return plain.decode("ascii")

    def protect(self, nin: str) -> ProtectedNationalId:
        """The three values a record stores in place of the NIN."""
        return ProtectedNationalId(lookup_hash=self.lookup_hash(nin), ciphertext=self.encrypt(nin), masked=mask(nin))

    def needs_rotation(self, token: str) -> bool:
        """True if ``token`` was not made with the current key (re-encrypt it)."""
        return token.partition(":")[0] != self._current

    def __repr__(self) -> str:
        return f"NationalIdProtector(current_key_id={self._current!r}, key_ids={sorted(self._keys)!r})"


def parse_key_list(value: str) -> list[tuple[str, bytes]]:
    """``"k2:<base64>,k1:<base64>"`` -> ``[("k2", key), ("k1", key)]``, order kept."""
    keys: list[tuple[str, bytes]] = []
    for item in (part.strip() for part in value.split(",")):
        key_id, sep, encoded = item.partition(":")
        if not sep or not _KEY_ID.match(key_id.strip()):
            raise PiiKeysInvalid("key_list_malformed", f"{ENV_ENCRYPTION_KEYS} is '<id>:<base64>[,<id>:<base64>…]'")
        keys.append((key_id.strip(), _decode_key(encoded.strip(), f"encryption key {key_id.strip()}")))
    return keys


def generate_key_material() -> dict[str, str]:
    """Fresh random keys in the key-file format (also what to put in the environment)."""
    return {
        "hash_key": _encode(secrets.token_bytes(HASH_KEY_MIN_BYTES)),
        "encryption_keys": f"{DEFAULT_KEY_ID}:{_encode(secrets.token_bytes(ENCRYPTION_KEY_BYTES))}",
    }


def _aad(key_id: str) -> bytes:
    return _AAD_PREFIX + key_id.encode("ascii")


def _encode(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _decode_key(encoded: str, name: str) -> bytes:
    """Standard or URL-safe base64, padding optional."""
    text = encoded.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise PiiKeysInvalid("key_not_base64", f"{name} is not base64") from None


def _create_key_file(path: Path) -> None:
    """Write fresh keys to ``path`` (0600) unless another process got there first.

    The keys go to a private temporary file which is then hard-linked into place: the link
    fails if ``path`` exists, so concurrent first starts agree on one set of keys and no
    reader ever sees a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(generate_key_material(), handle, indent=2)
            handle.write("\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
