"""Programme impact over the running platform: role x area, suppression for donors, stable codes for bad periods."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.platform.conftest import auth
from tests.integration.platform.test_reporting_api import MIN_CELL, this_quarter


async def impact_of(gateway: httpx.AsyncClient, user: str, period: str, **params: Any) -> httpx.Response:
    return await gateway.get(f"/v1/reports/impact/{period}", params=params, headers=auth(user))


@pytest.mark.parametrize(
    ("user", "area", "status"),
    [
        ("national.officer", "/DZ/16/1601", 200),
        ("national.officer", "/DZ", 200),
        ("director.16", "/DZ/16", 200),
        ("director.31", "/DZ/16/1601", 404),
        ("director.31", "/DZ/16", 404),
        ("coordinator.1601", "/DZ/16/1601", 200),
        ("coordinator.1601", "/DZ/16/1602", 404),
        ("coordinator.1601", "/DZ/16", 404),
        ("worker.1601", "/DZ/16/1601", 200),
        ("auditor.demo", "/DZ/16", 200),
        ("donor.demo", "/DZ/16", 200),
    ],
)
async def test_who_reads_which_impact(gateway: httpx.AsyncClient, user: str, area: str, status: int) -> None:
    response = await impact_of(gateway, user, this_quarter(), area=area)
    assert response.status_code == status, response.text
    if status == 200:
        body = response.json()
        assert body["area"] == area and body["period"] == this_quarter()
        assert body["follow_up_visits"] == {"available": False, "figures": None}
        assert body["suppressed"] is (user == "donor.demo")
        assert all(row["commune"].startswith(area) for row in body["targeting_errors"]["communes"])
    else:
        assert "targeting_errors" not in response.text


async def test_donors_see_no_small_cell(gateway: httpx.AsyncClient) -> None:
    for area in ("/DZ", "/DZ/16"):
        published = (await impact_of(gateway, "donor.demo", this_quarter(), area=area)).json()
        errors = published["targeting_errors"]
        for row in [*errors["communes"], errors["total"]]:
            counts = [value for key, value in row.items() if key != "commune" and not key.endswith("_rate")]
            assert not any(value is not None and 0 < value < MIN_CELL for value in counts), row
        for cell in published["score_change"]["cells"]:
            if cell["too_few_to_compare"]:
                assert cell["assisted"]["count"] is None and cell["comparison"]["count"] is None, cell


async def test_bad_periods_answer_unknown_period(gateway: httpx.AsyncClient) -> None:
    for period in ("2026-Q5", "Q1", "2999-Q1", "2026"):
        response = await impact_of(gateway, "director.16", period)
        assert response.status_code == 422 and response.json()["details"]["code"] == "unknown_period", response.text
    unknown_area = await impact_of(gateway, "director.16", this_quarter(), area="nowhere")
    assert unknown_area.status_code == 422, unknown_area.text  # a malformed area, as the reports answer it
