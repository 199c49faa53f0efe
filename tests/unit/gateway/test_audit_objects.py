"""Every audited route says where its object id comes from, and its entries carry it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from common.errors import Forbidden, NotFound
from gateway.audit import AUDIT_KEY, COLLECTION, MANY, from_path, from_request, from_response, object_ids
from tests.unit.gateway.conftest import FakePublisher, FakeRpc, Keys, bearer, claims

METHODS = ("get", "post", "put", "patch", "delete")


def audited_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS and AUDIT_KEY in operation
    ]


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def has_field(spec: dict[str, Any], schema: dict[str, Any], dotted: str) -> bool:
    """Whether a JSON document of ``schema`` has ``dotted`` (lists on the way are walked)."""
    schema = resolve(spec, schema)
    if schema.get("type") == "array":
        return has_field(spec, schema["items"], dotted)
    name, _, rest = dotted.partition(".")
    field = schema.get("properties", {}).get(name)
    return field is not None and (not rest or has_field(spec, field, rest))


def success(operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    code = min(c for c in operation["responses"] if c.startswith("2"))
    return code, operation["responses"][code].get("content", {}).get("application/json", {}).get("schema", {})


def json_body(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content["application/json"]["schema"] if "application/json" in content else None


def problem(spec: dict[str, Any], method: str, operation: dict[str, Any]) -> str | None:
    """Why an entry of this route would lack its object id (None if it would not)."""
    source = operation[AUDIT_KEY].get("object_id")
    if source is None:
        return "no object id source declared"
    where, names = source["where"], source["names"]
    code, answer = success(operation)
    if where == "path":
        params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        return None if names and set(names) <= params else f"path parameters {names} not in {sorted(params)}"
    if where == "response":
        return None if has_field(spec, answer, names[0]) else f"answer {code} has no {names[0]}"
    if where == "request":
        body = json_body(operation)
        return None if body and has_field(spec, body, names[0]) else f"request body has no {names[0]}"
    if where == "collection":
        answer = resolve(spec, answer)
        lists = answer.get("type") == "array" or "items" in answer.get("properties", {})
        return None if method == "GET" and lists else "only a GET answering a list or page is a collection"
    if where == "many":
        return None if json_body(operation) is None and "requestBody" in operation else "only a file upload is many"
    return f"unknown source {where}"


def test_every_audited_route_would_record_its_object_id(make_client: Any) -> None:
    spec = make_client().openapi()
    operations = audited_operations(spec)
    assert len(operations) > 60  # the walk sees the whole API
    problems = {f"{m} {p}": why for m, p, op in operations if (why := problem(spec, m, op))}
    assert problems == {}


def test_creations_record_the_created_id(make_client: Any) -> None:
    spec = make_client().openapi()
    for method, path, operation in audited_operations(spec):
        code, _ = success(operation)
        creates = method == "POST" and code in ("201", "202") and not path.endswith("}") and "/{" not in path
        if creates:
            assert operation[AUDIT_KEY]["object_id"]["where"] == "response", f"{method} {path}"


def test_the_walk_catches_a_route_whose_id_cannot_be_found(make_client: Any) -> None:
    spec = make_client().openapi()
    method, _, operation = next(o for o in audited_operations(spec) if o[1] == "/v1/duplicate-reviews/{review_id}")
    for wrong in (from_path("duplicate_review_id"), from_response("nothing"), from_request("id"), COLLECTION, MANY):
        assert problem(spec, method, {**operation, AUDIT_KEY: {**operation[AUDIT_KEY], "object_id": wrong}})


@pytest.mark.parametrize(
    ("source", "path_params", "request_body", "response_body", "status", "expected"),
    [
        (from_path("review_id"), {"review_id": "r1"}, b"", b"", 404, ["r1"]),
        (
            from_path("code", "period", "area"),
            {"code": "P1", "period": "2026-03", "area": "DZ/16"},
            b"",
            b"",
            200,
            ["P1/2026-03/DZ/16"],
        ),
        (from_response(), {}, b"", b'{"id": "h1"}', 201, ["h1"]),
        (from_response(), {}, b"", b'{"code": "conflict", "id": "h1"}', 409, []),  # an error names no object
        (from_response("lists.id"), {}, b"", b'{"lists": [{"id": "a"}, {"id": "b"}]}', 200, ["a", "b"]),
        (from_request("user_id"), {}, b'{"user_id": "u-9"}', b"", 403, ["u-9"]),
        (from_request("user_id"), {}, b"not json", b"", 422, []),
        (COLLECTION, {}, b"", b"[]", 200, []),
    ],
)
def test_object_ids_are_read_where_declared(
    source: Any, path_params: Any, request_body: bytes, response_body: bytes, status: int, expected: list[str]
) -> None:
    assert object_ids(source, path_params, request_body, response_body, status) == expected


async def test_a_review_decision_records_the_review_and_the_username(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, published: FakePublisher
) -> None:
    rpc.answers["registry.decide_duplicate_review"] = Forbidden("not yours to decide")
    token = keys.sign(claims(roles=("wilaya-director",), preferred_username="director.16"))
    response = await client.post(
        "/v1/duplicate-reviews/r-42/decision", json={"decision": "same"}, headers=bearer(token)
    )
    assert response.status_code == 403
    ((_, entry),) = published.events
    assert (entry["action"], entry["object_id"], entry["outcome"]) == ("review.decide", "r-42", "denied")
    assert entry["username"] == "director.16"


async def test_a_budget_records_its_programme_period_and_area(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, published: FakePublisher
) -> None:
    rpc.answers["assistance.get_budget"] = NotFound("no budget")
    await client.get("/v1/programmes/P1/budgets/2026-03/DZ/16", headers=bearer(keys.sign(claims())))
    ((_, entry),) = published.events
    assert (entry["object_type"], entry["object_id"]) == ("budget", "P1/2026-03/DZ/16")


async def test_an_eligibility_run_records_its_job_id(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, published: FakePublisher
) -> None:
    job = {
        "id": "job-7",
        "kind": "eligibility_run",
        "area": "/DZ/16",
        "status": "running",
        "params": {},
        "progress": {},
        "started_by": "u",
        "started_at": "t",
        "heartbeat_at": "t",
    }
    rpc.answers["assistance.start_eligibility_run"] = lambda code, area: job
    token = keys.sign(claims(area="/DZ", roles=("national-officer",)))
    response = await client.post("/v1/programmes/P1/eligibility-runs", json={"area": "/DZ/16"}, headers=bearer(token))
    assert response.status_code == 202
    ((_, entry),) = published.events
    assert (entry["action"], entry["object_id"]) == ("eligibility.run", "job-7")


async def test_a_team_change_records_the_member_even_when_refused(
    client: httpx.AsyncClient, keys: Keys, rpc: FakeRpc, published: FakePublisher
) -> None:
    rpc.answers["assistance.set_team_member"] = Forbidden("not your cell")
    member = {"user_id": "worker-9", "discipline": "social_worker", "active_from": "2026-01-01"}
    response = await client.post("/v1/cells/3101/team", json=member, headers=bearer(keys.sign(claims())))
    ((_, entry),) = published.events
    assert (entry["object_type"], entry["object_id"], entry["status"]) == (
        "team_member",
        "worker-9",
        response.status_code,
    )


async def test_an_anonymous_attempt_has_no_username(client: httpx.AsyncClient, published: FakePublisher) -> None:
    await client.get("/v1/duplicate-reviews/r-1")
    ((_, entry),) = published.events
    assert (entry["actor"], entry["username"], entry["object_id"]) == ("anonymous", None, "r-1")
