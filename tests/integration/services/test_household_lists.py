"""Household lists over the real database: filters, status, scope and pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from nameko.exceptions import RemoteError

from common.context import CallerContext
from registry.service import RegistryService
from tests.integration.services.conftest import new_commune, worker_in


def single(area: str, given: str, family: str, birth: str, categories: list[dict[str, Any]]) -> dict[str, Any]:
    head = {
        "given_name_lat": given,
        "family_name_lat": family,
        "sex": "F",
        "birth_date": birth,
        "relationship": "head",
        "categories": categories,
    }
    return {"area": area, "address": "Rue des Frères Bouadou", "members": [head]}


@pytest.fixture
def registry(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_category_filter_keeps_current_memberships_only(registry: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    area = new_commune()
    worker = rpc_as(worker_in(area)).registry
    elderly = [
        worker.register_household(
            single(
                area, given, "Saadi", "1940-01-0" + str(n + 1), [{"category": "elderly", "valid_from": "2005-01-01"}]
            ),
            uuid.uuid4().hex,
        )["id"]
        for n, given in enumerate(["Aicha", "Zohra", "Messaouda"])
    ]
    lapsed = worker.register_household(
        single(
            area,
            "Fatiha",
            "Kaci",
            "1980-05-05",
            [{"category": "indigent", "valid_from": "2010-01-01", "valid_until": "2012-12-31"}],
        ),
        uuid.uuid4().hex,
    )["id"]

    first = worker.list_households({"area": area, "category": "elderly", "limit": 2})
    second = worker.list_households({"area": area, "category": "elderly", "limit": 2, "after": first["next_cursor"]})
    assert ids(first) + ids(second) == elderly and second["next_cursor"] is None
    assert ids(worker.list_households({"area": area, "category": "indigent"})) == []  # ended in 2012
    assert lapsed in ids(worker.list_households({"area": area}))

    with pytest.raises(RemoteError) as bad:
        worker.list_households({"area": area, "score_min": 60, "score_max": 20})
    assert bad.value.exc_type == "ValidationFailed"


def test_status_filter_and_count_leave_merged_households_out(
    registry: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    area = new_commune()
    worker = rpc_as(worker_in(area)).registry
    original = worker.register_household(single(area, "Hadjer", "Mansouri", "1999-09-09", []), uuid.uuid4().hex)
    copy = worker.register_household(single(area, "Hadjer", "Mansouri", "1999-09-09", []), uuid.uuid4().hex)
    assert copy["status"] == "held_for_review"
    assert ids(worker.list_households({"area": area, "status": "held_for_review"})) == [copy["id"]]
    assert worker.count_households() >= 2

    coordinator = rpc_as(
        CallerContext(user_id="coordinator", roles=("cell-coordinator",), area=area, correlation_id="c")
    ).registry
    (review,) = [r for r in coordinator.list_duplicate_reviews(200) if r["held"].get("household_id") == copy["id"]]
    coordinator.decide_duplicate_review(review["id"], "same")
    assert ids(worker.list_households({"area": area})) == [original["id"]]
    assert ids(worker.list_households({"area": area, "status": "merged"})) == [copy["id"]]
    assert worker.count_households() == 1
