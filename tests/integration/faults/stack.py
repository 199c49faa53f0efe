"""A private stack for the fault suite: its own broker, database, services and gateway.

The fault tests restart the broker and stop the database; they must not do it to the
shared platform. Everything here runs on ports of its own, with data under a temporary
directory, as detached processes (own session, stdin from /dev/null, output to a log
file) recorded by pid and stopped by that pid. Only Keycloak is the platform's: the
tests only read tokens from it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from common import topology

ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.5) -> None:
    """Poll ``check`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not yet: poll again
            pass
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def http_status(url: str, timeout: float = 5.0) -> int:
    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return 0


class Process:
    """One detached child process, stopped by its own pid (never by name or group)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log = log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


class PrivateBroker:
    """A RabbitMQ node of its own (node name, AMQP and distribution ports, data under ``base``).

    ``restart()`` stops the node and starts it again on the same data: durable queues
    and the imported definitions survive, connections do not.
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.dist_port = free_port()
        self.node = f"faults{uuid.uuid4().hex[:8]}@localhost"
        self.pid_file = base / "rabbit.pid"
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        base.mkdir(parents=True, exist_ok=True)
        (base / "enabled_plugins").write_text("[].\n")
        self.env = {
            **os.environ,
            "HOME": str(base),  # its own Erlang cookie
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),  # no such file: broker defaults
        }
        self.started = False

    def ctl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> None:
        with (self.base / "server.log").open("ab") as out:
            subprocess.run(
                [str(RABBIT_BIN / "rabbitmq-server"), "-detached"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                timeout=60,
                check=True,
            )
        self.started = True
        done = self.ctl("wait", str(self.pid_file), "--timeout", "120", timeout=150)
        assert done.returncode == 0, done.stdout + done.stderr

    def import_definitions(self) -> None:
        defs = self.base / "definitions.json"
        defs.write_text(json.dumps(topology.definitions()))
        done = self.ctl("import_definitions", str(defs))
        assert done.returncode == 0, done.stdout + done.stderr

    def stop(self) -> None:
        if self.started:
            self.ctl("stop", str(self.pid_file), timeout=120)
            self.started = False

    def restart(self) -> None:
        self.stop()
        self.start()

    def queue_length(self, queue: str) -> int:
        done = self.ctl("list_queues", "-q", "--no-table-headers", "name", "messages")
        for line in done.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == queue:
                return int(parts[1])
        raise AssertionError(f"no queue {queue!r}: {done.stdout}{done.stderr}")
