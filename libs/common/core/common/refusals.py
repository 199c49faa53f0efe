"""Refusals of domain rules with a stable machine code in ``details["code"]`` (every service's domain uses them).

The error class gives the HTTP status (422 bad input, 409 wrong state, 403 wrong authority);
the code says exactly which rule refused, so a front end can switch on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from common.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed


def invalid(code: str, message: str, **details: Any) -> ValidationFailed:
    """The input breaks a rule: nothing is recorded."""
    return ValidationFailed(message, {"code": code, **details})


def conflict(code: str, message: str, **details: Any) -> Conflict:
    """The input is well formed but the object's state refuses it."""
    return Conflict(message, {"code": code, **details})


def out_of_order(code: str, message: str, state: str, allowed: Iterable[str]) -> InvalidTransition:
    """A lifecycle step the current state does not allow; says where it is and what it may do."""
    return InvalidTransition(message, {"code": code, "state": state, "allowed": sorted(allowed)})


def forbidden(code: str, message: str, **details: Any) -> Forbidden:
    """The caller's role does not allow what the rule names."""
    return Forbidden(message, {"code": code, **details})
