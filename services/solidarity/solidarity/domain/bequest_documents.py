"""The documents of a bequest's steps (will, notarial act, decision, valuation report, deed).

A document is checked before anything is stored: its type is read from its first bytes
(PDF, JPEG or PNG only, whatever the sender claims), its size is capped, and a PDF that
carries active content (scripts, launch actions, embedded files) is refused. The name the
sender gave is kept for display only, cleaned; it never names a file anywhere.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from common.contracts.bequests import DOCUMENT_MAX_BYTES
from common.refusals import invalid

DocumentKind = Literal[
    "will",
    "notarial_act",
    "succession_certificate",
    "acceptance_decision",
    "refusal_decision",
    "valuation_report",
    "deed",
    "sale_record",
    "other",
]
MediaType = Literal["application/pdf", "image/jpeg", "image/png"]

MAGIC: tuple[tuple[bytes, MediaType], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
ACTIVE_PDF_CONTENT = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
DEFAULT_MAX_BYTES = DOCUMENT_MAX_BYTES
NAME_LENGTH = 120


def media_type_of(content: bytes) -> MediaType:
    """The type the content's first bytes show; anything but PDF, JPEG or PNG is refused."""
    for magic, media_type in MAGIC:
        if content.startswith(magic):
            return media_type
    raise invalid("document_type_refused", "a document is a PDF, a JPEG or a PNG file", accepted=[m for _, m in MAGIC])


def clean_name(name: str | None) -> str:
    """The sender's file name for display: no path, no control characters, at most 120 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    shown = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip().strip(".")
    return shown[:NAME_LENGTH] or "document"


@dataclass(frozen=True, slots=True)
class BequestDocument:
    """A checked document of a bequest (its bytes are stored beside it, never inside the bequest)."""

    id: str
    bequest_id: str
    kind: DocumentKind
    media_type: MediaType
    size: int
    sha256: str
    filename: str
    uploaded_at: datetime
    uploaded_by: str


def check(
    *,
    id: str,
    bequest_id: str,
    kind: str,
    content: bytes,
    filename: str | None,
    declared_type: str | None,
    at: datetime,
    by: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> BequestDocument:
    """The document ``content`` makes, or the refusal with its stable code (nothing is stored)."""
    if kind not in get_args(DocumentKind):
        raise invalid("document_kind_unknown", "unknown document kind", kind=kind, known=list(get_args(DocumentKind)))
    if not content:
        raise invalid("document_empty", "the document is empty")
    if len(content) > max_bytes:
        raise invalid("document_too_large", "the document is too large", size=len(content), max_bytes=max_bytes)
    media_type = media_type_of(content)
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared and declared != media_type:
        raise invalid("document_type_mismatch", "the file is not of the type it was sent as",
                      declared=declared, found=media_type)  # fmt: skip
    if media_type == "application/pdf" and any(marker in content for marker in ACTIVE_PDF_CONTENT):
        raise invalid("document_active_content", "a PDF with scripts, actions or embedded files is refused")
    digest = hashlib.sha256(content).hexdigest()
    return BequestDocument(id, bequest_id, kind, media_type, len(content), digest, clean_name(filename), at, by)  # type: ignore[arg-type]
