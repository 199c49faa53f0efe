"""Donors: persons, companies and associations; their consent to be contacted; how they appear in public.

A donor may be linked to a platform user (the ``donor`` role): that user records and reads
only their own gifts and receipts. A donor who chose "anonymous on public lists" appears
there, and on the public receipt check, as "a benefactor" (فاعل خير), never by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal, get_args

from common import areas
from common.refusals import invalid

DonorKind = Literal["person", "company", "association"]
KINDS: tuple[str, ...] = get_args(DonorKind)
ContactChannel = Literal["email", "sms", "post", "phone"]
CHANNELS: tuple[str, ...] = get_args(ContactChannel)
ANONYMOUS = {"fr": "Un bienfaiteur", "ar": "فاعل خير"}


@dataclass(frozen=True, slots=True)
class Consent:
    """The channels a donor agreed to be contacted through, and since when."""

    channels: frozenset[str] = frozenset()
    given_on: date | None = None


@dataclass(frozen=True, slots=True)
class Donor:
    id: str
    kind: DonorKind
    name: str  # a person's full name or an organisation's legal name
    area: str  # where the donor is registered
    registration: str | None = None  # a company's or association's registration number
    user_id: str | None = None  # the platform user who is this donor (self-service)
    consent: Consent = Consent()
    anonymous_public: bool = False

    def public_name(self, language: str = "fr") -> str:
        """The name shown on public lists and checks: the donor's, or "a benefactor" when they chose anonymity."""
        return ANONYMOUS[language] if self.anonymous_public else self.name

    def may_contact(self, channel: str) -> bool:
        """True only if the donor consented to ``channel`` (reminders, thanks, appeals)."""
        return channel in self.consent.channels

    def owned_by(self, user_id: str) -> bool:
        """True if ``user_id`` is this donor (a donor reads only their own gifts and receipts)."""
        return self.user_id is not None and self.user_id == user_id

    def with_consent(self, channels: Iterable[str], on: date) -> Donor:
        """The donor with a new consent (an empty one withdraws it)."""
        return replace(self, consent=_consent(channels, on))


def _consent(channels: Iterable[str], on: date | None) -> Consent:
    chosen = frozenset(channels)
    unknown = sorted(chosen - set(CHANNELS))
    if unknown:
        raise invalid("contact_channel_unknown", "unknown contact channel", channels=unknown, known=list(CHANNELS))
    return Consent(chosen, on if chosen else None)


def new_donor(
    *,
    id: str,
    kind: str,
    name: str,
    area: str,
    registration: str | None = None,
    user_id: str | None = None,
    consent_channels: Iterable[str] = (),
    consent_on: date | None = None,
    anonymous_public: bool = False,
) -> Donor:
    """A donor after the rules: a known kind, a name, and a registration number for an organisation."""
    if kind not in KINDS:
        raise invalid("donor_kind_unknown", "unknown donor kind", kind=kind, known=list(KINDS))
    if not name.strip():
        raise invalid("donor_name_missing", "a donor is named")
    if kind != "person" and not (registration or "").strip():
        raise invalid("registration_required", "a company or association gives its registration number", kind=kind)
    areas.validate(area)
    consent = _consent(consent_channels, consent_on)
    if consent.channels and consent_on is None:
        raise invalid("consent_date_required", "a consent is dated")
    return Donor(id, kind, name.strip(), area, (registration or "").strip() or None, user_id, consent,  # type: ignore[arg-type]
                 anonymous_public)  # fmt: skip
