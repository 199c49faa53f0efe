"""Bequests (legs): a lifecycle from a declared intention to a realised, closed estate.

::

    declared --notify--> notified --accept--> accepted --value--> valued --realise--> realised --close--> closed
        \\--revoke--> revoked      \\--refuse--> refused

The intention is revocable until the will or the succession is notified. Acceptance is
decided by the authority competent for the bequest's declared value; which authority that
is, and how long each step may take, is configuration (:class:`BequestRules`) handed in by
the service, not code. Each step but revocation and closing carries at least one document;
each step is kept in the bequest's history.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal, get_args

from common import areas
from common.errors import ValidationFailed
from common.refusals import forbidden, invalid, out_of_order
from common.scope import Scope
from solidarity.domain.money import Money

BequestState = Literal["declared", "notified", "accepted", "refused", "valued", "realised", "closed", "revoked"]
Step = Literal["declare", "notify", "accept", "refuse", "value", "realise", "close", "revoke"]
Realisation = Literal["cash", "real_estate", "movable_goods"]

# state -> {step: next state}
LIFECYCLE: dict[str, dict[str, BequestState]] = {
    "declared": {"notify": "notified", "revoke": "revoked"},
    "notified": {"accept": "accepted", "refuse": "refused"},
    "accepted": {"value": "valued"},
    "valued": {"realise": "realised"},
    "realised": {"close": "closed"},
    "refused": {},
    "closed": {},
    "revoked": {},
}
DOCUMENTED_STEPS: frozenset[str] = frozenset({"notify", "accept", "refuse", "value", "realise"})
REASONED_STEPS: frozenset[str] = frozenset({"refuse", "revoke"})


@dataclass(frozen=True, slots=True)
class Threshold:
    """Bequests valued up to ``up_to`` (inclusive; None: any value) are accepted by ``authority``."""

    up_to: Money | None
    authority: str


@dataclass(frozen=True, slots=True)
class BequestRules:
    """The configuration: who accepts at which value, and the days each state may last before it is overdue."""

    thresholds: tuple[Threshold, ...]
    deadlines_days: Mapping[str, int] = field(default_factory=dict)  # state -> days

    def __post_init__(self) -> None:
        bounded = [t.up_to for t in self.thresholds if t.up_to is not None]
        if not self.thresholds or self.thresholds[-1].up_to is not None:
            raise invalid("bequest_rules_invalid", "the last threshold takes any value (up_to empty)")
        if len(bounded) != len(self.thresholds) - 1:
            raise invalid("bequest_rules_invalid", "only the last threshold is unbounded")
        if len({m.currency for m in bounded}) > 1:
            raise invalid("bequest_rules_invalid", "thresholds are in one currency")
        if any(a.minor >= b.minor for a, b in itertools.pairwise(bounded)):
            raise invalid("bequest_rules_invalid", "thresholds rise strictly")
        unknown = sorted(set(self.deadlines_days) - set(LIFECYCLE))
        if unknown:
            raise invalid("bequest_rules_invalid", "deadlines name unknown states", states=unknown)

    def authority_for(self, value: Money) -> str:
        """The authority competent to accept a bequest worth ``value``."""
        for threshold in self.thresholds:
            if threshold.up_to is None:
                return threshold.authority
            if value.currency != threshold.up_to.currency:
                raise invalid("currency_mismatch", "the value is not in the thresholds' currency",
                              currencies=[threshold.up_to.currency, value.currency])  # fmt: skip
            if value.minor <= threshold.up_to.minor:
                return threshold.authority
        raise AssertionError("unreachable: the last threshold is unbounded")


@dataclass(frozen=True, slots=True)
class Taken:
    """Who takes a step, when, with which documents (ids in the document store) and what note or reason."""

    at: datetime
    by: str
    documents: tuple[str, ...] = ()
    note: str | None = None
    key: str | None = None  # the idempotency key the step was taken under (its replay answers the same)
    fingerprint: str | None = None  # of the request taken under ``key``

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", tuple(d.strip() for d in self.documents if d.strip()))
        object.__setattr__(self, "note", (self.note or "").strip() or None)


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step in the bequest's history."""

    step: Step
    at: datetime
    by: str
    documents: tuple[str, ...] = ()
    note: str | None = None
    key: str | None = None
    fingerprint: str | None = None

    @classmethod
    def of(cls, step: Step, taken: Taken) -> StepRecord:
        return cls(step, taken.at, taken.by, taken.documents, taken.note, taken.key, taken.fingerprint)


