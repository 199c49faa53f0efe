"""Verify the audit chain: ``python -m audit.verify`` (exit 1 if it was tampered with).

Reads the audit database named by MONGO_URI and MONGO_DB_PREFIX, like the service.
"""

from __future__ import annotations

import sys

from audit.adapters.records import MongoAuditRepository
from common.nameko_ext.mongo import connect
from common.settings import ServiceSettings


def main() -> int:
    settings = ServiceSettings()
    database = connect("audit", settings.mongo_uri, f"{settings.mongo_db_prefix}audit")
    verdict = MongoAuditRepository(database).verify()
    if verdict.intact:
        print(f"audit chain intact: {verdict.checked} records verified")
        return 0
    print(
        f"audit chain TAMPERED at record {verdict.broken_at}: {verdict.reason} "
        f"({verdict.checked} records verified before it)"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
