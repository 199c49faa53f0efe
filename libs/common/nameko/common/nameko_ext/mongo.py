"""One MongoDB database per service, reached through mongoengine's connection registry.

The database is ``<MONGO_DB_PREFIX><service name>``; the mongoengine alias is the
service name, so a service's documents declare ``meta = {"db_alias": "<service>"}``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import mongoengine
from nameko.extensions import DependencyProvider
from pymongo.database import Database

RepoT = TypeVar("RepoT")

SERVER_SELECTION_TIMEOUT_MS = 3000
# nameko starts a service's providers concurrently; index builds and seeding of one
# database run one at a time: DDL on one database never races itself.
_schema_lock = threading.Lock()


def connect(alias: str, uri: str, db_name: str) -> Database[Any]:
    """Register (once) and return the pymongo database behind ``alias``."""
    if alias not in mongoengine.connection._connection_settings:  # noqa: SLF001
        mongoengine.connect(
            db=db_name,
            alias=alias,
            host=uri,
            tz_aware=True,
            uuidRepresentation="standard",
            serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS,
        )
    return mongoengine.get_db(alias)


def service_database(config: dict[str, Any], service_name: str) -> Database[Any]:
    """The database of ``service_name`` as configured in a nameko container config."""
    db_name = f"{config.get('MONGO_DB_PREFIX', 'solidarity_')}{service_name}"
    return connect(service_name, config["MONGO_URI"], db_name)


class MongoRepository(DependencyProvider, Generic[RepoT]):
    """Inject ``factory(database)``: a repository over the service's own database.

    ``setup`` runs ``factory.ensure_indexes(database)`` when the factory has one, so
    indexes exist before the first request.
    """

    def __init__(self, factory: Callable[[Database[Any]], RepoT]) -> None:
        self.factory = factory
        self.database: Database[Any] | None = None

    def setup(self) -> None:
        self.database = service_database(self.container.config, self.container.service_name)

    def start(self) -> None:
        ensure = getattr(self.factory, "ensure_indexes", None)
        if ensure is not None and self.database is not None:
            with _schema_lock:
                ensure(self.database)

    def get_dependency(self, worker_ctx: Any) -> RepoT:
        assert self.database is not None
        return self.factory(self.database)