@dataclass(frozen=True, slots=True)
class Bequest:
    id: str
    donor_id: str
    area: str
    declared_value: Money
    description: str
    state: BequestState = "declared"
    entered_state_on: date | None = None
    history: tuple[StepRecord, ...] = ()
    accepted_by: str | None = None  # the authority that decided
    charges: tuple[str, ...] = ()  # charges and conditions of the acceptance
    valuation: Money | None = None
    realisation: Realisation | None = None
    realised: Money | None = None
    donor_user_id: str | None = None  # the donor's own account, when the donor declared it themself
    version: int = 1  # each step writes guarded on the version it read
    marked_overdue: bool = False  # announced past its due date (the timer; reset by the next step)

    @property
    def allowed_steps(self) -> frozenset[str]:
        return frozenset(LIFECYCLE[self.state])

    def due_on(self, rules: BequestRules) -> date | None:
        """When the current state's step is due (None: no deadline configured, or a final state)."""
        days = rules.deadlines_days.get(self.state)
        if days is None or self.entered_state_on is None or not LIFECYCLE[self.state]:
            return None
        return self.entered_state_on + timedelta(days=days)

    def overdue(self, rules: BequestRules, as_of: date) -> bool:
        due = self.due_on(rules)
        return due is not None and as_of > due

    def as_after(self, index: int) -> Bequest:
        """The bequest as it stood right after its ``index``-th step (0: declared): what a replayed step answers.

        Each step is one version, and the facts a step records (decision, valuation,
        realisation) are the ones its own step names, so they are known from the history.
        """
        history = self.history[: index + 1]
        taken = {record.step for record in history}
        state: BequestState = "declared"
        for record in history[1:]:
            state = LIFECYCLE[state][record.step]
        decided = bool(taken & {"accept", "refuse"})
        return replace(
            self,
            state=state,
            entered_state_on=history[-1].at.date(),
            history=history,
            accepted_by=self.accepted_by if decided else None,
            charges=self.charges if "accept" in taken else (),
            valuation=self.valuation if "value" in taken else None,
            realisation=self.realisation if "realise" in taken else None,
            realised=self.realised if "realise" in taken else None,
            version=index + 1,
            marked_overdue=False,
        )

    def notified(self, taken: Taken) -> Bequest:
        """The will or the succession is notified (the intention can no longer be revoked)."""
        return self._step("notify", taken)

    def accepted(self, taken: Taken, *, authority: str, rules: BequestRules, charges: Iterable[str] = ()) -> Bequest:
        """Accepted by ``authority``, which must be the one ``rules`` name for the declared value."""
        moved = self._step("accept", taken)
        self.require_competent(authority, rules)
        return replace(moved, accepted_by=authority, charges=tuple(c.strip() for c in charges if c.strip()))

    def refused(self, taken: Taken, *, authority: str | None = None, rules: BequestRules | None = None) -> Bequest:
        """Refused, with its reason; when ``rules`` are given, only by the authority they name for the value."""
        moved = self._step("refuse", taken)
        if rules is not None:
            self.require_competent(authority, rules)
        return replace(moved, accepted_by=authority)

    def require_competent(self, authority: str | None, rules: BequestRules) -> None:
        """Acceptance and refusal belong to the authority ``rules`` name for the declared value (403 otherwise)."""
        competent = rules.authority_for(self.declared_value)
        if authority != competent:
            raise forbidden("bequest_authority_incompetent", "another authority decides on a bequest of this value",
                                required=competent, authority=authority)  # fmt: skip

    def valued(self, taken: Taken, valuation: Money) -> Bequest:
        moved = self._step("value", taken)
        return replace(moved, valuation=valuation.positive("valuation"))

    def realised_as(self, taken: Taken, form: str, amount: Money) -> Bequest:
        """Realised as cash, real estate or movable goods, for ``amount``."""
        if form not in get_args(Realisation):
            raise invalid("bequest_realisation_unknown", "a bequest is realised as cash, real estate or movable goods",
                          realisation=form)  # fmt: skip
        moved = self._step("realise", taken)
        return replace(moved, realisation=form, realised=amount.positive("realised"))  # type: ignore[arg-type]

    def closed(self, taken: Taken) -> Bequest:
        return self._step("close", taken)

    def revoked(self, taken: Taken) -> Bequest:
        """The donor withdrew the intention (only before the will or succession is notified)."""
        return self._step("revoke", taken)

    def _step(self, step: Step, taken: Taken) -> Bequest:
        following = LIFECYCLE[self.state].get(step)
        if following is None:
            raise out_of_order("bequest_step_out_of_order", f"a {self.state} bequest cannot take the step {step}",
                               self.state, self.allowed_steps)  # fmt: skip
        if step in DOCUMENTED_STEPS and not taken.documents:
            raise invalid("bequest_document_required", f"the step {step} carries its document", step=step)
        if step in REASONED_STEPS and not taken.note:
            raise invalid("reason_required", f"the step {step} states its reason", step=step)
        record = StepRecord.of(step, taken)
        history = (*self.history, record)
        return replace(self, state=following, entered_state_on=taken.at.date(), history=history, marked_overdue=False)


