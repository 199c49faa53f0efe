"""MongoDB documents of the assistance service (database ``<prefix>assistance``)."""

from __future__ import annotations

from mongoengine import BooleanField, DateTimeField, Document, ListField, StringField


class Programme(Document):
    meta = {
        "db_alias": "assistance",
        "collection": "programmes",
        "auto_create_index": False,
        "indexes": [{"fields": ["code"], "unique": True}, "area", "area_ancestors"],
    }

    code = StringField(required=True)
    name_fr = StringField(required=True)
    name_ar = StringField(required=True)
    benefit_type = StringField(required=True, choices=("cash", "in_kind", "service"))
    area = StringField(required=True)
    area_ancestors = ListField(StringField(), required=True)
    active = BooleanField(required=True, default=True)
    created_at = DateTimeField(required=True)
    created_by = StringField(required=True)
