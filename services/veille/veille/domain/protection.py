"""Protected fields of a signal: who may read or write them, the redacted view, break-the-glass.

Three fields are protected: the reporter's identity (name, phone, organisation), child-protection
details and gender-violence details. Which roles may read or write each is configuration
(:class:`ProtectionPolicy`, :data:`DEFAULT_POLICY`), expressed in ``common.policy`` role names.

In an emergency a staff member who may not read them may "break the glass": a grant with a
written justification, for one signal, lasting a configured short time. The grant is returned with
an event the adapter must write to the audit log before the first read (always audited).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from common import policy
from common.refusals import forbidden, invalid
from veille.domain.signals import ProtectedDetails, Reporter, Signal, SignalDraft

ProtectedField = Literal["reporter_identity", "child_protection", "gender_violence"]
PROTECTED_FIELDS: tuple[ProtectedField, ...] = ("reporter_identity", "child_protection", "gender_violence")

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ProtectionPolicy(BaseModel):
    """Roles allowed to read and to write each protected field, and the break-the-glass terms."""

    model_config = _FROZEN

    read: Mapping[ProtectedField, frozenset[str]]
    write: Mapping[ProtectedField, frozenset[str]]
    break_glass_roles: frozenset[str]
    break_glass_duration: timedelta = Field(gt=timedelta(0), le=timedelta(hours=24))
    min_justification: int = Field(ge=1)


DEFAULT_POLICY = ProtectionPolicy(
    # common.policy names the roles: ``signal.<field>.read`` / ``.write``, ``signal.break_glass``.
    # The coordinator calls the reporter back, the wilaya and the ministry follow escalations;
    # whoever takes a report writes who made it, the sensitive details only the social side.
    read={f: policy.PERMISSIONS[f"signal.{f}.read"] for f in PROTECTED_FIELDS},
    write={f: policy.PERMISSIONS[f"signal.{f}.write"] for f in PROTECTED_FIELDS},
    break_glass_roles=policy.PERMISSIONS["signal.break_glass"],
    break_glass_duration=timedelta(minutes=30),
    min_justification=20,
)


class BreakGlassGrant(BaseModel):
    """One user's emergency read of one signal's protected fields, until ``expires_at``."""

    model_config = _FROZEN

    user_id: str
    signal_id: str
    justification: str
    granted_at: AwareDatetime
    expires_at: AwareDatetime

    def active(self, now: datetime) -> bool:
        return self.granted_at <= now < self.expires_at


class BreakGlassUsed(BaseModel):
    """For the audit log (not for notifications): who unsealed which signal, why and until when."""

    model_config = ConfigDict(frozen=True)

    event: Literal["signal_break_glass"] = "signal_break_glass"
    signal_id: str
    area: str
    by: str
    justification: str
    occurred_at: AwareDatetime
    expires_at: AwareDatetime


class RedactedSignal(BaseModel):
    """A signal as one caller may see it, and the protected fields withheld from that caller.

    ``withheld`` names every field the caller may not read, whether the signal has a value in it
    or not: which fields are withheld says nothing about what the signal holds.
    """

    model_config = ConfigDict(frozen=True)

    signal: Signal
    withheld: tuple[ProtectedField, ...]
    break_glass: bool = False


def present(draft: SignalDraft) -> tuple[ProtectedField, ...]:
    """The protected fields this draft fills."""
    reporter = draft.reporter
    filled = {
        "reporter_identity": bool(reporter.name or reporter.phone or reporter.organisation),
        "child_protection": bool(draft.protected.child_protection),
        "gender_violence": bool(draft.protected.gender_violence),
    }
    return tuple(f for f in PROTECTED_FIELDS if filled[f])


def check_writable(draft: SignalDraft, roles: Iterable[str], rules: ProtectionPolicy = DEFAULT_POLICY) -> None:
    """Refuse (403) a draft that fills a protected field none of the caller's roles may write."""
    held = set(roles)
    refused = [f for f in present(draft) if not held & rules.write[f]]
    if refused:
        raise forbidden("protected_field_not_writable", "your role may not write these protected fields",
                        fields=refused)  # fmt: skip


def readable(roles: Iterable[str], rules: ProtectionPolicy = DEFAULT_POLICY) -> frozenset[ProtectedField]:
    """The protected fields the caller's roles may read."""
    held = set(roles)
    return frozenset(f for f in PROTECTED_FIELDS if held & rules.read[f])


def view(
    signal: Signal,
    *,
    user_id: str,
    roles: Iterable[str],
    now: datetime,
    grants: Iterable[BreakGlassGrant] = (),
    rules: ProtectionPolicy = DEFAULT_POLICY,
) -> RedactedSignal:
    """The signal as this caller may see it: an active grant of theirs for it shows everything."""
    unsealed = any(g.user_id == user_id and g.signal_id == signal.id and g.active(now) for g in grants)
    fields = frozenset(PROTECTED_FIELDS) if unsealed else readable(roles, rules)
    withheld = tuple(f for f in PROTECTED_FIELDS if f not in fields)
    return RedactedSignal(signal=redacted(signal, fields), withheld=withheld, break_glass=unsealed)


def redacted(signal: Signal, fields: frozenset[ProtectedField]) -> Signal:
    """The signal with every protected field not in ``fields`` emptied."""
    reporter = signal.reporter if "reporter_identity" in fields else Reporter(kind=signal.reporter.kind)
    protected = ProtectedDetails(
        child_protection=signal.protected.child_protection if "child_protection" in fields else None,
        gender_violence=signal.protected.gender_violence if "gender_violence" in fields else None,
    )
    return signal.model_copy(update={"reporter": reporter, "protected": protected})


def break_glass(
    signal: Signal,
    *,
    user_id: str,
    roles: Iterable[str],
    justification: str,
    now: datetime,
    rules: ProtectionPolicy = DEFAULT_POLICY,
) -> tuple[BreakGlassGrant, BreakGlassUsed]:
    """An emergency grant to read ``signal``'s protected fields, and the audit event that records it."""
    if not set(roles) & rules.break_glass_roles:
        raise forbidden("break_glass_not_allowed", "your role may not break the glass")
    reason = " ".join(justification.split())
    if not reason:
        raise invalid("justification_required", "breaking the glass needs a written justification")
    if len(reason) < rules.min_justification:
        raise invalid("justification_too_short", "the justification is too short to be audited",
                      minimum=rules.min_justification, length=len(reason))  # fmt: skip
    grant = BreakGlassGrant(
        user_id=user_id,
        signal_id=signal.id,
        justification=reason,
        granted_at=now,
        expires_at=now + rules.break_glass_duration,
    )
    used = BreakGlassUsed(signal_id=signal.id, area=signal.area, by=user_id, justification=reason,
                          occurred_at=now, expires_at=grant.expires_at)  # fmt: skip
    return grant, used
