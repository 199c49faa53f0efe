"""The flat layout of an import file: one row is one household, its people side by side.

Household columns:

=========================  ========  ==================================================
column                     required  meaning
=========================  ========  ==================================================
household_ref              yes       the survey's stable reference (``A-Z a-z 0-9 . _ / -``,
                                     1-64); with the import's source, the match key
household_id               no        the registry's id of an existing household: the row
                                     updates it and binds it to ``household_ref``
area                       yes       the commune, ``/DZ/<wilaya>/<commune>``
address                    yes       3-300 characters
provenance_source          no        field_survey, walk_in, referral, import, other
provenance_collector       no        agent or organisation (with source and collected_on)
provenance_collected_on    no        ``YYYY-MM-DD``
provenance_survey_ref      no        the survey's own reference
consent_given              no        true/false (yes/no, 1/0)
consent_given_at           no        ISO date-time with offset, ``2025-03-02T10:30:00+01:00``
consent_method             no        signed_form, oral_witnessed, guardian
consent_purposes           no        ``|``-separated: registration, eligibility_assessment, …
consent_withdrawn_at       no        ISO date-time with offset
=========================  ========  ==================================================

People: the head's columns start with ``head_``, the other members' with ``m2_`` to
``m40_`` (numbers may skip; order is kept). Each person has:

=========================  ==================================================================
field (after the prefix)   meaning
=========================  ==================================================================
given_name_ar              given name, Arabic script     } a given and a family name in at
family_name_ar             family name, Arabic script    } least one script; both scripts
given_name_lat             given name, Latin script      } may be filled
family_name_lat            family name, Latin script     }
sex                        F or M (required; ``head_sex`` is a required column)
birth_date                 ``YYYY-MM-DD``
birth_year                 1900-2100, when only the year is known
relationship               members only (the head is the head): spouse, child, parent,
                           sibling, grandchild, other
phone                      Algerian number as written (``0550 12 34 56``), stored as E.164
national_id                18 digits; hashed and encrypted on arrival, never stored in clear
disability_type            motor, visual, hearing, intellectual, psychic, multiple, other
disability_limitations     ``|``-separated: seeing, hearing, mobility, …
disability_severity        mild, moderate, severe, profound
disability_percentage      0-100 (taux d'incapacité)
categories                 ``|``-separated ``category:from[:until]`` with ISO dates, e.g.
                           ``elderly:2019-05-01|indigent:2020-01-01:2022-12-31``
=========================  ==================================================================

A member counts when any of its cells is filled; blank cells are absent values. Header
names are trimmed and case-insensitive. Columns whose name starts with ``_`` are survey
tools' own (KoboToolbox ``_uuid``, ``_submission_time``) and are ignored; any other
unknown column rejects the file, so no data is dropped unseen. JSON rows may use these
flat names or the nested shape of :class:`common.contracts.households.HouseholdIn` (with
``household_id`` beside it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from registry.importing.errors import ImportFileError, RowError

MAX_MEMBERS = 40
LIST_SEPARATOR = "|"
HEAD = "head"

HOUSEHOLD_COLUMNS = ("household_ref", "household_id", "area", "address")
PROVENANCE_FIELDS = ("source", "collector", "collected_on", "survey_ref")
CONSENT_FIELDS = ("given", "given_at", "method", "purposes", "withdrawn_at")
PERSON_FIELDS = (
    "given_name_ar",
    "family_name_ar",
    "given_name_lat",
    "family_name_lat",
    "sex",
    "birth_date",
    "birth_year",
    "relationship",
    "phone",
    "national_id",
    "disability_type",
    "disability_limitations",
    "disability_severity",
    "disability_percentage",
    "categories",
)
REQUIRED_COLUMNS = ("household_ref", "area", "address", "head_sex")
_GROUP_FIELDS = {"provenance": PROVENANCE_FIELDS, "consent": CONSENT_FIELDS}
_PERSON = re.compile(r"^(head|m(\d{1,2}))_([a-z_]+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@lru_cache(maxsize=4096)
def normalise_column(name: object) -> str:
    return "" if name is None else str(name).strip().lower()


@lru_cache(maxsize=4096)
def role(column: str) -> tuple[str, str, str]:
    """What a column holds, as ``(kind, group, field)``; ``kind`` is one of ``household``,
    ``person`` (group: ``head``, ``m2``…), ``provenance``, ``consent``, ``ignored``, ``unknown``.
    """
    if column.startswith("_") or column == "":
        return ("ignored", "", column)
    if column in HOUSEHOLD_COLUMNS:
        return ("household", "", column)
    group, _, field = column.partition("_")
    if field in _GROUP_FIELDS.get(group, ()):
        return (group, group, field)
    match = _PERSON.match(column)
    if match is not None and match.group(3) in PERSON_FIELDS:
        prefix, number, field = match.groups()
        if prefix == HEAD and field != "relationship":
            return ("person", HEAD, field)
        if number and 2 <= int(number) <= MAX_MEMBERS and not number.startswith("0"):
            return ("person", prefix, field)
    return ("unknown", "", column)


def check_header(raw: Sequence[object]) -> list[str]:
    """The header's normalised names, or ImportFileError if a file cannot be read with it."""
    names = [normalise_column(name) for name in raw]
    if not any(names):
        raise ImportFileError("empty_file", "the file has no header row", row=1)
    named = [name for name in names if name]
    duplicates = sorted({name for name in named if named.count(name) > 1})
    if duplicates:
        raise ImportFileError("duplicate_columns", f"columns appear twice: {', '.join(duplicates)}", row=1)
    unknown = [name for name in named if role(name)[0] == "unknown"]
    if unknown:
        raise ImportFileError("unknown_columns", f"unknown columns: {', '.join(unknown)}", row=1)
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise ImportFileError("missing_columns", f"required columns are missing: {', '.join(missing)}", row=1)
    return names


