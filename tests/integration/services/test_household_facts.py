"""Household facts over the real stack: scope, pages, and the same people registered elsewhere."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from nameko.exceptions import RemoteError

from common.context import CallerContext
from registry.service import RegistryService
from tests.integration.services.conftest import new_commune, worker_in


def head(given: str, family: str, **extra: Any) -> dict[str, Any]:
    return {"given_name_lat": given, "family_name_lat": family, "sex": "M", "relationship": "head", **extra}


def national_id() -> str:
    return "1" + str(uuid.uuid4().int)[:17]


@pytest.fixture
def registry(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)


def officer(rpc_as: Callable[[CallerContext], Any]) -> Any:
    return rpc_as(
        CallerContext(user_id="officer", roles=("national-officer",), area="/DZ", correlation_id="c")
    ).registry


def test_the_same_national_id_in_another_wilaya_is_related(
    registry: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    nin = national_id()
    here, there = new_commune(), "/DZ/58/5801"
    first = rpc_as(worker_in(here)).registry.register_household(
        {"area": here, "address": "Cité 500 logements", "members": [head("Rabah", "Ziani", national_id=nin)]},
        uuid.uuid4().hex,
    )
    second = rpc_as(worker_in(there)).registry.register_household(
        {"area": there, "address": "Ksar El Hirane", "members": [head("Rabah", "Ziani", national_id=nin)]},
        uuid.uuid4().hex,
    )
    facts = rpc_as(worker_in(here)).registry.household_facts(first["id"])
    assert second["id"] in facts["related_households"]  # across wilayas: ids only
    assert "national_id_hash" not in repr(facts) and "Ziani" not in repr(facts)
    with pytest.raises(RemoteError) as hidden:
        rpc_as(worker_in(new_commune())).registry.household_facts(first["id"])
    assert hidden.value.exc_type == "NotFound"


def test_pages_walk_an_area_by_id(registry: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    area = new_commune()
    worker = rpc_as(worker_in(area)).registry
    ids = [
        worker.register_household(
            {"area": area, "address": "Rue Emir Abdelkader", "members": [head(given, family, birth_year=1970 + n)]},
            uuid.uuid4().hex,
        )["id"]
        for n, (given, family) in enumerate([("Omar", "Haddad"), ("Nabil", "Amrani"), ("Said", "Touati")])
    ]
    everyone = officer(rpc_as)
    first = everyone.household_facts_page(area, None, 2)
    second = everyone.household_facts_page(area, first["next_cursor"], 2)
    assert [f["household_id"] for f in first["items"] + second["items"]] == sorted(ids)
    assert second["next_cursor"] is None
    assert rpc_as(worker_in(new_commune())).registry.household_facts_page(area, None, 10)["items"] == []
    with pytest.raises(RemoteError) as bad:
        everyone.household_facts_page(area, None, 0)
    assert bad.value.exc_type == "ValidationFailed"
