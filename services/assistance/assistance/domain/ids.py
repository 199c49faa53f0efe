"""New ids for the documents the domain creates (cases, visits, referrals)."""

from __future__ import annotations

import secrets
import time


def new_id() -> str:
    """24 hexadecimal characters, the creation second first: the shape (and order) of a MongoDB ObjectId."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"
