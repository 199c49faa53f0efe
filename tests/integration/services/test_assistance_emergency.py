"""Emergency mode over the real broker and database: veille declares, assistance opens the fast track.

The registry, assistance and veille services run in-process. The ``emergency_declared``
event leaves veille's outbox, reaches assistance through the broker, and from then on a
grant above the usual cap passes inside the declared commune, is refused in a commune
next to it, and is refused again once the emergency has ended. An emergency ended early
(``emergency_ended``, from veille's outbox too) closes the fast track at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from pymongo import MongoClient
from pymongo.database import Database

from assistance.adapters.emergencies import MongoEmergencies
from assistance.domain.emergency import Emergency
from assistance.service import AssistanceService
from common.context import CallerContext
from registry.service import RegistryService
from tests.integration.services.conftest import MONGO_URI, PREFIX, eventually, new_commune
from tests.integration.services.test_aid_requests import as_user, registered, wilaya_of
from veille.service import VeilleService

YEAR = str(datetime.now(UTC).year)
AMOUNT_DZD = 45_000  # above the usual 30,000 DZD cap


@pytest.fixture
def services(start_service: Callable[[type[Any]], Any], rpc_as: Callable[[CallerContext], Any]) -> None:
    for service in (RegistryService, AssistanceService, VeilleService):
        start_service(service)
    rpc_as(as_user("officer", "/DZ", "national-officer")).assistance.set_budget("urgent-aid", "/DZ", YEAR, 10_000_000)


def declare(rpc_as: Callable[[CallerContext], Any], commune: str, ends_in: timedelta) -> dict[str, Any]:
    director = rpc_as(as_user("director", wilaya_of(commune), "wilaya-director")).veille
    body = {"title_fr": "Inondations", "title_ar": "فيضانات", "areas": [commune],
            "ends_at": (datetime.now(UTC) + ends_in).isoformat(),
            "caps": {"cap_dzd": 60_000, "grants_per_household": 2}, "campaign_id": "camp-it"}  # fmt: skip
    return dict(director.declare_emergency(body, uuid.uuid4().hex))


def grant(rpc_as: Callable[[CallerContext], Any], commune: str, household: str) -> dict[str, Any]:
    coordinator = rpc_as(as_user("coordinator", commune, "cell-coordinator")).assistance
    body = {"household_id": household, "area": commune, "amount_dzd": AMOUNT_DZD, "reason": "Logement inondé",
            "motive": "Sinistre déclaré", "payment_point": {"kind": "post_office", "ref": "16001"}}  # fmt: skip
    return dict(coordinator.grant_urgent_aid(body, uuid.uuid4().hex))


def refused(rpc_as: Callable[[CallerContext], Any], commune: str, household: str) -> str:
    with pytest.raises(RemoteError) as raised:
        grant(rpc_as, commune, household)
    return str(raised.value.exc_type)


def granted_once_delivered(rpc_as: Callable[[CallerContext], Any], commune: str, household: str) -> dict[str, Any]:
    def attempt() -> dict[str, Any] | None:
        try:
            return grant(rpc_as, commune, household)
        except RemoteError as exc:
            if exc.exc_type != "Forbidden":  # only the usual cap may stand until the declaration arrives
                raise
            return None

    return dict(eventually(attempt, timeout=30))


def test_the_declared_emergency_opens_the_fast_track_in_its_commune_until_it_ends(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    commune = new_commune()
    neighbour = f"{wilaya_of(commune)}/{1000 + (int(commune.rsplit('/', 1)[1]) - 999) % 9000}"  # same wilaya
    household, elsewhere = registered(rpc_as, commune), registered(rpc_as, neighbour)
    assert refused(rpc_as, commune, household) == "Forbidden"  # before the declaration: the usual cap

    declared = declare(rpc_as, commune, timedelta(seconds=8))
    first = granted_once_delivered(rpc_as, commune, household)
    assert first["emergency"] == {"id": declared["id"], "campaign_id": "camp-it"}
    second = grant(rpc_as, commune, household)
    assert second["state"] == "approved"
    assert refused(rpc_as, commune, household) == "Conflict"  # two grants per household during this emergency
    assert refused(rpc_as, neighbour, elsewhere) == "Forbidden"  # outside its area: nothing changes

    ends_at = datetime.fromisoformat(declared["ends_at"])
    time.sleep(max(0.0, (ends_at - datetime.now(UTC)).total_seconds()) + 1.5)  # the platform's clock: whole seconds
    late = registered(rpc_as, commune)
    assert refused(rpc_as, commune, late) == "Forbidden"  # the emergency has ended: the usual cap again


def test_the_emergencies_store_keeps_each_declaration_once_and_finds_the_running_ones(config: dict[str, Any]) -> None:
    """``adapters.emergencies`` on the real database: redelivery, an older declaration, lineage and end date.

    (``config``: the session's databases are dropped at its end.)
    """
    database: Database[Any] = MongoClient(MONGO_URI, tz_aware=True)[f"{PREFIX}assistance_emergencies"]
    MongoEmergencies.ensure_indexes(database)
    store = MongoEmergencies(database)
    at = datetime.now(UTC).replace(microsecond=0)
    commune = new_commune()
    wilaya = wilaya_of(commune)
    over_wilaya = Emergency("em-w", (wilaya,), at + timedelta(days=1), 70_000, 2, "camp", at)
    assert store.record(over_wilaya, "event-1") is True
    assert store.record(over_wilaya, "event-1") is False  # the same event delivered again
    older = replace(over_wilaya, urgent_cap_dzd=10, declared_at=at - timedelta(hours=1))
    assert store.record(older, "event-0") is False  # an older declaration arriving late changes nothing
    newer = replace(over_wilaya, urgent_cap_dzd=90_000, declared_at=at + timedelta(seconds=1))
    assert store.record(newer, "event-2") is True
    store.record(Emergency("em-ended", (commune,), at - timedelta(seconds=1), 99_000, 1, None, at), "event-3")
    store.record(Emergency("em-other", ("/DZ/99",), at + timedelta(days=1), 99_000, 1, None, at), "event-4")
    assert store.running_over(commune, at) == [newer]
    assert store.running_over(wilaya, at) == [newer]
    assert store.running_over("/DZ/99/9999", at)[0].id == "em-other"


def test_an_emergency_ended_early_closes_the_fast_track_at_once(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    commune = new_commune()
    household = registered(rpc_as, commune)
    declared = declare(rpc_as, commune, timedelta(hours=1))
    assert granted_once_delivered(rpc_as, commune, household)["emergency"]["id"] == declared["id"]

    director = rpc_as(as_user("director", wilaya_of(commune), "wilaya-director")).veille
    ended = dict(director.end_emergency(declared["id"], uuid.uuid4().hex))
    assert not ended["active"] and ended["ended_at"] == ended["ends_at"]
    kept: Database[Any] = MongoClient(MONGO_URI, tz_aware=True)[f"{PREFIX}assistance"]
    ended_at = datetime.fromisoformat(ended["ended_at"])
    eventually(lambda: kept.emergencies.find_one({"_id": declared["id"], "ends_at": ended_at}), timeout=30)
    late = registered(rpc_as, commune)
    assert refused(rpc_as, commune, late) == "Forbidden"  # ended: the usual cap again, an hour early
    with pytest.raises(RemoteError) as again:
        director.end_emergency(declared["id"], uuid.uuid4().hex)
    assert again.value.exc_type == "Conflict"


def test_the_emergencies_store_keeps_the_earliest_end_whichever_event_comes_first(config: dict[str, Any]) -> None:
    database: Database[Any] = MongoClient(MONGO_URI, tz_aware=True)[f"{PREFIX}assistance_emergencies_end"]
    MongoEmergencies.ensure_indexes(database)
    store = MongoEmergencies(database)
    at = datetime.now(UTC).replace(microsecond=0)
    commune = new_commune()
    running = Emergency("em-run", (commune,), at + timedelta(days=1), 70_000, 1, None, at)
    store.record(running, "event-1")
    assert store.end("em-run", at + timedelta(minutes=5)) is True
    assert store.end("em-run", at + timedelta(minutes=5)) is False  # redelivered
    assert store.end("em-run", at + timedelta(hours=2)) is False  # a later end never reopens it
    assert store.running_over(commune, at)[0].ends_at == at + timedelta(minutes=5)
    assert store.running_over(commune, at + timedelta(minutes=5)) == []

    early = Emergency("em-early", (commune,), at + timedelta(days=1), 80_000, 1, None, at)
    assert store.end("em-early", at + timedelta(minutes=1)) is True  # the end arrives first
    assert store.running_over(commune, at) == [replace(running, ends_at=at + timedelta(minutes=5))]
    assert store.record(early, "event-2") is True  # then the declaration: it keeps the earlier end
    ends = {one.id: one.ends_at for one in store.running_over(commune, at)}
    assert ends == {"em-early": at + timedelta(minutes=1), "em-run": at + timedelta(minutes=5)}
    assert store.record(early, "event-2") is False
