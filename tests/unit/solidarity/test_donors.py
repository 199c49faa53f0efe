"""Donors: kinds, registration of organisations, consent per channel, anonymity in public, ownership."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from solidarity.domain.donors import Donor, new_donor
from tests.unit.solidarity.refusal import refused


def donor(**changes: Any) -> Donor:
    fields: dict[str, Any] = {"id": "d1", "kind": "person", "name": " Amina Benali ", "area": "/DZ/16/1601"}
    return new_donor(**(fields | changes))


def test_a_person_a_company_and_an_association() -> None:
    assert donor().name == "Amina Benali"
    company = donor(kind="company", name="SARL Atlas", registration=" 16/00-1234567B21 ")
    assert company.registration == "16/00-1234567B21"
    assert donor(kind="association", name="El Baraka", registration="A-16-2020-77").kind == "association"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "state"}, "donor_kind_unknown"),
        ({"name": "  "}, "donor_name_missing"),
        ({"kind": "company", "name": "SARL Atlas"}, "registration_required"),
        ({"kind": "association", "name": "El Baraka", "registration": " "}, "registration_required"),
        ({"consent_channels": ["pigeon"], "consent_on": date(2027, 1, 1)}, "contact_channel_unknown"),
        ({"consent_channels": ["sms"]}, "consent_date_required"),
    ],
)
def test_a_donor_breaking_a_rule_is_refused(changes: dict[str, Any], code: str) -> None:
    refused(code, donor, **changes)


def test_contact_only_through_consented_channels_and_consent_can_be_withdrawn() -> None:
    consenting = donor(consent_channels=["sms", "email"], consent_on=date(2027, 1, 2))
    assert consenting.may_contact("sms") and consenting.may_contact("email")
    assert not consenting.may_contact("post") and not donor().may_contact("sms")
    withdrawn = consenting.with_consent([], date(2027, 5, 1))
    assert not withdrawn.may_contact("sms") and withdrawn.consent.given_on is None
    refused("contact_channel_unknown", consenting.with_consent, ["fax"], date(2027, 5, 1))


def test_an_anonymous_donor_is_a_benefactor_on_public_lists() -> None:
    assert donor().public_name() == "Amina Benali"
    hidden = donor(anonymous_public=True)
    assert hidden.public_name("fr") == "Un bienfaiteur" and hidden.public_name("ar") == "فاعل خير"
    assert hidden.name == "Amina Benali"  # staff still know who gave


def test_a_donor_user_owns_only_their_own_donor_record() -> None:
    mine = donor(user_id="kc-user-1")
    assert mine.owned_by("kc-user-1")
    assert not mine.owned_by("kc-user-2") and not donor().owned_by("kc-user-1")
