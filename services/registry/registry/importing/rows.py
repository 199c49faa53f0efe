"""From a raw row to a validated household, or to the row's errors.

The match key is the survey's ``household_ref`` (required here, optional in the
contract): with the import's source it finds the household a previous import created.
A row may also name the registry's own ``household_id`` to update a household
registered some other way; the update then binds it to ``household_ref``.

Text is normalised before validation (Unicode NFC, trimmed, blank is absent), so the
same content typed on two keyboards hashes the same. Errors carry the row number, the
column as the file names it (``m3_birth_date``; ``members.2.birth_date`` for nested
JSON) and a stable code: pydantic's generic types are mapped to the codes listed in
:mod:`.errors`, the contract's own codes (``name_missing``, ``phone_invalid``…) pass
through unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from common.contracts.households import HouseholdIn
from common.contracts.people import Provenance
from registry.importing.errors import RowError
from registry.importing.formats import RawRow
from registry.importing.layout import flat_field, to_nested

_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
_GENERIC_CODES = {
    "missing": "required",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_too_short": "too_short",
    "too_short": "too_short",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
    "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "extra_forbidden": "unknown_field",
    "string_pattern_mismatch": "invalid_format",
}
_FAMILIES = (
    (("date_", "datetime_", "timezone_"), "invalid_date"),
    (("int_", "float_", "decimal_"), "invalid_number"),
    (("bool_",), "invalid_boolean"),
)


@dataclass(frozen=True, slots=True)
class ValidRow:
    """A row that passed validation: the household (its ``household_ref`` set) and the optional registry id."""

    row: int
    household: HouseholdIn
    household_id: str | None = None

    @property
    def ref(self) -> str:
        return self.household.household_ref or ""


def _text(value: str) -> str | None:
    text = unicodedata.normalize("NFC", value).strip()
    return text or None


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def error_code(error_type: str, loc: Sequence[int | str]) -> str:
    """Our stable code for a pydantic error type at ``loc``."""
    if error_type == "value_error":
        where = tuple(loc)
        return "invalid_area" if where == ("area",) else "head_count" if where == () else "invalid_value"
    if error_type == "string_pattern_mismatch" and tuple(loc) == ("household_ref",):
        return "invalid_household_ref"
    if error_type in _GENERIC_CODES:
        return _GENERIC_CODES[error_type]
    for prefixes, code in _FAMILIES:
        if error_type.startswith(prefixes):
            return code
    return "invalid_type" if error_type.endswith("_type") else error_type


def _message(text: str) -> str:
    return text.removeprefix("Value error, ")


def _validation_errors(row: int, exc: ValidationError, prefixes: list[str] | None) -> list[RowError]:
    errors = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = err["loc"]
        field = flat_field(loc, prefixes) if prefixes is not None else ".".join(map(str, loc)) or "members"
        errors.append(RowError(row=row, field=field, code=error_code(err["type"], loc), message=_message(err["msg"])))
    return errors


def _key_errors(row: int, ref: Any, household_id: Any) -> list[RowError]:
    errors = []
    if ref is None:
        errors.append(RowError(row=row, field="household_ref", code="missing_household_ref", message="required"))
    if household_id is not None and not (isinstance(household_id, str) and _OBJECT_ID.match(household_id.lower())):
        message = "a registry id is 24 hexadecimal characters"
        errors.append(RowError(row=row, field="household_id", code="invalid_household_id", message=message))
    return errors


def parse_row(raw: RawRow, *, provenance: Provenance | None = None) -> ValidRow | list[RowError]:
    """Validate one row; ``provenance`` applies to rows that carry none (keep it stable per source)."""
    if raw.problem is not None:
        return [raw.problem]
    prefixes: list[str] | None = None
    if isinstance(raw.values.get("members"), list):
        payload = {key: value for key, value in _clean(raw.values).items() if not str(key).startswith("_")}
        errors: list[RowError] = []
    else:
        payload, prefixes, errors = to_nested(raw.number, raw.values, _text)
    household_id = payload.pop("household_id", None)
    if isinstance(payload.get("household_ref"), int) and not isinstance(payload["household_ref"], bool):
        payload["household_ref"] = str(payload["household_ref"])  # a numeric reference in JSON
    errors.extend(_key_errors(raw.number, payload.get("household_ref"), household_id))
    if provenance is not None and payload.get("provenance") is None:
        payload["provenance"] = provenance
    try:
        household = HouseholdIn.model_validate(payload)
    except ValidationError as exc:
        errors.extend(_validation_errors(raw.number, exc, prefixes))
    if errors:
        return errors
    return ValidRow(raw.number, household, household_id.lower() if household_id else None)
