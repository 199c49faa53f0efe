"""Service unit tests: nameko's worker_factory, fake repositories, no broker."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from common.context import CallerContext


@pytest.fixture
def caller() -> Callable[..., CallerContext]:
    def make(area: str = "/DZ/16/1601", *roles: str) -> CallerContext:
        return CallerContext(user_id="user-1", roles=roles or ("social-worker",), area=area, correlation_id="c-1")

    return make
