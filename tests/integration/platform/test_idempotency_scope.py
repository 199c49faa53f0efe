"""Idempotency keys belong to their caller, end to end (issue 9, point 1).

For every write that takes an ``Idempotency-Key``: another caller's key is a new request
(never the first caller's record, never a replay of their step), the same caller reusing
a key for another request is refused (409 ``idempotency_key_reused``), the same request
replays the first answer, and N identical requests racing make one record (one step).

Each test gets fresh targets (``Ctx``): households of strangers, a request, a referral, a
case, so that no earlier run's data or double-aid rule interferes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId
from pymongo import MongoClient

from tests.integration.platform.conftest import auth, idem
from tests.integration.platform.test_aid_api import a_programme
from tests.integration.platform.test_referrals_api import home
from tests.integration.strangers import stranger_birth_date, stranger_name
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER

RACERS = 8
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/")
DB_PREFIX = os.environ.get("MONGO_DB_PREFIX", "solidarity_")
SEED_KEY = "demo-seed-v1-1601-001"  # the demo seed's key of worker.1601's first Alger household
COMMUNE = {
    "worker.1601": "/DZ/16/1601",
    "coordinator.1601": "/DZ/16/1601",
    "director.16": "/DZ/16/1601",
    "agent.16": "/DZ/16/1601",
    "national.officer": "/DZ/16/1601",
    "worker.3101": "/DZ/31/3101",
    "director.31": "/DZ/31/3101",
}


def fresh_key() -> str:
    return f"idem-scope-{uuid.uuid4().hex}"


def day(offset: int) -> str:
    return (datetime.now(UTC) + timedelta(hours=1, days=offset)).date().isoformat()  # Algeria's day


def headers(user: str, key: str) -> dict[str, str]:
    return auth(user, **{"Idempotency-Key": key})


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.request.url.path, response.status_code, response.text)
    return dict(response.json())


_shared: dict[str, Any] = {}  # one programme, institution and case-work lead per run


async def shared(gateway: httpx.AsyncClient) -> dict[str, Any]:
    if not _shared:
        _shared["programme"] = await a_programme(gateway)
        code = f"idem-{uuid.uuid4().hex[:10]}"
        ok(
            await gateway.post("/v1/institutions", json={**home(code), "capacity": 50}, headers=auth("director.16")),
            201,
        )
        _shared["institution"] = code
        lead = f"idem-as-{uuid.uuid4().hex[:8]}"
        member = {"user_id": lead, "discipline": "social_worker", "active_from": day(-10), "display_name": "Idem"}
        ok(await gateway.post("/v1/cells/1601/team", json=member, headers=auth("coordinator.1601")))
        _shared["lead"] = lead
    return _shared


@dataclass
class Ctx:
    """The targets of one test, made on first use."""

    gateway: httpx.AsyncClient
    households: dict[str, str] = field(default_factory=dict)
    made: dict[str, str] = field(default_factory=dict)

    async def household(self, user: str) -> str:
        """A household of strangers (two members) in ``user``'s commune, registered by ``user``."""
        if user not in self.households:
            members = [
                {
                    "given_name_lat": stranger_name(),
                    "family_name_lat": stranger_name(),
                    "sex": sex,
                    "birth_date": stranger_birth_date(),
                    "relationship": relationship,
                }
                for sex, relationship in (("F", "head"), ("M", "child"))
            ]
            body = {"area": COMMUNE[user], "address": "Cité des 500 logements", "members": members}
            self.households[user] = ok(
                await self.gateway.post("/v1/households", json=body, headers=auth(user, **idem())), 201
            )["id"]
        return self.households[user]

    async def referred_household(self) -> str:
        return await self.household("worker.1601")

    async def aid_request(self) -> str:
        if "aid_request" not in self.made:
            body = await aid_request_body(self, "worker.1601", 0)
            created = await self.gateway.post("/v1/aid-requests", json=body, headers=auth("worker.1601", **idem()))
            self.made["aid_request"] = ok(created, 201)["id"]
        return self.made["aid_request"]

    async def referral(self) -> str:
        if "referral" not in self.made:
            body = await referral_body(self, "worker.1601", 0)
            created = await self.gateway.post("/v1/referrals", json=body, headers=auth("worker.1601", **idem()))
            self.made["referral"] = ok(created, 201)["id"]
        return self.made["referral"]

    async def case(self) -> str:
        if "case" not in self.made:
            body = await case_body(self, "coordinator.1601", 0)
            opened = await self.gateway.post("/v1/cases", json=body, headers=auth("coordinator.1601", **idem()))
            self.made["case"] = ok(opened, 201)["id"]
        return self.made["case"]

    async def visit(self) -> str:
        if "visit" not in self.made:
            case_id = await self.case()
            body = {"planned_for": day(-1), "purpose": "Visite à domicile"}
            planned = await self.gateway.post(
                f"/v1/cases/{case_id}/visits", json=body, headers=auth("worker.1601", **idem())
            )
            self.made["visit"] = ok(planned, 201)["id"]
        return self.made["visit"]


