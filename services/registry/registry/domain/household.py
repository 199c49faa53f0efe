"""A household as the registry keeps it: the aggregate, its members, and what each change writes.

:meth:`Household.from_document` reads the stored document (the shape of
``registry.adapters.documents.Household``) and :meth:`Household.document` gives it back,
fields the registry does not reason about (``area_ancestors``, ``import_key``, the
idempotency fingerprint...) kept as read in ``stored``. A change never writes: it answers
what is to be written (:class:`Edit`, :class:`Merge`) and the households adapter writes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from common import areas
from common.contracts.events import HouseholdRegistered, HouseholdsMerged, HouseholdUpdated
from common.contracts.households import HouseholdIn
from common.scope import Scope
from registry.domain.households import HouseholdStatus, registration_status
from registry.duplicates import Finding
from registry.facts import categories_of

SECRET_MEMBER_FIELDS = ("national_id_hash", "national_id_enc")  # never leave the registry
MERGE_JOURNALLED = ("address", "household_ref", "provenance", "consent")
"""The household's own fields a merge keeps from the survivor and journals when the merged one differed."""

Document = dict[str, Any]


@dataclass(frozen=True)
class Member:
    """A person of a household, as ``common.contracts.people.protected_record`` stores them.

    The national id is only its lookup hash, ciphertext and mask; the other fields are
    the contract's (names, sex, birth, relationship, categories...) and are kept as stored.
    """

    record: Mapping[str, Any]

    @property
    def national_id_hash(self) -> str | None:
        return self.record.get("national_id_hash")

    @property
    def relationship(self) -> str | None:
        return self.record.get("relationship")

    def without_secrets(self) -> Document:
        """The member as it may leave the registry: the national id only masked."""
        return {k: v for k, v in self.record.items() if k not in SECRET_MEMBER_FIELDS}

    def document(self) -> Document:
        return dict(self.record)


@dataclass(frozen=True)
class Edit:
    """What an edit writes: the fields set, the history entry, the event."""

    values: Document
    history: Document
    event: HouseholdUpdated


@dataclass(frozen=True)
class Merge:
    """What folding one household into another writes on each of them."""

    journal: Document  # pushed to the survivor's history
    adopted: Document  # set on the survivor (the merged household's assessment, if the survivor had none)
    retirement: Document  # pushed to the merged household's history
    event: HouseholdsMerged


