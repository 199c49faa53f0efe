"""A private embedded database for tests that stop, break or restart it.

The platform's database (MONGO_URI) is shared by every suite; a test that takes the database
away uses an instance of its own instead, started by ``scripts/embedded_db.sh`` on its own
ports and data directory: FerretDB 2 over PostgreSQL with DocumentDB, exactly as the platform
runs it. ``stop()`` then ``start()`` again is an outage and a recovery with the data kept.

    db = PrivateDatabase(port=27019, pg_port=5434, data_dir=tmp_path / "db")
    db.start()
    client = MongoClient(db.uri)
    ...
    db.stop()

The script's output goes to ``<data_dir>/embedded_db.log`` (never to the caller's pipes); the
processes it starts are detached and recorded by pid, and ``stop()`` ends exactly those.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "embedded_db.sh"


class PrivateDatabaseError(RuntimeError):
    """The embedded database script failed; the message holds the end of its log."""


class PrivateDatabase:
    """One embedded database instance on 127.0.0.1, owned by the test that made it."""

    def __init__(self, port: int, pg_port: int, data_dir: Path | str) -> None:
        self.port = port
        self.pg_port = pg_port
        self.data_dir = Path(data_dir).resolve()
        self.log = self.data_dir / "embedded_db.log"

    @property
    def uri(self) -> str:
        """The MongoDB URI of this instance."""
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 900) -> None:
        """Start (or keep running) the instance; the first start of a data directory creates it.

        The first start on a machine also installs the engine (minutes); later ones take seconds.
        """
        self._run("start", timeout)

    def stop(self, timeout: float = 120) -> None:
        """Stop FerretDB and PostgreSQL of this instance; the data stays for a later start()."""
        self._run("stop", timeout)

    def running(self) -> bool:
        """Whether both FerretDB and PostgreSQL of this instance run."""
        out = self._run("status", 30)
        return "ferretdb: running" in out and "postgresql: running" in out

    def _run(self, command: str, timeout: float) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "EMBEDDED_DB_PORT": str(self.port),
            "EMBEDDED_PG_PORT": str(self.pg_port),
            "EMBEDDED_DB_DATA": str(self.data_dir),
            "EMBEDDED_DB_RUN": str(self.data_dir / "run"),
        }
        with self.log.open("a") as log:
            log.write(f"--- embedded_db.sh {command}\n")
            log.flush()
            done = subprocess.run(
                [str(SCRIPT), command],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        text = self.log.read_text()
        output = text[text.rfind(f"--- embedded_db.sh {command}\n") :]
        if done.returncode != 0:
            raise PrivateDatabaseError(f"embedded_db.sh {command} failed ({done.returncode}):\n{output[-3000:]}")
        return output
