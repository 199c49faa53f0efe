"""The gateway's audit spool: entries the broker cannot take are kept on disk, in order,
republished when it is back, removed only once confirmed; a full spool refuses audited requests."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.errors import NotFound
from gateway import audit_spool
from gateway.audit_spool import AuditSpool, SpooledEvent, SpoolFile, SpoolingPublisher, read_pending
from gateway.auth import TokenVerifier
from gateway.main import create_app
from gateway.settings import GatewaySettings
from tests.unit.gateway.conftest import AUDIENCE, ISSUER, FakeRpc, JwksServer, Keys, bearer, claims


class Broker:
    """A confirming publisher that can be 'down': publishes raise, nothing is confirmed."""

    def __init__(self) -> None:
        self.up = True
        self.confirmed: list[tuple[str, str, dict[str, Any]]] = []  # (event id, type, data)
        self.fail_after: int | None = None  # confirm this many more, then fail
        self.reconnect: Callable[[], object] | None = None

    @property
    def connected(self) -> bool:
        return self.up

    def on_reconnect(self, callback: Callable[[], object]) -> None:
        self.reconnect = callback

    async def publish(self, event_type: str, data: dict[str, Any], event_id: str | None = None) -> str:
        if not self.up or self.fail_after == 0:
            raise ConnectionError("broker down")
        if self.fail_after is not None:
            self.fail_after -= 1
        assert event_id is not None
        self.confirmed.append((event_id, event_type, data))
        return event_id

    def come_back(self) -> None:
        self.up, self.fail_after = True, None
        assert self.reconnect is not None
        self.reconnect()


def entry(n: int) -> dict[str, Any]:
    return {"action": "household.read", "object_id": f"h{n}", "correlation_id": f"c{n}"}


async def started(broker: Broker, directory: Path, max_entries: int = 100) -> SpoolingPublisher:
    publisher = SpoolingPublisher(broker, AuditSpool(directory, max_entries), publish_timeout=1, retry_seconds=3600)
    await publisher.start()
    return publisher


def spool_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


async def test_entries_are_published_at_once_while_the_broker_is_up(tmp_path: Path) -> None:
    broker = Broker()
    publisher = await started(broker, tmp_path)
    event_id = await publisher.publish("audit.entry", entry(1))
    assert broker.confirmed == [(event_id, "audit.entry", entry(1))]
    assert len(publisher.spool) == 0 and spool_files(tmp_path)[0].read_bytes() == b""
    await publisher.close()
    assert spool_files(tmp_path) == []  # an empty spool is deleted at shutdown


async def test_an_outage_spools_entries_on_disk_and_the_reconnect_republishes_them_in_order(tmp_path: Path) -> None:
    broker = Broker()
    publisher = await started(broker, tmp_path)
    broker.up = False
    ids = [await publisher.publish("audit.entry", entry(n)) for n in range(5)]
    assert broker.confirmed == []
    assert len(publisher.spool) == 5 and audit_spool.SPOOLED._value.get() == 5
    (path,) = spool_files(tmp_path)
    assert [e.event_id for e in read_pending(path.read_bytes().splitlines(keepends=True))] == ids
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    broker.come_back()  # the robust connection's reconnect callback
    await publisher.drain()
    assert [c[0] for c in broker.confirmed] == ids  # same event ids: the audit service dedups
    assert [c[2] for c in broker.confirmed] == [entry(n) for n in range(5)]
    assert len(publisher.spool) == 0 and audit_spool.SPOOLED._value.get() == 0
    await publisher.close()


async def test_new_entries_queue_behind_the_spool_to_keep_the_order(tmp_path: Path) -> None:
    broker = Broker()
    publisher = await started(broker, tmp_path)
    broker.up = False
    first = await publisher.publish("audit.entry", entry(1))
    broker.up = True  # back, but the spool is not drained yet
    second = await publisher.publish("audit.entry", entry(2))
    await publisher.drain()
    assert [c[0] for c in broker.confirmed] == [first, second]
    await publisher.close()


async def test_an_entry_leaves_the_spool_only_once_the_broker_confirmed_it(tmp_path: Path) -> None:
    broker = Broker()
    publisher = await started(broker, tmp_path)
    broker.up = False
    ids = [await publisher.publish("audit.entry", entry(n)) for n in range(4)]
    broker.up, broker.fail_after = True, 2  # the broker fails again after two confirms
    assert await publisher.drain() == 2
    assert [e.event_id for e in publisher.spool.own.pending] == ids[2:]  # type: ignore[union-attr]
    (path,) = spool_files(tmp_path)
    assert [e.event_id for e in read_pending(path.read_bytes().splitlines(keepends=True))] == ids[2:]
    broker.fail_after = None
    assert await publisher.drain() == 2
    assert [c[0] for c in broker.confirmed] == ids
    assert path.read_bytes() == b""
    await publisher.close()


async def test_a_crashed_gateways_spool_is_adopted_and_republished_first(tmp_path: Path) -> None:
    broker = Broker()
    crashed = await started(broker, tmp_path)
    broker.up = False
    ids = [await crashed.publish("audit.entry", entry(n)) for n in range(3)]
    broker.up, broker.fail_after = True, 1
    await crashed.drain()  # one confirmed, its "done" mark written
    for task in list(crashed._tasks):
        task.cancel()
    assert crashed.spool.own is not None
    crashed.spool.own.close()  # the process dies: its lock is released, the file stays
    (path,) = spool_files(tmp_path)
    with open(path, "ab") as file:
        file.write(b'{"event":{"event_id":"torn","event_t')  # killed in the middle of an append

    broker.fail_after = None
    survivor = await started(broker, tmp_path)
    await survivor.drain()
    assert [c[0] for c in broker.confirmed] == ids  # nothing lost, the torn line skipped
    assert path not in spool_files(tmp_path)  # the adopted file is deleted once republished
    await survivor.close()


async def test_a_live_gateways_spool_is_not_adopted(tmp_path: Path) -> None:
    broker = Broker()
    one = await started(broker, tmp_path)
    broker.up = False
    await one.publish("audit.entry", entry(1))
    other = AuditSpool(tmp_path, 100)
    other.open()
    assert other.adopted == [] and len(other) == 0  # one's file is locked by its process
    other.close()
    await one.close()
    assert len(spool_files(tmp_path)) == 1  # a spool still holding entries is kept at shutdown


def test_torn_and_unreadable_lines_are_skipped_and_done_marks_remove_entries() -> None:
    lines = [
        b'{"event":{"event_id":"a","event_type":"audit.entry","data":{}}}\n',
        b"not json\n",
        b'{"event":{"event_id":"b","event_type":"audit.entry","data":{}}}\n',
        b'{"done":"a"}\n',
        b'{"event":{"event_id":"b","event_type":"audit.entry","data":{}}}\n',  # spooled twice: once
        b'{"event":{"event_id":"c","event_type":"audit.entry","data":{}}}\n',
        b'{"event":{"event_id":"d","event_type":"au',
    ]
    assert [e.event_id for e in read_pending(lines)] == ["b", "c"]


def test_a_long_lived_spool_is_compacted_without_losing_pending_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_spool, "COMPACT_AFTER_DONE", 3)
    file = SpoolFile.create(tmp_path)
    events = [SpooledEvent(f"e{n}", "audit.entry", entry(n)) for n in range(8)]
    for event in events:
        file.append(event)
    for event in events[:4]:
        file.done(event.event_id)  # 4 done marks, not more than the 4 pending: kept
    file.done(events[4].event_id)  # 5 marks, more than the 3 pending: rewritten
    lines = file.path.read_bytes().splitlines(keepends=True)
    assert [e.event_id for e in read_pending(lines)] == ["e5", "e6", "e7"]
    assert not any(b"done" in line for line in lines)
    assert stat.S_IMODE(file.path.stat().st_mode) == 0o600
    assert SpoolFile.adopt(file.path) is None  # still locked by its owner after the rename
    file.close()


async def test_the_spool_is_bounded_and_the_gauge_follows_it(tmp_path: Path) -> None:
    broker = Broker()
    publisher = await started(broker, tmp_path, max_entries=3)
    broker.up = False
    for n in range(3):
        assert not publisher.full
        await publisher.publish("audit.entry", entry(n))
    assert publisher.full and audit_spool.SPOOLED._value.get() == 3
    broker.come_back()
    await publisher.drain()
    assert not publisher.full
    await publisher.close()


@pytest.fixture
async def full_gateway(
    tmp_path: Path, jwks: JwksServer, rpc: FakeRpc
) -> AsyncIterator[tuple[httpx.AsyncClient, Broker, SpoolingPublisher]]:
    broker = Broker()
    publisher = await started(broker, tmp_path, max_entries=2)
    verifier = TokenVerifier(jwks, ISSUER, AUDIENCE, leeway_seconds=5, min_refetch_seconds=0)
    app = create_app(GatewaySettings(), rpc=rpc, verifier=verifier, audit=publisher)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client, broker, publisher
    await publisher.close()


async def test_a_full_spool_answers_audited_requests_503_without_serving_them(
    full_gateway: tuple[httpx.AsyncClient, Broker, SpoolingPublisher], keys: Keys, rpc: FakeRpc
) -> None:
    client, broker, publisher = full_gateway
    rpc.answers["registry.get_household"] = NotFound("no such household")  # served: an answer, audited
    token = bearer(keys.sign(claims()))
    broker.up = False
    for _ in range(2):  # served during the outage, their entries spooled
        assert (await client.get("/v1/households/h1", headers=token)).status_code == 404
    assert publisher.full
    served = len(rpc.calls)
    refused_before = audit_spool.REFUSED._value.get()

    response = await client.get("/v1/households/h1", headers=token)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["details"] == {"service": "audit"}
    assert len(rpc.calls) == served  # not served, since it could not be audited
    assert audit_spool.REFUSED._value.get() == refused_before + 1
    assert len(publisher.spool) == 2
    assert (await client.get("/livez")).status_code == 200  # routes that are not audited still answer

    broker.come_back()
    await publisher.drain()
    assert (await client.get("/v1/households/h1", headers=token)).status_code == 404
    assert [c[2]["object_id"] for c in broker.confirmed] == ["h1", "h1", "h1"]


def test_the_spool_directory_is_private(tmp_path: Path) -> None:
    spool = AuditSpool(tmp_path / "spool", 10)
    spool.open()
    assert stat.S_IMODE((tmp_path / "spool").stat().st_mode) == 0o700
    spool.append(SpooledEvent("e1", "audit.entry", entry(1)))
    (path,) = spool_files(tmp_path / "spool")
    record = json.loads(path.read_bytes().splitlines()[0])
    assert record == {"event": {"event_id": "e1", "event_type": "audit.entry", "data": entry(1)}}
    spool.close()
    assert os.path.exists(path)  # pending entries outlive the process


class StartedBroker(Broker):
    """The broker side as the gateway's lifespan builds it (AsyncEventPublisher)."""

    def __init__(self, amqp_uri: str, source: str) -> None:
        super().__init__()

    async def start(self) -> None: ...

    async def close(self) -> None: ...


