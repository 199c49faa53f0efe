"""One way to say "this call is refused with that stable code"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from common.errors import DomainError


def refused(code: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> DomainError:
    """Run ``call``; it must raise a DomainError whose ``details["code"]`` is ``code``. Returns the error."""
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.details.get("code") == code, caught.value.details
    return caught.value
