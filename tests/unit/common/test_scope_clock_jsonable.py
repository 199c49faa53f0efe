from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from bson import ObjectId

from common import clock, scoping
from common.context import CallerContext
from common.errors import NotFound, ValidationFailed
from common.jsonable import jsonable
from common.policy import scope, visible_or_404
from common.scope import Scope


def caller(area: str) -> CallerContext:
    return CallerContext(user_id="u", roles=("social-worker",), area=area, correlation_id="c")


def test_scope_contains_its_area_and_below_only() -> None:
    wilaya = Scope("/DZ/16")
    assert wilaya.contains("/DZ/16") and wilaya.contains("/DZ/16/1601")
    assert not wilaya.contains("/DZ/31/3101") and not wilaya.contains("/DZ") and not wilaya.contains("/DZ/161")


def test_scope_is_reached_from_above_and_from_inside_not_from_a_sibling() -> None:
    commune = Scope("/DZ/16/1601")
    assert commune.reaches("/DZ") and commune.reaches("/DZ/16") and commune.reaches("/DZ/16/1601")
    assert not commune.reaches("/DZ/16/1602") and not commune.reaches("/DZ/31")


def test_scope_refuses_a_malformed_area() -> None:
    with pytest.raises(ValidationFailed):
        Scope("DZ/16")


def test_policy_scope_and_its_mongo_translation() -> None:
    s = scope(caller("/DZ/16"))
    assert s == Scope("/DZ/16")
    assert scoping.within(s) == {"area_ancestors": "/DZ/16"}
    assert scoping.reaching(s) == {"$or": [{"area": {"$in": ["/DZ", "/DZ/16"]}}, {"area_ancestors": "/DZ/16"}]}


def test_visible_or_404_answers_the_same_for_missing_and_outside() -> None:
    inside = {"area": "/DZ/16/1601"}
    in_sight = lambda d: scope(caller("/DZ/16")).contains(d["area"])  # noqa: E731
    assert visible_or_404(inside, in_sight, "household") is inside
    for found in (None, {"area": "/DZ/31/3101"}):
        with pytest.raises(NotFound) as raised:
            visible_or_404(found, in_sight, "household")
        assert str(raised.value) == "household not found"


def test_clock_is_utc_to_the_second() -> None:
    t = clock.now()
    assert t.tzinfo is UTC and t.microsecond == 0


def test_jsonable_walks_containers_and_writes_text() -> None:
    oid = ObjectId()
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    value = {"at": at, "on": date(2026, 1, 2), "ids": (oid,), "n": Decimal("1.5")}
    assert jsonable(value) == {"at": "2026-01-02T03:04:05+00:00", "on": "2026-01-02", "ids": [str(oid)], "n": "1.5"}
