"""The fault suite's private stack: broker, database, registry and audit, gateway.

Started once for the suite, stopped by pid at its end; the shared platform is never
touched (only its Keycloak issues the tokens). Logs stay in the temporary directory
and are printed when a test fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.integration.faults.stack import (
    VENV_BIN,
    PrivateBroker,
    Process,
    free_port,
    http_status,
    wait_until,
)
from tests.private_database import PrivateDatabase

SERVICES = ("registry", "audit")
DB_PREFIX = "faults_"
KEYCLOAK_URL = os.environ.get("KEYCLOAK_URL", "http://127.0.0.1:8080")


@dataclass
class Stack:
    base: Path
    broker: PrivateBroker
    database: PrivateDatabase
    services: dict[str, Process] = field(default_factory=dict)
    ops_ports: dict[str, int] = field(default_factory=dict)
    gateway: Process | None = None
    gateway_url: str = ""

    def service_env(self, name: str) -> dict[str, str]:
        return {
            **os.environ,
            "AMQP_URI": self.broker.uri,
            "MONGO_URI": self.database.uri,
            "MONGO_DB_PREFIX": DB_PREFIX,
            "OPS_PORT": str(self.ops_ports[name]),
            "LOG_LEVEL": "INFO",
        }

    def readyz(self, name: str) -> int:
        return http_status(f"http://127.0.0.1:{self.ops_ports[name]}/readyz")

    def gateway_readyz(self) -> int:
        return http_status(f"{self.gateway_url}/readyz", timeout=10)

    def wait_ready(self, timeout: float = 90) -> None:
        for name in SERVICES:
            wait_until(lambda name=name: self.readyz(name) == 200, timeout, f"{name} ready")  # type: ignore[misc]
        wait_until(lambda: self.gateway_readyz() == 200, timeout, "the gateway ready")

    def logs(self) -> str:
        parts = [f"--- {p.name} ---\n{p.log_tail()}" for p in [*self.services.values(), self.gateway] if p]
        return "\n".join(parts)


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("faults")
    database = PrivateDatabase(port=free_port(), pg_port=free_port(), data_dir=base / "db")
    it = Stack(base=base, broker=PrivateBroker(base / "broker"), database=database)
    try:
        it.broker.start()
        it.broker.import_definitions()
        it.database.start()
        python = str(VENV_BIN / "python")
        for name in SERVICES:
            it.ops_ports[name] = free_port()
            process = Process(
                name, [python, "-m", "common.run_service", name], it.service_env(name), base / f"{name}.log"
            )
            it.services[name] = process
            process.start()
        gateway_port = free_port()
        it.gateway_url = f"http://127.0.0.1:{gateway_port}"
        readiness = ",".join(f"{n}=http://127.0.0.1:{p}/readyz" for n, p in it.ops_ports.items())
        gateway_env = {
            **os.environ,
            "AMQP_URI": it.broker.uri,
            "KEYCLOAK_URL": KEYCLOAK_URL,
            "READINESS_SERVICES": readiness,
            "AUDIT_SPOOL_DIR": str(base / "audit-spool"),  # never the shared gateway's
        }
        address = ["--host", "127.0.0.1", "--port", str(gateway_port)]
        it.gateway = Process(
            "gateway",
            [str(VENV_BIN / "uvicorn"), "gateway.main:create_app", "--factory", "--no-access-log", *address],
            gateway_env,
            base / "gateway.log",
        )
        # the services declare their queues first, then the gateway connects
        for name in SERVICES:
            wait_until(lambda name=name: it.readyz(name) == 200, 120, f"{name} ready")  # type: ignore[misc]
        it.gateway.start()
        it.wait_ready()
        yield it
    finally:
        if it.gateway is not None:
            it.gateway.stop()
        for process in it.services.values():
            process.stop()
        it.broker.stop()
        it.database.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    """On a failure, attach the private stack's logs to the report."""
    report = yield
    stack = item.funcargs.get("stack") if hasattr(item, "funcargs") else None
    if report.failed and isinstance(stack, Stack):  # type: ignore[attr-defined]
        report.sections.append(("private stack logs", stack.logs()))  # type: ignore[attr-defined]
    return report
