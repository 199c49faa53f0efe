from collections.abc import Callable
from typing import Any

import pytest
from nameko.testing.services import worker_factory

from common.context import CallerContext
from common.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from common.nameko_ext.outbox_relay import OutboxRelay
from registry.service import RegistryService
from tests.fakes.repositories import FakeHouseholdRepository

HOUSEHOLD: dict[str, Any] = {
    "area": "/DZ/16/1601",
    "address": "12 rue Didouche Mourad",
    "members": [
        {
            "given_name_ar": "محمد",
            "family_name_ar": "بن علي",
            "given_name_lat": "Mohamed",
            "family_name_lat": "Benali",
            "sex": "M",
            "birth_year": 1961,
            "relationship": "head",
        },
        {
            "given_name_lat": "Fatima",
            "family_name_lat": "Benali",
            "sex": "F",
            "birth_date": "1965-03-02",
            "relationship": "spouse",
        },
    ],
}


def service(ctx: CallerContext | None) -> Any:
    return worker_factory(RegistryService, households=FakeHouseholdRepository(), caller=ctx)


def test_register_then_read(caller: Callable[..., CallerContext]) -> None:
    svc = service(caller())
    created = svc.register_household(HOUSEHOLD, "key-00000001")
    assert created["area"] == "/DZ/16/1601" and len(created["members"]) == 2
    assert created["possible_duplicates"] == [] and created["possible_duplicates_outside_area"] == 0
    assert created["status"] == "active"
    registration_only = ("possible_duplicates", "possible_duplicates_outside_area")
    assert svc.get_household(created["id"]) == {k: v for k, v in created.items() if k not in registration_only}


def test_same_idempotency_key_registers_once(caller: Callable[..., CallerContext]) -> None:
    svc = service(caller())
    first = svc.register_household(HOUSEHOLD, "key-00000001")
    again = svc.register_household(HOUSEHOLD, "key-00000001")
    assert first["id"] == again["id"] and svc.count_households() == 1


def test_other_commune_reads_not_found(caller: Callable[..., CallerContext]) -> None:
    repo = FakeHouseholdRepository()
    writer = worker_factory(RegistryService, households=repo, caller=caller("/DZ/16/1601"))
    created = writer.register_household(HOUSEHOLD, "key-00000001")
    neighbour = worker_factory(RegistryService, households=repo, caller=caller("/DZ/16/1602"))
    with pytest.raises(NotFound):
        neighbour.get_household(created["id"])
    assert neighbour.count_households() == 0
    director = worker_factory(RegistryService, households=repo, caller=caller("/DZ/16", "wilaya-director"))
    assert director.get_household(created["id"])["id"] == created["id"]


def test_register_outside_own_area_is_forbidden(caller: Callable[..., CallerContext]) -> None:
    svc = service(caller("/DZ/16/1602"))
    with pytest.raises(Forbidden):
        svc.register_household(HOUSEHOLD, "key-00000001")


def test_auditor_cannot_register(caller: Callable[..., CallerContext]) -> None:
    with pytest.raises(Forbidden):
        service(caller("/DZ", "auditor")).register_household(HOUSEHOLD, "key-00000001")


def test_anonymous_call_is_refused() -> None:
    with pytest.raises(Unauthenticated):
        service(None).count_households()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"area": "/DZ/16"}, "area"),
        ({"members": []}, "members"),
        ({"members": [{**HOUSEHOLD["members"][1]}]}, ""),
        ({"owner": "me"}, "owner"),
        ({"address": ""}, "address"),
    ],
)
def test_invalid_household_reports_fields(
    caller: Callable[..., CallerContext], change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        service(caller()).register_household({**HOUSEHOLD, **change}, "key-00000001")
    fields = [e["field"] for e in err.value.details["errors"]]
    assert any(f == field or f.startswith(field) for f in fields), fields


@pytest.mark.parametrize("key", ["", "short", None, "x" * 129])
def test_bad_idempotency_key(caller: Callable[..., CallerContext], key: Any) -> None:
    with pytest.raises(ValidationFailed):
        service(caller()).register_household(HOUSEHOLD, key)


def test_registration_is_written_with_its_event_once(caller: Callable[..., CallerContext]) -> None:
    repo = FakeHouseholdRepository()
    svc = worker_factory(RegistryService, households=repo, caller=caller())
    created = svc.register_household(HOUSEHOLD, "key-00000001")
    svc.register_household(HOUSEHOLD, "key-00000001")  # the same request again
    assert repo.events == [("household_registered", {"household_id": created["id"], "area": HOUSEHOLD["area"]})]


def test_events_leave_through_the_one_outbox_relay() -> None:
    relays = [dep for name in dir(RegistryService) if isinstance(dep := getattr(RegistryService, name), OutboxRelay)]
    assert [relay.collections for relay in relays] == [("households",)]
    assert not hasattr(RegistryService, "relay_outbox") and not hasattr(RegistryService, "sweep_outbox")


def test_update_changes_only_allowed_fields_in_area(caller: Callable[..., CallerContext]) -> None:
    repo = FakeHouseholdRepository()
    worker = worker_factory(RegistryService, households=repo, caller=caller("/DZ/16/1601"))
    created = worker.register_household(HOUSEHOLD, "key-00000001")
    assert worker.update_household(created["id"], {"address": "5 rue Hassiba"})["address"] == "5 rue Hassiba"
    with pytest.raises(ValidationFailed):
        worker.update_household(created["id"], {"area": "/DZ/16/1602"})
    neighbour = worker_factory(RegistryService, households=repo, caller=caller("/DZ/16/1602"))
    with pytest.raises(NotFound):
        neighbour.update_household(created["id"], {"address": "ailleurs"})
    auditor = worker_factory(RegistryService, households=repo, caller=caller("/DZ", "auditor"))
    with pytest.raises(Forbidden):
        auditor.update_household(created["id"], {"address": "ailleurs"})


def test_list_is_scoped(caller: Callable[..., CallerContext]) -> None:
    repo = FakeHouseholdRepository()
    worker_factory(RegistryService, households=repo, caller=caller("/DZ/16/1601")).register_household(
        HOUSEHOLD, "key-00000001"
    )
    other = worker_factory(RegistryService, households=repo, caller=caller("/DZ/31/3101", "wilaya-director"))
    assert other.list_households({})["items"] == []
    with pytest.raises(ValidationFailed):
        other.list_households({"limit": 1000})


def test_national_id_is_stored_protected_and_returned_masked(caller: Callable[..., CallerContext]) -> None:
    from common.pii import NationalIdProtector

    protector = NationalIdProtector(hash_key=b"h" * 32, encryption_key=b"e" * 32)
    repo = FakeHouseholdRepository()
    svc = worker_factory(RegistryService, households=repo, caller=caller(), national_ids=protector)
    nin = "109870123456789012"
    head = {**HOUSEHOLD["members"][0], "national_id": nin, "phone": "0550 12 34 56"}
    created = svc.register_household({**HOUSEHOLD, "members": [head]}, "key-00000009")
    returned = created["members"][0]
    assert nin not in repr(created) and "national_id_hash" not in returned and "national_id_enc" not in returned
    assert returned["national_id_masked"].endswith("9012") and returned["phone"] == "+213550123456"
    stored = repo.stored_members[created["id"]][0]
    assert nin not in repr(stored)
    assert stored["national_id_hash"] == protector.lookup_hash(nin)
    assert protector.decrypt(stored["national_id_enc"]) == nin
