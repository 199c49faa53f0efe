"""Protected fields: read and write by role, the redacted view, break-the-glass grants and their expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from common import policy
from common.errors import Forbidden
from tests.unit.veille.refusal import refused
from tests.unit.veille.samples import T0, draft, signal
from veille.domain.protection import (
    DEFAULT_POLICY,
    PROTECTED_FIELDS,
    ProtectionPolicy,
    break_glass,
    check_writable,
    present,
    readable,
    view,
)

ROLES = [policy.NATIONAL_OFFICER, policy.WILAYA_DIRECTOR, policy.WILAYA_AGENT, policy.CELL_COORDINATOR,
         policy.SOCIAL_WORKER, policy.AUDITOR, policy.DONOR]  # fmt: skip
READS = {
    policy.NATIONAL_OFFICER: {"reporter_identity"},
    policy.WILAYA_DIRECTOR: {"reporter_identity", "child_protection"},
    policy.WILAYA_AGENT: set(),
    policy.CELL_COORDINATOR: {"reporter_identity", "child_protection", "gender_violence"},
    policy.SOCIAL_WORKER: {"child_protection", "gender_violence"},
    policy.AUDITOR: set(),
    policy.DONOR: set(),
}
SENSITIVE: dict[str, Any] = {"protected": {"child_protection": "bruises", "gender_violence": "threats at home"}}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_only_its_fields_and_sees_the_others_emptied(role: str) -> None:
    seen = view(signal(**SENSITIVE), user_id="u", roles=[role], now=T0)
    assert readable([role]) == READS[role]
    assert set(seen.withheld) == set(PROTECTED_FIELDS) - READS[role] and not seen.break_glass
    reporter, details = seen.signal.reporter, seen.signal.protected
    assert (reporter.name is not None) == ("reporter_identity" in READS[role])
    assert reporter.kind == "hotline" and seen.signal.description  # the rest is not protected
    assert (details.child_protection == "bruises") == ("child_protection" in READS[role])
    assert (details.gender_violence == "threats at home") == ("gender_violence" in READS[role])


def test_withheld_names_the_fields_even_when_the_signal_has_none() -> None:
    empty = signal(protected={}, reporter={"kind": "agent"})
    assert view(empty, user_id="u", roles=[policy.WILAYA_AGENT], now=T0).withheld == PROTECTED_FIELDS


def test_present_lists_the_filled_protected_fields() -> None:
    assert present(draft()) == ("reporter_identity", "child_protection")
    assert present(draft(reporter={"kind": "agent"}, protected={})) == ()


@pytest.mark.parametrize("role", sorted(policy.STAFF))
def test_every_staff_role_may_write_the_reporter_identity(role: str) -> None:
    check_writable(draft(protected={}), [role])


@pytest.mark.parametrize("role", [policy.NATIONAL_OFFICER, policy.WILAYA_DIRECTOR, policy.WILAYA_AGENT])
def test_a_role_that_may_not_write_the_sensitive_details_is_refused(role: str) -> None:
    error = refused("protected_field_not_writable", check_writable, draft(**SENSITIVE), [role])
    assert isinstance(error, Forbidden)
    assert error.details["fields"] == ["child_protection", "gender_violence"]


@pytest.mark.parametrize("role", [policy.CELL_COORDINATOR, policy.SOCIAL_WORKER])
def test_the_social_side_writes_the_sensitive_details(role: str) -> None:
    check_writable(draft(**SENSITIVE), [role])


def test_break_the_glass_shows_everything_to_that_user_for_that_signal_until_it_expires() -> None:
    s = signal(**SENSITIVE)
    why = "  child in danger tonight,   reporter must be called  "
    grant, used = break_glass(s, user_id="u-agent", roles=[policy.WILAYA_AGENT], justification=why, now=T0)
    assert grant.expires_at == T0 + timedelta(minutes=30)
    assert used.justification == "child in danger tonight, reporter must be called"
    assert (used.signal_id, used.area, used.by, used.event) == ("s1", s.area, "u-agent", "signal_break_glass")
    during = view(s, user_id="u-agent", roles=[policy.WILAYA_AGENT], now=T0 + timedelta(minutes=29), grants=[grant])
    assert during.break_glass and during.withheld == () and during.signal == s
    after = view(s, user_id="u-agent", roles=[policy.WILAYA_AGENT], now=T0 + timedelta(minutes=30), grants=[grant])
    assert not after.break_glass and after.withheld == PROTECTED_FIELDS
    other_user = view(s, user_id="u-other", roles=[policy.WILAYA_AGENT], now=T0, grants=[grant])
    other_signal = view(signal("s2", **SENSITIVE), user_id="u-agent", roles=[policy.WILAYA_AGENT], now=T0,
                        grants=[grant])  # fmt: skip
    assert other_user.withheld == PROTECTED_FIELDS and other_signal.withheld == PROTECTED_FIELDS


def test_break_the_glass_needs_a_justification_of_the_configured_length() -> None:
    s = signal()
    refused("justification_required", break_glass, s, user_id="u", roles=[policy.WILAYA_AGENT], justification="  ",
            now=T0)  # fmt: skip
    error = refused("justification_too_short", break_glass, s, user_id="u", roles=[policy.WILAYA_AGENT],
                    justification="urgent", now=T0)  # fmt: skip
    assert error.details == {"code": "justification_too_short", "minimum": 20, "length": 6}


@pytest.mark.parametrize("role", [policy.AUDITOR, policy.DONOR])
def test_only_staff_may_break_the_glass(role: str) -> None:
    refused("break_glass_not_allowed", break_glass, signal(), user_id="u", roles=[role],
            justification="a long enough justification", now=T0)  # fmt: skip


def test_the_duration_and_minimum_are_configuration() -> None:
    rules = DEFAULT_POLICY.model_copy(update={"break_glass_duration": timedelta(minutes=5), "min_justification": 3})
    grant, _ = break_glass(signal(), user_id="u", roles=[policy.SOCIAL_WORKER], justification="sos", now=T0,
                           rules=rules)  # fmt: skip
    assert grant.expires_at - grant.granted_at == timedelta(minutes=5)
    with pytest.raises(ValueError):
        ProtectionPolicy.model_validate({**DEFAULT_POLICY.model_dump(), "break_glass_duration": timedelta(days=2)})
