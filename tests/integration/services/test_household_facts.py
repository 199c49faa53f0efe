"""Household facts over the real stack: scope, pages, and the same people registered elsewhere."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from nameko.exceptions import RemoteError

from common.context import CallerContext
from common.contracts.facts import facts_to_columns
from common.nameko_ext.page_stream import receive_pages
from registry.service import RegistryService
from tests.integration.services.conftest import AMQP_URI, new_commune, worker_in


def head(given: str, family: str, **extra: Any) -> dict[str, Any]:
    return {"given_name_lat": given, "family_name_lat": family, "sex": "M", "relationship": "head", **extra}


def spouse(family: str) -> dict[str, Any]:
    return {**head("Amina", family), "relationship": "spouse", "sex": "F"}


def national_id() -> str:
    return "1" + str(uuid.uuid4().int)[:17]


@pytest.fixture
def registry(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)


def officer_context() -> CallerContext:
    return CallerContext(user_id="officer", roles=("national-officer",), area="/DZ", correlation_id="c")


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


def streamed(rpc_as: Callable[[CallerContext], Any], caller: CallerContext, area: str) -> list[dict[str, Any]]:
    """The pages the registry streams of ``area`` for ``caller``, read as assistance reads them."""

    def start(queue: str) -> None:
        rpc_as(caller).registry.stream_household_facts(area, queue)

    return list(receive_pages(AMQP_URI, start, timeout=60))


def test_an_area_is_streamed_as_columns(registry: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    area = new_commune()
    worker = rpc_as(worker_in(area)).registry
    people = [("Omar", "Haddad"), ("Nabil", "Amrani"), ("Said", "Touati")]
    ids = [
        worker.register_household(
            {
                "area": area,
                "address": "Rue Emir Abdelkader",
                "members": [
                    head(given, family, birth_year=1970 + n),
                    {**head("Amina", family), "relationship": "spouse", "sex": "F"},
                ],
            },
            uuid.uuid4().hex,
        )["id"]
        for n, (given, family) in enumerate(people)
    ]
    everyone = rpc_as(officer_context()).registry
    expected = facts_to_columns([everyone.household_facts(i) for i in ids])
    (page,) = streamed(rpc_as, officer_context(), area)
    order = sorted(range(len(ids)), key=lambda i: page["household_id"][i])
    assert sorted(page["household_id"]) == sorted(ids)
    assert [page["members_count"][i] for i in order] == [2, 2, 2]
    assert sorted(page["member_sex"]) == sorted(expected["member_sex"]) == ["F", "F", "F", "M", "M", "M"]
    assert sorted(page["member_age"], key=str) == sorted(expected["member_age"], key=str)
    assert "Haddad" not in repr(page)
    assert streamed(rpc_as, worker_in(new_commune()), area) == []  # outside the caller's area: nothing


def test_a_stream_needs_a_private_queue(registry: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    with pytest.raises(RemoteError) as bad:
        rpc_as(officer_context()).registry.stream_household_facts("/DZ/16", "registry.rpc")
    assert bad.value.exc_type == "ValidationFailed"
