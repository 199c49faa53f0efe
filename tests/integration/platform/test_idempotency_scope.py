"""Idempotency keys belong to their caller, end to end (issue 9, point 1).

For every resource kind written with an ``Idempotency-Key``: another caller's key is a
new request (never the first caller's record), the same caller reusing a key for another
body is refused (409 ``idempotency_key_reused``), the same body replays the first record,
and N identical requests racing make one record.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth, household
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER

RACERS = 8
SEED_KEY = "demo-seed-v1-1601-001"  # the demo seed's key of worker.1601's first Alger household

Write = Callable[[httpx.AsyncClient, str, str, int], Awaitable[httpx.Response]]


def fresh_key() -> str:
    return f"idem-scope-{uuid.uuid4().hex}"


def name_of(key: str, part: str) -> str:
    """A name of letters drawn from the key: one key, one body; no two keys' households look alike."""
    digest = hashlib.sha256(f"{part}:{key}".encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16)) for c in digest[:9]).capitalize()


async def register(gateway: httpx.AsyncClient, user: str, key: str, variant: int) -> httpx.Response:
    area = {"worker.1601": "/DZ/16/1601", "worker.3101": "/DZ/31/3101"}[user]
    body = household(area, given=name_of(key, f"head{variant}"), family=name_of(key, "family"))
    for member in body["members"]:
        member.pop("given_name_ar", None), member.pop("family_name_ar", None)
    body["members"][1]["given_name_lat"] = name_of(key, "spouse")
    return await gateway.post("/v1/households", json=body, headers=auth(user, **{"Idempotency-Key": key}))


async def report(gateway: httpx.AsyncClient, user: str, key: str, variant: int) -> httpx.Response:
    area = {"worker.1601": "/DZ/16/1601", "worker.3101": "/DZ/31/3101"}[user]
    body = {"kind": "isolated_elderly", "area": area, "description": f"Signal {user} {variant}", "severity": 2}
    return await gateway.post("/v1/signals", json=body, headers=auth(user, **{"Idempotency-Key": key}))


async def launch(gateway: httpx.AsyncClient, user: str, key: str, variant: int) -> httpx.Response:
    area = {"director.16": "/DZ/16", "director.31": "/DZ/31"}[user]
    body = {
        "kind": "winter",
        "name_fr": f"Hiver {user} {variant}",
        "name_ar": "شتاء تضامني",
        "area": area,
        "starts_on": "2026-12-01",
        "ends_on": "2027-02-28",
    }
    return await gateway.post("/v1/campaigns", json=body, headers=auth(user, **{"Idempotency-Key": key}))


_own_households: dict[str, str] = {}


async def own_household(gateway: httpx.AsyncClient, user: str) -> str:
    """A household of ``user``'s commune to assess (one per user and run)."""
    if user not in _own_households:
        created = await register(gateway, user, fresh_key(), 0)
        assert created.status_code == 201, created.text
        _own_households[user] = str(created.json()["id"])
    return _own_households[user]


async def assess(gateway: httpx.AsyncClient, user: str, key: str, variant: int) -> httpx.Response:
    household_id = await own_household(gateway, user)
    answers: dict[str, Any] = {**HOMELESS_ELDER, "assessed_at": HOMELESS_ELDER["assessed_at"].isoformat()}
    if variant:
        answers["assessed_at"] = "2025-04-01T09:00:00+00:00"
    headers = auth(user, **{"Idempotency-Key": key})
    return await gateway.put(f"/v1/households/{household_id}/assessment", json=answers, headers=headers)


@dataclass(frozen=True)
class Kind:
    name: str
    first: str  # who uses a key first (Alger)
    other: str  # who sends the same key afterwards (Oran)
    other_area: str
    write: Write
    created: int  # the status of a first write
    id_field: str = "id"


KINDS = [
    Kind("households", "worker.1601", "worker.3101", "/DZ/31/3101", register, 201),
    Kind("assessments", "worker.1601", "worker.3101", "/DZ/31/3101", assess, 200, "household_id"),
    Kind("signals", "worker.1601", "worker.3101", "/DZ/31/3101", report, 201),
    Kind("campaigns", "director.16", "director.31", "/DZ/31", launch, 201),
]


def ident(kind: Kind, response: httpx.Response) -> str:
    assert response.status_code == kind.created, (kind.name, response.status_code, response.text)
    return str(response.json()[kind.id_field])


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
async def test_another_callers_key_is_a_new_request(gateway: httpx.AsyncClient, kind: Kind) -> None:
    key = fresh_key()
    first = ident(kind, await kind.write(gateway, kind.first, key, 0))
    theirs = await kind.write(gateway, kind.other, key, 0)
    assert ident(kind, theirs) != first, f"{kind.other} got {kind.first}'s record"
    assert first not in theirs.text
    if kind.id_field == "id":
        assert theirs.json()["area"] == kind.other_area
    readable = await gateway.get(
        f"/v1/{'households' if kind.name == 'assessments' else kind.name}", headers=auth(kind.first)
    )
    assert readable.status_code == 200  # the first caller's record is untouched and theirs


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
async def test_same_caller_same_key_other_body_is_refused(gateway: httpx.AsyncClient, kind: Kind) -> None:
    key = fresh_key()
    ident(kind, await kind.write(gateway, kind.other, key, 0))
    reused = await kind.write(gateway, kind.other, key, 1)
    assert reused.status_code == 409, reused.text
    assert reused.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
async def test_same_caller_same_key_same_body_replays(gateway: httpx.AsyncClient, kind: Kind) -> None:
    key = fresh_key()
    first = await kind.write(gateway, kind.other, key, 0)
    again = await kind.write(gateway, kind.other, key, 0)
    assert ident(kind, again) == ident(kind, first)
    assert again.json() == first.json()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
async def test_a_race_of_identical_requests_makes_one_record(gateway: httpx.AsyncClient, kind: Kind) -> None:
    key = fresh_key()
    answers = await asyncio.gather(*(kind.write(gateway, kind.other, key, 0) for _ in range(RACERS)))
    assert len({ident(kind, answer) for answer in answers}) == 1


async def test_the_demo_seeds_alger_key_never_answers_oran_with_the_alger_household(
    gateway: httpx.AsyncClient,
) -> None:
    answer = await register(gateway, "worker.3101", SEED_KEY, 0)
    assert answer.status_code == 201, answer.text
    assert answer.json()["area"] == "/DZ/31/3101"
    assert "/DZ/16" not in answer.text