def split_list(value: Any) -> Any:
    """``"a|b"`` -> ``["a", "b"]``; anything else (JSON lists included) is left to validation."""
    if not isinstance(value, str):
        return value
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def parse_categories(value: Any) -> list[dict[str, Any]] | None:
    """``"elderly:2019-05-01|indigent:2020-01-01:2022-12-31"`` as memberships; None if malformed."""
    if not isinstance(value, str):
        return None
    memberships = []
    for item in split_list(value):
        parts = [part.strip() for part in item.split(":")]
        if len(parts) not in (2, 3) or not all(_DATE.match(day) for day in parts[1:]):
            return None
        membership = {"category": parts[0], "valid_from": parts[1]}
        if len(parts) == 3:
            membership["valid_until"] = parts[2]
        memberships.append(membership)
    return memberships


def _person(prefix: str, cells: Mapping[str, Any], row: int, errors: list[RowError]) -> dict[str, Any]:
    person: dict[str, Any] = {"relationship": HEAD} if prefix == HEAD else {}
    disability: dict[str, Any] = {}
    for field, value in cells.items():
        if field.startswith("disability_"):
            part = field.removeprefix("disability_")
            disability[part] = split_list(value) if part == "limitations" else value
        elif field == "categories":
            categories = parse_categories(value)
            if categories is None:
                message = "categories are category:YYYY-MM-DD[:YYYY-MM-DD] separated by |"
                error = RowError(row=row, field=f"{prefix}_categories", code="invalid_categories", message=message)
                errors.append(error)
            else:
                person["categories"] = categories
        else:
            person[field] = value
    if disability:
        person["disability"] = disability
    return person


def _group(found: dict[str, Any]) -> dict[str, Any] | None:
    if "purposes" in found:
        found["purposes"] = split_list(found["purposes"])
    return found or None


def _keep(value: Any) -> Any:
    return value


def to_nested(
    row: int, values: Mapping[str, Any], clean: Callable[[Any], Any] = _keep
) -> tuple[dict[str, Any], list[str], list[RowError]]:
    """A flat row as a ``HouseholdIn`` payload, the prefix of each member in order, and layout errors.

    Column names are normalised here and ``clean`` applies to every text cell; blank
    cells (``None`` once cleaned) are absent. The payload also holds ``household_id``
    when the row gives one. The head is always first (an empty head block is then
    reported field by field).
    """
    errors: list[RowError] = []
    people: dict[str, dict[str, Any]] = {HEAD: {}}
    groups: dict[str, dict[str, Any]] = {"household": {}, "provenance": {}, "consent": {}}
    for column, raw in values.items():
        value = clean(raw) if isinstance(raw, str) else raw
        if value is None:
            continue
        kind, group, field = role(normalise_column(column))
        if kind == "person":
            people.setdefault(group, {})[field] = value
        elif kind in groups:
            groups[kind][field] = value
        elif kind == "unknown":
            errors.append(RowError(row=row, field=field, code="unknown_field", message="not a column of the layout"))
        elif field == "":
            errors.append(RowError(row=row, field=None, code="extra_cells", message="a value under no column"))
    prefixes = [HEAD, *sorted((p for p in people if p != HEAD), key=lambda p: int(p[1:]))]
    members = [_person(prefix, people[prefix], row, errors) for prefix in prefixes]
    payload = {**groups["household"], "members": members}
    for group in ("provenance", "consent"):
        if (found := _group(groups[group])) is not None:
            payload[group] = found
    return payload, prefixes, errors


def flat_field(loc: Sequence[int | str], prefixes: Sequence[str]) -> str:
    """The file column a validation error's location points at (``("members", 2, "sex")`` -> ``m3_sex``)."""
    if not loc:
        return "members"
    head, *rest = loc
    if head in ("provenance", "consent") and rest:
        return f"{head}_{rest[0]}"
    if head != "members" or not rest or not isinstance(rest[0], int) or rest[0] >= len(prefixes):
        return str(head)
    prefix = prefixes[rest[0]]
    if len(rest) == 1:
        return prefix
    field = str(rest[1])
    if field == "disability" and len(rest) > 2:
        return f"{prefix}_disability_{rest[2]}"
    return f"{prefix}_{field}"
