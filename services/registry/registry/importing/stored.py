"""An imported household as the registry stores it, and what changes when a row comes again.

The document has the shape :meth:`registry.adapters.households.MongoHouseholdRepository.register`
writes (members protected by :func:`common.contracts.people.protected_record`, the event
in ``_outbox``), plus two import fields:

- ``import_key``: ``<source>:<household_ref>``, unique: what a re-import matches on;
- ``content_hash``: a digest of the content the import last wrote (the validated
  household, national ids by their keyed hash: never in clear, and their ciphertext
  changes at every encryption). Equal digest, nothing to write: that
  is why importing the same file twice changes nothing. An edit made in the registry
  since then is not undone by importing the same file again, only by a file that says
  something else.

Imported households start ``active``, as registered ones do, and carry their members'
blocking keys (``dedup_keys``, kept in step when an import changes the members), so a
later registration finds them; the import job then screens the households it created
(``registry.app.imports``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from common import areas
from common.contracts.events import HouseholdRegistered, HouseholdUpdated
from common.contracts.households import HouseholdIn
from common.contracts.people import protected_record
from common.nameko_ext.outbox import OUTBOX_FIELD, entry
from common.pii import NationalIdProtector
from registry.duplicates import household_keys, person_records
from registry.facts import categories_of
from registry.importing.rows import ValidRow

CONTENT_FIELDS = ("address", "household_ref", "provenance", "consent", "members")
VOLATILE_MEMBER_FIELDS = ("national_id_enc",)  # random per encryption: not content
SECRET_MEMBER_FIELDS = ("national_id_hash", "national_id_enc")  # kept out of the history
_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")
_CLEAR_NATIONAL_IDS = {"members": {"__all__": {"national_id"}}}


def check_source(source: str) -> str:
    """A source names one survey or export: letters, digits, ``. _ / -`` (no ``:``), 1-100."""
    if not isinstance(source, str) or not _SOURCE.match(source):
        raise ValueError("an import source is 1-100 letters, digits, '.', '_', '/' or '-'")
    return source


def import_key(source: str, household_ref: str) -> str:
    return f"{source}:{household_ref}"


def _comparable(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in m.items() if k not in VOLATILE_MEMBER_FIELDS} for m in members]


def digest(household: HouseholdIn, members: list[dict[str, Any]]) -> str:
    """Digest of the validated content: its canonical JSON, national ids replaced by their keyed hashes."""
    text = household.model_dump_json(exclude=_CLEAR_NATIONAL_IDS)
    hashes = ",".join(member.get("national_id_hash") or "" for member in members)
    return hashlib.blake2b(f"{text}|{hashes}".encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A valid row turned into what would be stored."""

    row: ValidRow
    key: str
    area: str
    content: dict[str, Any]
    content_hash: str


def prepare(row: ValidRow, source: str, protector: NationalIdProtector) -> Prepared:
    household = row.household
    members = [protected_record(member, protector) for member in household.members]
    content = {
        "address": household.address,
        "household_ref": household.household_ref,
        "provenance": household.provenance.model_dump(mode="json") if household.provenance else None,
        "consent": household.consent.model_dump(mode="json") if household.consent else None,
        "members": members,
    }
    return Prepared(
        row=row,
        key=import_key(source, row.ref),
        area=household.area,
        content=content,
        content_hash=digest(household, members),
    )


def new_document(prepared: Prepared, household_id: ObjectId, user_id: str, now: datetime) -> dict[str, Any]:
    """The household to insert, its ``household_registered`` event inside."""
    content = prepared.content
    doc: dict[str, Any] = {
        "_id": household_id,
        "area": prepared.area,
        "area_ancestors": areas.ancestors(prepared.area),
        "address": content["address"],
        "household_ref": content["household_ref"],
        "import_key": prepared.key,
    }
    doc.update({name: content[name] for name in ("provenance", "consent") if content[name] is not None})
    doc.update(
        {
            "members": content["members"],
            "status": "active",
            "created_at": now,
            "created_by": user_id,
            "content_hash": prepared.content_hash,
            "dedup_keys": dedup_keys(household_id, prepared.area, content["members"]),
        }
    )
    event = HouseholdRegistered(
        household_id=str(household_id),
        area=prepared.area,
        members=len(content["members"]),
        categories=categories_of(content["members"], now.date()),
    )
    doc[OUTBOX_FIELD] = [entry(event)]
    return doc


def dedup_keys(household_id: ObjectId, area: str, members: list[dict[str, Any]]) -> list[str]:
    """The blocking keys registration and screening look households up by (``registry.duplicates``)."""
    return household_keys(person_records(str(household_id), area, members))


def changed_fields(stored: Mapping[str, Any], content: Mapping[str, Any]) -> list[str]:
    """The content fields whose stored value differs from ``content`` (ciphertexts aside)."""
    changed = []
    for name in CONTENT_FIELDS:
        old, new = stored.get(name) or None, content[name]
        if name == "members":
            old, new = _comparable(old or []), _comparable(new)
        if old != new:
            changed.append(name)
    return changed


def _for_history(name: str, value: Any) -> Any:
    if name == "members":
        return [{k: v for k, v in m.items() if k not in SECRET_MEMBER_FIELDS} for m in value]
    return value


def update_document(
    prepared: Prepared, household_id: ObjectId, fields: list[str], source: str, user_id: str, now: datetime
) -> dict[str, Any]:
    """The update: the import's binding and digest always; content, history and event if ``fields``."""
    values: dict[str, Any] = {"import_key": prepared.key, "content_hash": prepared.content_hash}
    if not fields:
        return {"$set": values}
    content = prepared.content
    absent = {name: "" for name in fields if content[name] is None}
    values.update({name: content[name] for name in fields if content[name] is not None})
    values.update({"updated_at": now, "updated_by": user_id})
    if "members" in fields:
        values["dedup_keys"] = dedup_keys(household_id, prepared.area, content["members"])
    journal = {"at": now, "by": user_id, "set": {name: _for_history(name, content[name]) for name in fields}}
    event = entry(HouseholdUpdated(household_id=str(household_id), fields=fields))
    update: dict[str, Any] = {"$set": values, "$push": {"history": {**journal, "import": source}, OUTBOX_FIELD: event}}
    if absent:
        update["$unset"] = absent
    return update
