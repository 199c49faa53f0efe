"""The person record the engine compares, and its normalised forms computed once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from registry.dedup.normalize import NameKey, name_key


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What the registry knows about one person, as collected (either script may be missing)."""

    id: str
    given_name_ar: str | None = None
    family_name_ar: str | None = None
    given_name_lat: str | None = None
    family_name_lat: str | None = None
    sex: str | None = None
    birth_date: date | None = None
    birth_year: int | None = None
    phone: str | None = None  # E.164, already normalised
    national_id_hash: str | None = None  # keyed hash, opaque
    area: str | None = None  # e.g. "/DZ/16/1601"

    @property
    def year(self) -> int | None:
        """Birth year from the full date when known, else the declared year."""
        return self.birth_date.year if self.birth_date is not None else self.birth_year


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record's name keys in each script it was written in."""

    record: PersonRecord
    given: tuple[NameKey, ...]
    family: tuple[NameKey, ...]


@lru_cache(maxsize=100_000)
def prepare(record: PersonRecord) -> PreparedRecord:
    """Normalise a record's names once; compare() and blocking_keys() share the result."""
    return PreparedRecord(
        record=record,
        given=keys_of(record.given_name_ar, record.given_name_lat),
        family=keys_of(record.family_name_ar, record.family_name_lat),
    )


def region(area: str | None) -> str:
    """The wilaya part of an area path ("/DZ/16/1601" → "/DZ/16"), or "" when unknown."""
    if not area:
        return ""
    return "/".join(area.split("/")[:3])


def keys_of(*names: str | None) -> tuple[NameKey, ...]:
    """Name keys of the non-empty spellings, in order."""
    keys = (name_key(name) for name in names if name and name.strip())
    return tuple(key for key in keys if key is not None)