@dataclass(frozen=True)
class Household:
    """One household; ``stored`` keeps every other field of its document as read."""

    id: str
    area: str
    address: str
    status: HouseholdStatus
    members: tuple[Member, ...]
    created_at: datetime | str
    created_by: str
    household_ref: str | None = None
    provenance: Document | None = None
    consent: Document | None = None
    merged_into: str | None = None
    dedup_keys: tuple[str, ...] = ()
    assessment: Document | None = None
    score: Document | None = None
    updated_at: datetime | str | None = None
    updated_by: str | None = None
    history: tuple[Document, ...] = ()
    stored: Document = field(default_factory=dict, compare=False)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Household:
        """The household of a stored document (an empty provenance, consent, assessment or score is none)."""
        return cls(
            id=str(doc["_id"]),
            area=doc["area"],
            address=doc["address"],
            status=doc.get("status") or "active",
            members=tuple(Member(dict(m)) for m in doc.get("members") or ()),
            created_at=doc["created_at"],
            created_by=doc["created_by"],
            household_ref=doc.get("household_ref"),
            provenance=dict(doc["provenance"]) if doc.get("provenance") else None,
            consent=dict(doc["consent"]) if doc.get("consent") else None,
            merged_into=doc.get("merged_into"),
            dedup_keys=tuple(doc.get("dedup_keys") or ()),
            assessment=dict(doc["assessment"]) if doc.get("assessment") else None,
            score=dict(doc["score"]) if doc.get("score") else None,
            updated_at=doc.get("updated_at"),
            updated_by=doc.get("updated_by"),
            history=tuple(doc.get("history") or ()),
            stored={k: v for k, v in doc.items() if k not in TYPED},
        )

    @classmethod
    def registered(
        cls,
        household_id: str,
        household: HouseholdIn,
        members: Sequence[Mapping[str, Any]],
        keys: Sequence[str],
        found: Sequence[Finding],
        user_id: str,
        at: datetime,
    ) -> Household:
        """The household a registration stores: what the caller sent, its members protected
        (``protected_record``), its blocking keys, and held for review if it has open probable duplicates."""
        return cls(
            id=household_id,
            area=household.area,
            address=household.address,
            status=registration_status(found),
            members=tuple(Member(dict(m)) for m in members),
            created_at=at,
            created_by=user_id,
            household_ref=household.household_ref,
            provenance=household.provenance.model_dump(mode="json") if household.provenance else None,
            consent=household.consent.model_dump(mode="json") if household.consent else None,
            dedup_keys=tuple(keys),
            stored={"area_ancestors": areas.ancestors(household.area)},
        )

    def document(self) -> Document:
        """The stored document (``_id`` as text: the adapter stores it as an ObjectId); absent stays absent."""
        typed: Document = {
            "area": self.area,
            "address": self.address,
            "household_ref": self.household_ref,
            "provenance": self.provenance,
            "consent": self.consent,
            "members": [m.document() for m in self.members],
            "status": self.status,
            "merged_into": self.merged_into,
            "dedup_keys": list(self.dedup_keys),
            "assessment": self.assessment,
            "score": self.score,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
            "history": list(self.history),
        }
        return {"_id": self.id, **self.stored, **{k: v for k, v in typed.items() if v is not None}}

    # --- what is read of it -----------------------------------------------------------

    @property
    def is_merged(self) -> bool:
        return self.status == "merged"

    def visible_in(self, scope: Scope) -> bool:
        return scope.contains(self.area)

    def as_itself(self) -> Household:
        """A merged household shown as itself, where its survivor is not to be named."""
        return replace(self, merged_into=None)

    def registered_event(self) -> HouseholdRegistered:
        """The registration as reporting counts it: area, size and the members' vulnerable categories that day."""
        at = self.created_at if isinstance(self.created_at, datetime) else datetime.fromisoformat(self.created_at)
        return HouseholdRegistered(
            household_id=self.id,
            area=self.area,
            members=len(self.members),
            categories=categories_of([member.record for member in self.members], at.date()),
        )

    # --- changes ----------------------------------------------------------------------

    @staticmethod
    def edit(household_id: str, values: Mapping[str, Any], user_id: str, at: datetime) -> Edit:
        """Set the editable ``values`` (``HouseholdUpdate``): journalled, announced with the fields' names.

        Static: the adapter writes it in one update guarded by the caller's scope, without reading first.
        """
        return Edit(
            values=dict(values),
            history={"at": at, "by": user_id, "set": dict(values)},
            event=HouseholdUpdated(household_id=household_id, fields=sorted(values)),
        )

    def merge_into(self, survivor: Household, user_id: str, at: datetime) -> Merge:
        """Fold this household into ``survivor``: what differed is journalled with this one's members
        (without their secrets), its assessment kept if the survivor had none, its id redirected."""
        differing = {
            name: {"kept": getattr(survivor, name) or None, "dropped": getattr(self, name)}
            for name in MERGE_JOURNALLED
            if getattr(self, name) and getattr(self, name) != getattr(survivor, name)
        }
        journal = {
            "at": at,
            "by": user_id,
            "merged_from": self.id,
            "differing": differing,
            "members_of_merged": [m.without_secrets() for m in self.members],
        }
        adopted: Document = {}
        if self.assessment and not survivor.assessment:  # the only assessment of the person is kept
            adopted = {"assessment": self.assessment, "score": self.score or {}}
        return Merge(
            journal=journal,
            adopted=adopted,
            retirement={"at": at, "by": user_id, "merged_into": survivor.id},
            event=HouseholdsMerged(survivor_id=survivor.id, merged_id=self.id, area=self.area),
        )


@dataclass(frozen=True)
class Page:
    """A page of households, and where the next one starts (``None``: this was the last)."""

    items: list[Household]
    next_cursor: str | None


TYPED = (
    "_id",
    "area",
    "address",
    "status",
    "members",
    "created_at",
    "created_by",
    "household_ref",
    "provenance",
    "consent",
    "merged_into",
    "dedup_keys",
    "assessment",
    "score",
    "updated_at",
    "updated_by",
    "history",
)
