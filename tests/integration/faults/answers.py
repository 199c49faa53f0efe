"""What the fault tests send and what they require of every answer during an outage."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.integration.platform.conftest import household, token_for

USER = "worker.1601"
AREA = "/DZ/16/1601"
# Names an answer must never carry: drivers' and clients' exception names, hosts and ports.
INTERNALS = (
    "Error",  # ServerSelectionTimeoutError, ChannelInvalidStateError, AMQPConnectionError, …
    "Exception",
    "AutoReconnect",
    "pymongo",
    "aiormq",
    "aio_pika",
    "kombu",
    "127.0.0.1",
    "Traceback",
)


def headers(**extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(USER)}", **extra}


def new_household(client: httpx.Client, key: str, correlation_id: str | None = None) -> httpx.Response:
    extra = {"Idempotency-Key": key}
    if correlation_id:
        extra["X-Correlation-ID"] = correlation_id
    return client.post("/v1/households", json=household(AREA), headers=headers(**extra))


def list_households(client: httpx.Client, correlation_id: str | None = None) -> httpx.Response:
    extra = {"X-Correlation-ID": correlation_id} if correlation_id else {}
    return client.get("/v1/households", params={"limit": 5}, headers=headers(**extra))


def check_outage_answer(response: httpx.Response) -> None:
    """A request the platform cannot serve now: 503, Retry-After, a stable code, no internals."""
    assert response.status_code == 503, (response.status_code, response.text)
    assert int(response.headers["Retry-After"]) > 0
    body: dict[str, Any] = response.json()
    assert body["code"] == "service_unavailable", body
    assert set(body) <= {"code", "message", "correlation_id", "details"}, body
    assert set(body.get("details", {})) <= {"service"}, body
    for name in INTERNALS:
        assert name not in response.text, (name, response.text)


@dataclass
class Traffic:
    """Requests sent steadily from a thread while a fault happens; every answer is kept, and
    the correlation id of every answered request (each is audited)."""

    base_url: str
    answers: list[tuple[float, httpx.Response | None]] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Traffic:
        token_for(USER)  # fetched before the fault: Keycloak is not under test
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(60)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            while not self._stop.is_set():
                correlation_id = f"faults-{uuid.uuid4().hex}"
                try:
                    response: httpx.Response | None = list_households(client, correlation_id)
                    self.answered.append(correlation_id)
                except httpx.HTTPError:
                    response = None  # the gateway itself did not answer: counted as a failure
                self.answers.append((time.monotonic(), response))
                time.sleep(0.2)

    def statuses(self) -> list[int]:
        return [r.status_code if r is not None else 0 for _, r in self.answers]


def unique_key() -> str:
    return f"faults-{uuid.uuid4().hex}"
