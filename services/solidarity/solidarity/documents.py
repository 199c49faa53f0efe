"""MongoDB documents of the solidarity service (database ``<prefix>solidarity``)."""

from __future__ import annotations

from mongoengine import DateField, DateTimeField, Document, ListField, StringField


class Campaign(Document):
    meta = {
        "db_alias": "solidarity",
        "collection": "campaigns",
        "auto_create_index": False,
        "indexes": [
            {"fields": ["idempotency_key"], "unique": True, "sparse": True},
            "area",
            "area_ancestors",
        ],
    }

    kind = StringField(required=True)
    name_fr = StringField(required=True)
    name_ar = StringField(required=True)
    area = StringField(required=True)
    area_ancestors = ListField(StringField(), required=True)
    starts_on = DateField(required=True)
    ends_on = DateField(required=True)
    created_at = DateTimeField(required=True)
    created_by = StringField(required=True)
    idempotency_key = StringField()
    idempotency_fingerprint = StringField()  # of the request that created it (common.idempotency)
