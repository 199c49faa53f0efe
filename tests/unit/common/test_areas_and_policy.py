import pytest

from common import areas, policy
from common.context import CallerContext
from common.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed


def caller(area: str, *roles: str) -> CallerContext:
    return CallerContext(user_id="u-1", roles=roles, area=area, correlation_id="c-1")


def test_ancestors_of_a_commune() -> None:
    assert areas.ancestors("/DZ/16/1601") == ["/DZ", "/DZ/16", "/DZ/16/1601"]


@pytest.mark.parametrize("bad", ["", "/", "/FR", "/DZ/1", "/DZ/16/16011", "DZ/16", "/DZ/16/"])
def test_malformed_paths_are_refused(bad: str) -> None:
    assert not areas.is_valid(bad)
    with pytest.raises(ValidationFailed):
        areas.validate(bad)


def test_contains_is_by_path_segment_not_prefix() -> None:
    assert areas.contains("/DZ/16", "/DZ/16/1601")
    assert areas.contains("/DZ/16", "/DZ/16")
    assert not areas.contains("/DZ/1", "/DZ/16")
    assert not areas.contains("/DZ/16/1601", "/DZ/16")


def test_no_caller_is_unauthenticated() -> None:
    with pytest.raises(Unauthenticated):
        policy.authorize(None, "household.read")


def test_auditor_reads_but_never_writes() -> None:
    auditor = caller("/DZ", policy.AUDITOR)
    assert policy.authorize(auditor, "household.read") is auditor
    for operation in ("household.register", "programme.manage", "campaign.manage", "signal.report"):
        with pytest.raises(Forbidden):
            policy.authorize(auditor, operation)


def test_donor_sees_campaigns_not_households() -> None:
    donor = caller("/DZ", policy.DONOR)
    policy.authorize(donor, "campaign.read")
    with pytest.raises(Forbidden):
        policy.authorize(donor, "household.read")


def test_write_outside_area_is_forbidden() -> None:
    worker = caller("/DZ/16/1601", policy.SOCIAL_WORKER)
    policy.require_within(worker, "/DZ/16/1601")
    with pytest.raises(Forbidden):
        policy.require_within(worker, "/DZ/16/1602")


def test_read_outside_area_is_not_found() -> None:
    worker = caller("/DZ/16/1601", policy.SOCIAL_WORKER)
    with pytest.raises(NotFound):
        policy.visible(worker, "/DZ/31/3101")


def test_caller_context_round_trips_through_nameko_data() -> None:
    original = caller("/DZ/16/1601", policy.SOCIAL_WORKER, policy.CELL_COORDINATOR)
    assert CallerContext.from_data(original.to_data()) == original
    assert CallerContext.from_data({"call_id_stack": ["x"]}) is None