async def test_the_gateway_wires_its_publisher_through_a_spool_in_audit_spool_dir(
    tmp_path: Path, jwks: JwksServer, rpc: FakeRpc, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gateway.main.AsyncEventPublisher", StartedBroker)
    verifier = TokenVerifier(jwks, ISSUER, AUDIENCE, leeway_seconds=5, min_refetch_seconds=0)
    app = create_app(GatewaySettings(audit_spool_dir=str(tmp_path / "spool")), rpc=rpc, verifier=verifier)
    async with app.router.lifespan_context(app):
        publisher = app.state.audit
        assert isinstance(publisher, SpoolingPublisher)
        assert len(spool_files(tmp_path / "spool")) == 1  # this process's file, locked
        assert isinstance(publisher.publisher, StartedBroker) and publisher.publisher.reconnect is not None
    assert spool_files(tmp_path / "spool") == []  # empty: deleted at shutdown


async def test_an_unusable_spool_directory_is_logged_and_the_gateway_still_serves(
    tmp_path: Path, jwks: JwksServer, rpc: FakeRpc, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("gateway.main.AsyncEventPublisher", StartedBroker)
    (tmp_path / "a-file").write_text("")
    verifier = TokenVerifier(jwks, ISSUER, AUDIENCE, leeway_seconds=5, min_refetch_seconds=0)
    settings = GatewaySettings(audit_spool_dir=str(tmp_path / "a-file" / "spool"))
    app = create_app(settings, rpc=rpc, verifier=verifier)
    async with app.router.lifespan_context(app):
        assert isinstance(app.state.audit, StartedBroker)  # unspooled, as before the spool
    assert "audit spool unusable" in capfd.readouterr().err  # the gateway's JSON log
