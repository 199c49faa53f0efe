"""MongoDB documents of the registry (database ``<prefix>registry``)."""

from __future__ import annotations

from mongoengine import (
    DateField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocument,
    EmbeddedDocumentListField,
    IntField,
    ListField,
    StringField,
)


class Member(EmbeddedDocument):
    given_name_ar = StringField()
    family_name_ar = StringField()
    given_name_lat = StringField()
    family_name_lat = StringField()
    sex = StringField(required=True, choices=("F", "M"))
    birth_date = DateField()
    birth_year = IntField()
    relationship = StringField(required=True)


class Household(Document):
    meta = {
        "db_alias": "registry",
        "collection": "households",
        "auto_create_index": False,
        "indexes": [
            {"fields": ["idempotency_key"], "unique": True, "sparse": True},
            "area_ancestors",
            {"fields": ["outbox.event_id"], "sparse": True},
        ],
    }

    area = StringField(required=True)
    area_ancestors = ListField(StringField(), required=True)
    address = StringField(required=True)
    members = EmbeddedDocumentListField(Member, required=True)
    status = StringField(required=True, default="active")
    created_at = DateTimeField(required=True)
    created_by = StringField(required=True)
    updated_at = DateTimeField()
    updated_by = StringField()
    history = ListField(DictField())
    idempotency_key = StringField()
    outbox = ListField(DictField(), db_field="_outbox")