async def aid_request_body(ctx: Ctx, user: str, variant: int) -> dict[str, Any]:
    programme = (await shared(ctx.gateway))["programme"]
    household_id = await ctx.household(user)
    reason = f"Sans revenu ({variant})"
    return {
        "household_id": household_id,
        "area": COMMUNE[user],
        "programme": programme,
        "channel": "walk_in",
        "reason": reason,
    }


async def referral_body(ctx: Ctx, user: str, variant: int) -> dict[str, Any]:
    institution = (await shared(ctx.gateway))["institution"]
    household_id = await ctx.household("worker.1601")
    member = {"worker.1601": 0, "director.16": 1}[user]
    return {"person_key": f"{household_id}:{member}", "institution": institution, "reason": f"Isolement ({variant})"}


async def case_body(ctx: Ctx, user: str, variant: int) -> dict[str, Any]:
    lead = (await shared(ctx.gateway))["lead"]
    household_id = await ctx.household(user)
    return {"household_id": household_id, "lead": lead, "goals": [f"Accès aux soins ({variant})"]}


# Writes: (ctx, user, key, variant) -> response. A variant is another body for the same target.
Write = Callable[[Ctx, str, str, int], Awaitable[httpx.Response]]
Mine = Callable[[Ctx, str, dict[str, Any]], Awaitable[bool]]


_bodies: dict[tuple[str, str, int], dict[str, Any]] = {}


