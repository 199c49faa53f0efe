"""MongoDB documents of the veille service (database ``<prefix>veille``)."""

from __future__ import annotations

from mongoengine import DateTimeField, Document, IntField, ListField, StringField


class Signal(Document):
    meta = {
        "db_alias": "veille",
        "collection": "signals",
        "auto_create_index": False,
        "indexes": [
            {"fields": ["idempotency_key"], "unique": True, "sparse": True},
            "area_ancestors",
        ],
    }

    kind = StringField(required=True)
    area = StringField(required=True)
    area_ancestors = ListField(StringField(), required=True)
    description = StringField(required=True)
    severity = IntField(required=True, min_value=1, max_value=5)
    status = StringField(required=True, default="open")
    reported_at = DateTimeField(required=True)
    reported_by = StringField(required=True)
    idempotency_key = StringField()
    idempotency_fingerprint = StringField()  # of the request that created it (common.idempotency)
