"""POST /v1/imports: the body streamed to the registry in parts, its own size limit, formats."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from common.errors import Conflict, Forbidden
from gateway.api.routes.imports import PART_BYTES, XLSX
from tests.unit.gateway.conftest import FakePublisher, FakeRpc, Keys, bearer, claims

JOB: dict[str, Any] = {
    "id": "job-1",
    "kind": "import",
    "area": "/DZ/16",
    "status": "running",
    "params": {"source": "survey-2025"},
    "progress": {},
    "result": None,
    "started_by": "agent",
    "started_at": "2026-11-23T10:00:00+00:00",
    "heartbeat_at": "2026-11-23T10:00:00+00:00",
    "finished_at": None,
}


def agent(keys: Keys, content_type: str | None = "text/csv") -> dict[str, str]:
    headers = bearer(keys.sign(claims("/DZ/16", ("wilaya-agent",))))
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def parts(rpc: FakeRpc) -> list[tuple[str, int, bytes]]:
    return [
        (args[0], args[1], base64.b64decode(args[2])) for _, method, args, _ in rpc.calls if method == "put_upload_part"
    ]


def methods(rpc: FakeRpc) -> list[str]:
    return [method for _, method, _, _ in rpc.calls]


@pytest.fixture
def registry(rpc: FakeRpc) -> FakeRpc:
    rpc.answers["registry.put_upload_part"] = lambda upload_id, seq, data: {"upload_id": upload_id, "parts": seq + 1}
    rpc.answers["registry.start_import"] = lambda *args: JOB
    rpc.answers["registry.discard_upload"] = None
    return rpc


async def serve(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client


async def test_body_goes_to_the_registry_in_parts_as_it_arrives(
    client: httpx.AsyncClient, keys: Keys, registry: FakeRpc
) -> None:
    body = bytes(range(256)) * (PART_BYTES * 5 // 2 // 256)  # 2.5 parts
    sent = 0
    sent_when_stored: list[int] = []

    async def stream() -> AsyncIterator[bytes]:
        nonlocal sent
        for start in range(0, len(body), 64 * 1024):
            sent = start + 64 * 1024
            yield body[start : start + 64 * 1024]

    def put(upload_id: str, seq: int, data: str) -> dict[str, Any]:
        sent_when_stored.append(sent)
        return {"upload_id": upload_id, "parts": seq + 1}

    registry.answers["registry.put_upload_part"] = put
    response = await client.post(
        "/v1/imports?source=survey-2025&dry_run=true", content=stream(), headers=agent(keys, "text/csv; charset=utf-8")
    )
    assert response.status_code == 202, response.text
    assert response.json()["id"] == "job-1"
    stored = parts(registry)
    assert [(seq, len(data)) for _, seq, data in stored] == [(0, PART_BYTES), (1, PART_BYTES), (2, PART_BYTES // 2)]
    assert b"".join(data for _, _, data in stored) == body
    upload_id = stored[0][0]
    assert len({u for u, _, _ in stored}) == 1 and len(upload_id) == 32
    assert sent_when_stored[0] < len(body)  # the first part left before the body was all read
    _, method, args, ctx = registry.calls[-1]
    assert (method, args) == ("start_import", (upload_id, "csv", "survey-2025", True, False))
    assert ctx is not None and ctx.area == "/DZ/16"


async def test_an_empty_body_is_still_one_part(client: httpx.AsyncClient, keys: Keys, registry: FakeRpc) -> None:
    response = await client.post("/v1/imports?source=survey-2025&format=json", content=b"", headers=agent(keys, None))
    assert response.status_code == 202
    assert [(seq, data) for _, seq, data in parts(registry)] == [(0, b"")]
    assert registry.calls[-1][2][1] == "json"


@pytest.mark.parametrize(
    ("content_type", "query", "expected"),
    [
        ("text/csv", "", "csv"),
        ("application/json", "", "json"),
        (XLSX, "", "xlsx"),
        ("application/octet-stream", "&format=xlsx", "xlsx"),
        (None, "&format=csv", "csv"),
        ("text/csv", "&format=csv", "csv"),
    ],
)
async def test_the_format_comes_from_the_content_type_or_the_query(
    client: httpx.AsyncClient, keys: Keys, registry: FakeRpc, content_type: str | None, query: str, expected: str
) -> None:
    url = f"/v1/imports?source=survey-2025{query}"
    response = await client.post(url, content=b"household_ref\n", headers=agent(keys, content_type))
    assert response.status_code == 202, response.text
    assert registry.calls[-1][1:3] == ("start_import", (parts(registry)[0][0], expected, "survey-2025", False, False))


@pytest.mark.parametrize(
    ("content_type", "query"),
    [
        ("application/octet-stream", ""),
        (None, ""),
        ("text/plain", ""),
        ("text/csv", "&format=xlsx"),
        (XLSX, "&format=json"),
    ],
)
async def test_an_unknown_or_contradicted_media_type_is_415(
    client: httpx.AsyncClient, keys: Keys, registry: FakeRpc, content_type: str | None, query: str
) -> None:
    response = await client.post(
        f"/v1/imports?source=survey-2025{query}", content=b"household_ref\n", headers=agent(keys, content_type)
    )
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    assert registry.calls == []


@pytest.mark.parametrize(
    "query",
    [
        "source=survey-2025&format=xls",
        "source=survey-2025&format=CSV",
        "source=survey:2025",
        "",
        "source=s&dry_run=maybe",
    ],
)
async def test_unknown_format_or_bad_arguments_are_422(
    client: httpx.AsyncClient, keys: Keys, registry: FakeRpc, query: str
) -> None:
    response = await client.post(f"/v1/imports?{query}", content=b"household_ref\n", headers=agent(keys))
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    assert registry.calls == []


async def test_the_import_limit_replaces_the_body_limit_on_this_path_only(
    make_client: Callable[..., Any], keys: Keys, registry: FakeRpc
) -> None:
    app = make_client(max_body_bytes=1000, import_max_bytes=PART_BYTES * 2)
    body = b"x" * (PART_BYTES + 10)
    async for client in serve(app):
        accepted = await client.post("/v1/imports?source=survey-2025", content=body, headers=agent(keys))
        elsewhere = await client.post("/v1/households", content=b"{" + b" " * 2000 + b"}", headers=agent(keys))
    assert accepted.status_code == 202, accepted.text
    assert elsewhere.status_code == 413


async def test_a_declared_body_over_the_import_limit_is_413_before_anything_is_sent(
    make_client: Callable[..., Any], keys: Keys, registry: FakeRpc
) -> None:
    app = make_client(import_max_bytes=5000)
    async for client in serve(app):
        response = await client.post("/v1/imports?source=survey-2025", content=b"x" * 5001, headers=agent(keys))
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert registry.calls == []


async def test_a_streamed_body_over_the_import_limit_is_413_and_its_parts_are_dropped(
    make_client: Callable[..., Any], keys: Keys, registry: FakeRpc
) -> None:
    app = make_client(import_max_bytes=PART_BYTES + PART_BYTES // 2)

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * (PART_BYTES // 2)

    async for client in serve(app):
        response = await client.post("/v1/imports?source=survey-2025", content=stream(), headers=agent(keys))
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert methods(registry) == ["put_upload_part", "discard_upload"]
    assert registry.calls[1][2] == (parts(registry)[0][0],)


async def test_a_refused_caller_gets_the_service_answer_and_nothing_is_kept(
    client: httpx.AsyncClient, keys: Keys, registry: FakeRpc
) -> None:
    registry.answers["registry.put_upload_part"] = Forbidden("your role does not allow household.import")
    registry.answers["registry.discard_upload"] = Forbidden("your role does not allow household.import")
    response = await client.post("/v1/imports?source=survey-2025", content=b"x" * 10, headers=agent(keys))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert methods(registry) == ["put_upload_part"]  # nothing was stored: nothing to drop


async def test_an_import_of_a_busy_source_is_409(client: httpx.AsyncClient, keys: Keys, registry: FakeRpc) -> None:
    registry.answers["registry.start_import"] = Conflict("a job of this kind is already running", {"job_id": "j0"})
    response = await client.post("/v1/imports?source=survey-2025", content=b"household_ref\n", headers=agent(keys))
    assert response.status_code == 409 and response.json()["details"] == {"job_id": "j0"}


async def test_the_import_is_audited(
    client: httpx.AsyncClient, keys: Keys, registry: FakeRpc, published: FakePublisher
) -> None:
    await client.post("/v1/imports?source=survey-2025", content=b"household_ref\n", headers=agent(keys))
    [(_, entry)] = published.events
    assert (entry["action"], entry["object_type"], entry["status"]) == ("household.import", "import", 202)


async def test_openapi_describes_the_file_body(client: httpx.AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"]["/v1/imports"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"text/csv", "application/json", XLSX}
    assert "household_ref" in body["description"] and "head_sex" in body["description"]
    assert {p["name"] for p in operation["parameters"]} == {"source", "format", "dry_run", "all_or_nothing"}
    assert {"202", "409", "413", "415"} <= set(operation["responses"])
    assert operation["x-audit"] == {
        "action": "household.import",
        "object_type": "import",
        "object_id": {"where": "response", "names": ["id"]},  # the job's id
    }