async def register_same(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    """A registration whose body is the same for the same (user, key, variant): repeats are identical."""
    if (user, key, variant) not in _bodies:
        members = [
            {
                "given_name_lat": stranger_name(),
                "family_name_lat": stranger_name(),
                "sex": "M",
                "birth_date": stranger_birth_date(),
                "relationship": "head",
            }
        ]
        _bodies[user, key, variant] = {"area": COMMUNE[user], "address": "Cité des 1200 logements", "members": members}
    return await ctx.gateway.post("/v1/households", json=_bodies[user, key, variant], headers=headers(user, key))


async def assess(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    household_id = await ctx.household(user)
    answers: dict[str, Any] = {**HOMELESS_ELDER, "assessed_at": HOMELESS_ELDER["assessed_at"].isoformat()}
    if variant:
        answers["assessed_at"] = "2025-04-01T09:00:00+00:00"
    return await ctx.gateway.put(f"/v1/households/{household_id}/assessment", json=answers, headers=headers(user, key))


async def report(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    body = {"kind": "isolated_elderly", "area": COMMUNE[user], "description": f"Signal {variant}", "severity": 2}
    return await ctx.gateway.post("/v1/signals", json=body, headers=headers(user, key))


async def launch(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    body = {
        "kind": "winter",
        "name_fr": f"Hiver solidaire {variant}",
        "name_ar": "شتاء تضامني",
        "area": COMMUNE[user].rsplit("/", 1)[0],
        "starts_on": "2026-12-01",
        "ends_on": "2027-02-28",
    }
    return await ctx.gateway.post("/v1/campaigns", json=body, headers=headers(user, key))


async def request_aid(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    return await ctx.gateway.post(
        "/v1/aid-requests", json=await aid_request_body(ctx, user, variant), headers=headers(user, key)
    )


async def grant_urgent(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    await shared(ctx.gateway)  # the urgent programme's budget
    grant = {
        "household_id": await ctx.household(user),
        "area": COMMUNE[user],
        "amount_dzd": 20000 + 1000 * variant,
        "reason": "Inondation du logement",
        "motive": "Famille sinistrée",
        "payment_point": {"kind": "post_office", "ref": "16001"},
    }
    return await ctx.gateway.post("/v1/urgent-aid", json=grant, headers=headers(user, key))


async def diagnose(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    request_id = await ctx.aid_request()
    body = {"notes": f"Visite à domicile ({variant})"}
    return await ctx.gateway.post(f"/v1/aid-requests/{request_id}/diagnosis", json=body, headers=headers(user, key))


def reference(user: str, variant: int) -> str:
    return f"idem-{user}-{variant}"


async def reconcile(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    csv = f"reference,status,paid_at\n{reference(user, variant)},failed,\n"
    return await ctx.gateway.post(
        "/v1/payment-reconciliations", content=csv.encode(), headers={**headers(user, key), "Content-Type": "text/csv"}
    )


async def refer(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    return await ctx.gateway.post(
        "/v1/referrals", json=await referral_body(ctx, user, variant), headers=headers(user, key)
    )


async def accept(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    referral_id = await ctx.referral()
    body = {"note": f"Dossier complet ({variant})"}
    return await ctx.gateway.post(f"/v1/referrals/{referral_id}/accept", json=body, headers=headers(user, key))


async def open_case(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    return await ctx.gateway.post("/v1/cases", json=await case_body(ctx, user, variant), headers=headers(user, key))


async def close_case(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    case_id = await ctx.case()
    body = {"note": f"Objectifs atteints ({variant})"}
    return await ctx.gateway.post(f"/v1/cases/{case_id}/close", json=body, headers=headers(user, key))


async def plan_visit(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    case_id = await ctx.case()
    body = {"planned_for": day(variant), "purpose": "Visite à domicile"}
    return await ctx.gateway.post(f"/v1/cases/{case_id}/visits", json=body, headers=headers(user, key))


async def record_visit(ctx: Ctx, user: str, key: str, variant: int) -> httpx.Response:
    case_id, visit_id = await ctx.case(), await ctx.visit()
    body = {"visited_on": day(-1), "outcome": f"Rencontre ({variant})"}
    path = f"/v1/cases/{case_id}/visits/{visit_id}/record"
    return await ctx.gateway.post(path, json=body, headers=headers(user, key))


async def in_own_area(ctx: Ctx, user: str, answer: dict[str, Any]) -> bool:
    return COMMUNE[user].startswith(str(answer["area"]))


async def of_own_household(ctx: Ctx, user: str, answer: dict[str, Any]) -> bool:
    return answer["household_id"] == await ctx.household(user)


async def own_report(ctx: Ctx, user: str, answer: dict[str, Any]) -> bool:
    return answer["unknown_references"] == [reference(user, 0)]


async def own_referral(ctx: Ctx, user: str, answer: dict[str, Any]) -> bool:
    return answer["person_key"] == (await referral_body(ctx, user, 0))["person_key"]


@dataclass(frozen=True)
class Kind:
    """A keyed write; ``mine`` says an answer is the caller's own record (``None``: a step on a shared target)."""

    name: str
    first: str  # uses a key first
    other: str  # sends the same key afterwards: then reuses, repeats and races it
    write: Write
    status: int  # of a first write
    mine: Mine | None = None
    needs: tuple[str, ...] = ()  # targets made before the write (``Ctx`` methods; "household": the writer's)
    step: str | None = None  # a step on a shared target; its name in the target's history, if it has one

    def __str__(self) -> str:
        return self.name


KINDS = [
    Kind("households", "worker.1601", "worker.3101", register_same, 201, in_own_area),
    Kind("assessments", "worker.1601", "worker.3101", assess, 200, of_own_household, ("household",)),
    Kind("signals", "worker.1601", "worker.3101", report, 201, in_own_area),
    Kind("campaigns", "director.16", "director.31", launch, 201, in_own_area),
    Kind("aid-requests", "worker.1601", "worker.3101", request_aid, 201, of_own_household, ("household",)),
    Kind("urgent-aid", "coordinator.1601", "director.31", grant_urgent, 201, of_own_household, ("household",)),
    Kind("aid-steps", "worker.1601", "director.16", diagnose, 200, None, ("aid_request",), "diagnose"),
    Kind("reconciliations", "agent.16", "director.31", reconcile, 200, own_report),
    Kind("referrals", "worker.1601", "director.16", refer, 201, own_referral, ("referred_household",)),
    Kind("referral-steps", "director.16", "national.officer", accept, 200, None, ("referral",), "accept"),
    Kind("cases", "coordinator.1601", "director.16", open_case, 201, of_own_household, ("household",)),
    Kind("case-closings", "coordinator.1601", "director.16", close_case, 200, None, ("case",), ""),
    Kind("visits", "worker.1601", "director.16", plan_visit, 201, None, ("case",)),
    Kind("visit-records", "worker.1601", "director.16", record_visit, 200, None, ("visit",), ""),
]


async def prepare(ctx: Ctx, kind: Kind, user: str) -> None:
    """Make the write's targets first: racing writes then share them."""
    await shared(ctx.gateway)
    for need in kind.needs:
        await (ctx.household(user) if need == "household" else getattr(ctx, need)())


@pytest.mark.parametrize("kind", KINDS, ids=str)
async def test_another_callers_key_is_a_new_request(gateway: httpx.AsyncClient, kind: Kind) -> None:
    ctx, key = Ctx(gateway), fresh_key()
    first = ok(await kind.write(ctx, kind.first, key, 0), kind.status)
    theirs = await kind.write(ctx, kind.other, key, 0)
    if kind.step is not None:  # theirs is a new step: refused by the target's state, or taken again
        if kind.step and theirs.status_code == 200:
            taken = [entry for entry in theirs.json()["history"] if entry["step"] == kind.step]
            assert len(taken) == 2 and taken[0]["by"] != taken[1]["by"], taken
        else:
            assert theirs.status_code == 409 and theirs.json()["code"] == "invalid_transition", theirs.text
        return
    answer = ok(theirs, kind.status)
    assert answer != first
    if "id" in answer and kind.name != "reconciliations":  # a reconciliation report is named by the client's key
        assert answer["id"] != first["id"] and str(first["id"]) not in theirs.text
    if kind.mine is not None:
        assert await kind.mine(ctx, kind.other, answer), answer


@pytest.mark.parametrize("kind", KINDS, ids=str)
async def test_same_caller_same_key_other_request_is_refused(gateway: httpx.AsyncClient, kind: Kind) -> None:
    ctx, key = Ctx(gateway), fresh_key()
    ok(await kind.write(ctx, kind.other, key, 0), kind.status)
    reused = await kind.write(ctx, kind.other, key, 1)
    assert reused.status_code == 409, reused.text
    assert reused.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("kind", KINDS, ids=str)
async def test_same_caller_same_key_same_request_replays(gateway: httpx.AsyncClient, kind: Kind) -> None:
    ctx, key = Ctx(gateway), fresh_key()
    first = ok(await kind.write(ctx, kind.other, key, 0), kind.status)
    again = ok(await kind.write(ctx, kind.other, key, 0), kind.status)
    first.pop("possible_duplicates", None), again.pop("possible_duplicates", None)  # said once, at creation
    first.pop("warnings", None), again.pop("warnings", None)
    assert again == first


@pytest.mark.parametrize("kind", KINDS, ids=str)
async def test_a_race_of_identical_requests_makes_one_record(gateway: httpx.AsyncClient, kind: Kind) -> None:
    ctx, key = Ctx(gateway), fresh_key()
    await prepare(ctx, kind, kind.other)
    answers = [
        ok(answer, kind.status)
        for answer in await asyncio.gather(*(kind.write(ctx, kind.other, key, 0) for _ in range(RACERS)))
    ]
    ids = {str(answer.get("id")) for answer in answers}
    assert len(ids) == 1, ids
    if kind.step:
        for answer in answers:
            assert [entry["step"] for entry in answer["history"]].count(kind.step) == 1, answer["history"]


async def test_the_demo_seeds_alger_key_never_answers_oran_with_the_alger_household(
    gateway: httpx.AsyncClient,
) -> None:
    body = {
        "area": "/DZ/31/3101",
        "address": "Haï Es-Seddikia",
        "members": [
            {
                "given_name_lat": "Idem",
                "family_name_lat": "Oran",
                "sex": "M",
                "birth_year": 1970,
                "relationship": "head",
            }
        ],
    }
    answer = await gateway.post("/v1/households", json=body, headers=headers("worker.3101", SEED_KEY))
    assert answer.status_code == 201, answer.text
    assert answer.json()["area"] == "/DZ/31/3101"
    assert "/DZ/16" not in answer.text


def subject(user: str) -> str:
    """The user id the services know ``user`` by (the token's ``sub``)."""
    payload = auth(user)["Authorization"].split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


@pytest.mark.parametrize(
    ("database", "collection", "author_field", "path", "kind"),
    [
        ("veille", "signals", "reported_by", "/v1/signals", KINDS[2]),
        ("solidarity", "campaigns", "created_by", "/v1/campaigns", KINDS[3]),
    ],
    ids=["signals", "campaigns"],
)
async def test_a_record_from_before_scoping_replays_for_its_author_only(
    gateway: httpx.AsyncClient, database: str, collection: str, author_field: str, path: str, kind: Kind
) -> None:
    """A record stored with the raw key and no fingerprint (before this change) answers its author, no one else."""
    ctx, key = Ctx(gateway), fresh_key()
    first = ok(await kind.write(ctx, kind.other, fresh_key(), 0), kind.status)
    stored = MongoClient(MONGO_URI)[f"{DB_PREFIX}{database}"][collection]
    legacy = stored.find_one({"_id": ObjectId(first["id"])})
    assert legacy is not None and legacy[author_field] == subject(kind.other)
    stored.update_one(
        {"_id": legacy["_id"]}, {"$set": {"idempotency_key": key}, "$unset": {"idempotency_fingerprint": ""}}
    )
    try:
        mine = ok(await kind.write(ctx, kind.other, key, 1), kind.status)  # whatever the body: it predates fingerprints
        assert mine["id"] == first["id"]
        theirs = ok(await kind.write(ctx, kind.first, key, 0), kind.status)
        assert theirs["id"] != first["id"] and await in_own_area(ctx, kind.first, theirs)
    finally:
        stored.delete_one({"_id": legacy["_id"]})
