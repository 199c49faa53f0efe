"""MongoDB documents of the registry (database ``<prefix>registry``)."""

from __future__ import annotations

from mongoengine import (
    DateTimeField,
    DictField,
    Document,
    ListField,
    StringField,
)

from registry.domain.households import STATUSES


class Household(Document):
    meta = {
        "db_alias": "registry",
        "collection": "households",
        "auto_create_index": False,
        "indexes": [
            {"fields": ["idempotency_key"], "unique": True, "sparse": True},
            {"fields": ["import_key"], "unique": True, "sparse": True},
            "area_ancestors",
            {"fields": ["members.national_id_hash"], "sparse": True},
            "dedup_keys",
            ("area_ancestors", "score.score"),
            {"fields": ["outbox.event_id"], "sparse": True},
            {"fields": ["merged_into"], "sparse": True},  # the related households of a survivor
        ],
    }

    area = StringField(required=True)
    area_ancestors = ListField(StringField(), required=True)
    address = StringField(required=True)
    household_ref = StringField()
    import_key = StringField()  # "<source>:<household_ref>": what a re-import matches on
    content_hash = StringField()  # what the last import wrote: an identical row changes nothing
    provenance = DictField()
    consent = DictField()
    # Members as the contract stores them (common.contracts.people.protected_record):
    # the national id only as lookup hash, ciphertext and mask.
    members = ListField(DictField(), required=True)
    status = StringField(required=True, default="active", choices=STATUSES)
    merged_into = StringField()  # the surviving household, once merged
    dedup_keys = ListField(StringField())  # blocking keys of all members (registry.duplicates)
    assessment = DictField()  # the latest precarity assessment (common.contracts.assessment)
    score = DictField()  # its score: model_version, score, band, inputs_hash, computed_at
    created_at = DateTimeField(required=True)
    created_by = StringField(required=True)
    updated_at = DateTimeField()
    updated_by = StringField()
    history = ListField(DictField())
    idempotency_key = StringField()
    idempotency_fingerprint = StringField()  # of the request that created it (common.idempotency)
    outbox = ListField(DictField(), db_field="_outbox")
