"""People's names and addresses as the platform accepts them: one visible, normalised spelling.

Text typed on two keyboards, pasted from a word processor or crafted to deceive can
look the same and differ underneath. Before a name or an address is validated:

- it is normalised to Unicode NFC (the same letters, one encoding: search and duplicate
  detection compare what they see);
- **format characters are removed** (Unicode category Cf): bidirectional marks,
  embeddings, overrides and isolates (LRM, RLM, ALM, LRO, RLO, PDF, LRI…), zero-width
  characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM) and the soft hyphen. They change how
  text is shown, never which letters it holds: a right-to-left override makes one name
  display as another, zero-width characters make two equal names compare different.
  ZWNJ and ZWJ are removed too: Arabic as written in Algeria and Morocco joins its letters
  by itself (ZWNJ belongs to Persian spelling), and a kashida (ـ, a visible letter) is
  kept;
- **control characters are refused** (Unicode Cc: NUL, ESC, DEL, C1 controls…): no
  keyboard types them, so they are an error or an attack, never a name. An address may
  hold line breaks and tabs (a form's text area); a name may not;
- a name must then hold at least one letter (Unicode L*): empty, blank, invisible-only or
  punctuation-only names are refused. An address must hold one letter or digit.

Contracts type such fields :data:`Name` or :data:`Address`: the text is cleaned first,
then the field's own constraints (length) apply to what will be stored. Refusals are
:class:`pydantic_core.PydanticCustomError` with the stable codes ``invalid_name`` and
``invalid_address``: the API reports them per field, the bulk import per row and field.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

INVALID_NAME = "invalid_name"
INVALID_ADDRESS = "invalid_address"
_ADDRESS_CONTROLS_ALLOWED = frozenset("\t\n\r")


def _category(char: str) -> str:
    return unicodedata.category(char)


def visible_text(value: str) -> str:
    """``value`` in NFC without format characters (bidi controls, zero-width…), trimmed; controls kept."""
    normalised = unicodedata.normalize("NFC", value)
    return "".join(char for char in normalised if _category(char) != "Cf").strip()


def _controls(value: str, allowed: frozenset[str] = frozenset()) -> bool:
    return any(_category(char) == "Cc" and char not in allowed for char in value)


def clean_name(value: Any) -> Any:
    """A person's name as it is stored, or ``invalid_name``; anything not a string passes unchanged."""
    if not isinstance(value, str):
        return value
    if _controls(value):
        raise PydanticCustomError(INVALID_NAME, "a name may not hold control characters")
    text = visible_text(value)
    if not any(_category(char).startswith("L") for char in text):
        raise PydanticCustomError(INVALID_NAME, "a name holds at least one visible letter")
    return text


def clean_address(value: Any) -> Any:
    """An address as it is stored, or ``invalid_address``; anything not a string passes unchanged."""
    if not isinstance(value, str):
        return value
    if _controls(value, _ADDRESS_CONTROLS_ALLOWED):
        raise PydanticCustomError(INVALID_ADDRESS, "an address may not hold control characters")
    text = visible_text(value)
    if not any(char.isalnum() for char in text):
        raise PydanticCustomError(INVALID_ADDRESS, "an address holds at least one visible letter or digit")
    return text


Name = Annotated[str, BeforeValidator(clean_name)]
"""A person's or a place's name: cleaned, then the field's own constraints (length) apply."""

Address = Annotated[str, BeforeValidator(clean_address)]
"""A postal or descriptive address: cleaned, then the field's own constraints apply."""