@dataclass(frozen=True, slots=True)
class Sight:
    """What a caller sees of bequests: an area (staff, auditors) or only the ones they declared (a donor)."""

    scope: Scope | None = None
    donor_user_id: str | None = None

    def sees(self, bequest: Bequest) -> bool:
        if self.scope is not None:
            return self.scope.contains(bequest.area)
        return self.donor_user_id is not None and bequest.donor_user_id == self.donor_user_id


def declare(
    *,
    id: str,
    donor_id: str,
    area: str,
    declared_value: Money,
    description: str,
    taken: Taken,
    donor_user_id: str | None = None,
) -> Bequest:
    """A declared intention (revocable until the will or succession is notified)."""
    declared_value.positive("declared_value")
    if not description.strip():
        raise invalid("bequest_description_missing", "a bequest describes what is bequeathed")
    areas.validate(area)
    if not donor_id.strip():
        raise invalid("bequest_donor_missing", "a bequest names its donor (the donor record's id)")
    record = StepRecord.of("declare", taken)
    return Bequest(id, donor_id.strip(), area, declared_value, description.strip(), "declared", taken.at.date(),
                   (record,), donor_user_id=donor_user_id)  # fmt: skip


AUTHORITIES: frozenset[str] = frozenset({"cell-coordinator", "wilaya-director", "national-officer"})


def rules_from(config: Mapping[str, object]) -> BequestRules:
    """The rules a configuration file gives (``[[thresholds]] up_to, currency, authority`` and ``[deadlines_days]``).

    Authorities are the platform's roles that decide (``AUTHORITIES``); a malformed file is
    refused with ``bequest_rules_invalid`` (the service does not start on it).
    """
    raw_thresholds = config.get("thresholds")
    deadlines = config.get("deadlines_days", {})
    if not isinstance(raw_thresholds, list) or not isinstance(deadlines, Mapping):
        raise invalid("bequest_rules_invalid", "thresholds is a list and deadlines_days a table")
    thresholds = []
    for raw in raw_thresholds:
        if not isinstance(raw, Mapping) or raw.get("authority") not in AUTHORITIES:
            raise invalid("bequest_rules_invalid", "each threshold names a deciding role", known=sorted(AUTHORITIES))
        up_to = raw.get("up_to")
        try:
            bound = None if up_to is None else Money.of(str(up_to), str(raw.get("currency", "DZD")))
        except ValidationFailed as exc:
            cause = exc.details.get("code")
            raise invalid(
                "bequest_rules_invalid", "a threshold is an amount in a known currency", cause=cause
            ) from None
        thresholds.append(Threshold(bound, str(raw["authority"])))
    if any(not isinstance(days, int) or isinstance(days, bool) or days < 1 for days in deadlines.values()):
        raise invalid("bequest_rules_invalid", "deadlines are whole days, at least one")
    return BequestRules(tuple(thresholds), {str(state): int(days) for state, days in deadlines.items()})
