"""The embedded database's life cycle, on a private instance (scripts/embedded_db.sh via tests.private_database).

Start, write, stop, start again: the data is still there; stop leaves nothing running and nothing
mounted; a second start of a running instance changes nothing; each start keeps the previous log.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from tests.private_database import PrivateDatabase


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def database(tmp_path: Path) -> Iterator[PrivateDatabase]:
    if os.geteuid() != 0:
        pytest.skip("the embedded database mounts /proc in its chroot: root only")
    db = PrivateDatabase(port=free_port(), pg_port=free_port(), data_dir=tmp_path / "db")
    db.start()
    yield db
    db.stop()


def test_data_survives_a_restart_and_stop_leaves_nothing_behind(database: PrivateDatabase) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(database.uri, serverSelectionTimeoutMS=10000)
    client.life.cycle.insert_one({"_id": "kept", "n": 1})
    ferretdb_pid = int((database.data_dir / "run" / "ferretdb.pid").read_text())

    database.start()  # idempotent: the running instance is kept
    assert int((database.data_dir / "run" / "ferretdb.pid").read_text()) == ferretdb_pid

    database.stop()
    assert not database.running()
    assert not port_open(database.port) and not port_open(database.pg_port)
    assert not os.path.ismount(database.data_dir / "root" / "proc")
    assert not Path(f"/proc/{ferretdb_pid}").exists()

    database.start()
    assert database.running()
    assert client.life.cycle.find_one({"_id": "kept"}) == {"_id": "kept", "n": 1}
    run = database.data_dir / "run"
    assert (run / "ferretdb.log").exists() and (run / "ferretdb.log.1").exists()  # the first run's log is kept
    client.close()


def test_the_engine_is_ferretdb_2_over_documentdb_and_uses_an_index(database: PrivateDatabase) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(database.uri, serverSelectionTimeoutMS=10000)
    assert client.admin.command("buildInfo")["ferretdb"]["version"].startswith("v2.")
    households = client.engine.households
    households.insert_many([{"blocking_key": f"k{i % 500}", "n": i} for i in range(2000)])
    households.create_index("blocking_key")
    plan = households.find({"blocking_key": "k7"}).explain()["queryPlanner"]
    assert [d["indexName"] for d in plan["Plan"]["IndexDetails"]] == ["blocking_key_1"]
    client.close()
