"""Assistance programmes, solidarity campaigns and veille signals."""

from collections.abc import Callable
from typing import Any

import pytest
from nameko.testing.services import worker_factory

from assistance.service import AssistanceService
from common.context import CallerContext
from common.errors import Forbidden, ValidationFailed
from solidarity.service import SolidarityService
from tests.fakes.repositories import FakeCatalogue
from veille.service import VeilleService

PROGRAMME = {"code": "winter-aid", "name_fr": "Aide hivernale", "name_ar": "منحة الشتاء", "benefit_type": "in_kind"}
CAMPAIGN = {
    "kind": "ramadan",
    "name_fr": "Ramadan 1448",
    "name_ar": "رمضان 1448",
    "area": "/DZ/16",
    "starts_on": "2027-02-08",
    "ends_on": "2027-03-09",
}
SIGNAL = {"kind": "street_child", "area": "/DZ/16/1601", "description": "Enfant seul près de la gare", "severity": 4}


def test_national_programme_is_seen_in_every_commune(caller: Callable[..., CallerContext]) -> None:
    repo = FakeCatalogue()
    officer = worker_factory(AssistanceService, programmes=repo, caller=caller("/DZ", "national-officer"))
    officer.create_programme(PROGRAMME)
    worker = worker_factory(AssistanceService, programmes=repo, caller=caller("/DZ/31/3101"))
    assert [p["code"] for p in worker.list_programmes()] == ["winter-aid"]


def test_only_national_officers_manage_programmes(caller: Callable[..., CallerContext]) -> None:
    director = worker_factory(AssistanceService, programmes=FakeCatalogue(), caller=caller("/DZ/16", "wilaya-director"))
    with pytest.raises(Forbidden):
        director.create_programme(PROGRAMME)


def test_campaign_dates_are_checked(caller: Callable[..., CallerContext]) -> None:
    director = worker_factory(SolidarityService, campaigns=FakeCatalogue(), caller=caller("/DZ/16", "wilaya-director"))
    with pytest.raises(ValidationFailed):
        director.create_campaign({**CAMPAIGN, "ends_on": "2027-01-01"}, "camp-key-1")


@pytest.mark.parametrize("bad", [{"severity": 9}, {"area": "/DZ/16"}, {"kind": "rumour"}])
def test_bad_signal(caller: Callable[..., CallerContext], bad: dict[str, Any]) -> None:
    worker = worker_factory(VeilleService, signals=FakeCatalogue(located=True), caller=caller("/DZ/16/1601"))
    with pytest.raises(ValidationFailed):
        worker.report_signal({**SIGNAL, **bad}, "sig-key-1")
