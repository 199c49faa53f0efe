"""What each consumed event changes in the read models: a pure function of the event and what is known.

An event is tallied where it happened (its area) in the quarter it happened, as
:class:`Delta` rows: a measure, optionally by programme and category, a count and an
amount (DZD for aid; for donations, minor units of the currency named in the category).
Events that change a household's standing also change its :class:`HouseholdFact` (area,
members, band), which later events need (a merge takes away the people of the merged
household, a new score moves it between bands).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from common.contracts.events import (
    AidDecided,
    AidDisbursed,
    AidRequested,
    DonationRecorded,
    Event,
    HouseholdRegistered,
    HouseholdsMerged,
    Received,
    RegularisationOverdue,
    ScoreChanged,
    SignalClosed,
    SignalEscalated,
    SignalReported,
    UrgentAidGranted,
)
from reporting.domain.impact import ScoreMark
from reporting.domain.periods import Period

# flows: counted in the quarter the event happened
REGISTERED = "households_registered"
PEOPLE = "people_registered"
REGISTERED_BY_CATEGORY = "households_registered_by_category"  # a household once per vulnerable category
MERGED = "households_merged"
PEOPLE_MERGED = "people_merged"
ASSESSED = "households_assessed"  # first score of a household, by band
REASSESSED = "households_reassessed"
BAND = "band_moves"  # +1 into the new band, -1 out of the old: summed to date, households by band
REQUESTED = "aid_requested"
GRANTED = "aid_granted"
REFUSED = "aid_refused"
ASSISTED = "households_assisted"  # a household's first grant of the quarter under a programme
DISBURSED = "aid_disbursed"
URGENT = "urgent_aid_granted"
OVERDUE = "urgent_regularisations_overdue"
SIGNALS_REPORTED = "signals_reported"  # by category
SIGNALS_HANDLED = "signals_handled"  # closed, by category and outcome (in ``programme``)
SIGNALS_LATE = "signals_escalated_late"  # escalations of signals past their deadline
DONATIONS = "donations_recorded"  # by kind/currency (``category``), amount in minor units of that currency


@dataclass(frozen=True, slots=True)
class Delta:
    measure: str
    programme: str = ""
    category: str = ""
    count: int = 1
    amount: int = 0


@dataclass(frozen=True, slots=True)
class HouseholdFact:
    """What reporting knows of one household (never a person)."""

    household_id: str
    area: str
    members: int = 0
    band: str | None = None
    merged: bool = False
    score: float | None = None  # the last score and its model: what programme impact compares
    model_version: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One event as the log keeps it: its envelope, who produced it, and its place in the log (``seq``)."""

    event_id: str
    producer: str
    event_type: str
    version: int
    occurred_at: datetime
    received_at: datetime
    data: dict[str, Any]
    seq: int | None = None

    def envelope(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "version": self.version,
            "occurred_at": self.occurred_at,
            "data": self.data,
        }


@dataclass(frozen=True, slots=True)
class Effects:
    """Where (area, quarter) the deltas land, and the household fact as it stands after the event."""

    area: str
    quarter: str
    deltas: tuple[Delta, ...]
    household: HouseholdFact | None = None


def grant_key(event: Received[Event]) -> str | None:
    """The mark that makes a household count once per quarter and programme among the assisted."""
    data = event.data
    if isinstance(data, AidDecided) and data.decision == "grant":
        return f"{data.household_id}|{Period.of(event.occurred_at)}|{data.programme}"
    return None


def household_of(event: Received[Event]) -> str | None:
    """The household whose fact the event needs (to read or to change); aid events need none."""
    data = event.data
    if isinstance(data, HouseholdsMerged):
        return data.merged_id
    if isinstance(data, HouseholdRegistered | ScoreChanged):
        return data.household_id
    return None


def effects(event: Received[Event], known: HouseholdFact | None, first_grant: bool = False) -> Effects | None:
    """The read-model changes of ``event``; ``None`` for an event that changes no figure."""
    data = event.data
    quarter = str(Period.of(event.occurred_at))
    if isinstance(data, HouseholdRegistered):
        base = known or HouseholdFact(data.household_id, data.area)
        fact = replace(base, area=data.area, members=data.members)
        by_category = tuple(
            Delta(REGISTERED_BY_CATEGORY, category=category) for category in sorted(set(data.categories))
        )
        return Effects(data.area, quarter, (Delta(REGISTERED), Delta(PEOPLE, count=data.members), *by_category), fact)
    if isinstance(data, HouseholdsMerged):
        if known is not None and known.merged:
            return None
        members = known.members if known else 0
        deltas = [Delta(MERGED), Delta(PEOPLE_MERGED, count=members)]
        if known is not None and known.band:
            deltas.append(Delta(BAND, category=known.band, count=-1))
        fact = replace(known, merged=True) if known else HouseholdFact(data.merged_id, data.area, merged=True)
        return Effects(data.area, quarter, tuple(deltas), fact)
    if isinstance(data, ScoreChanged):
        return _scored(data, quarter, known)
    if isinstance(data, AidRequested):
        return Effects(data.area, quarter, (Delta(REQUESTED, data.programme, data.need),))
    if isinstance(data, AidDecided):
        if data.decision == "refuse":
            return Effects(data.area, quarter, (Delta(REFUSED, data.programme, data.need),))
        granted = [Delta(GRANTED, data.programme, data.need, amount=data.amount_dzd or 0)]
        if first_grant:
            granted.append(Delta(ASSISTED, data.programme, data.need))
        return Effects(data.area, quarter, tuple(granted))
    if isinstance(data, AidDisbursed):
        return Effects(data.area, quarter, (Delta(DISBURSED, data.programme, data.need, amount=data.amount_dzd or 0),))
    if isinstance(data, UrgentAidGranted):
        return Effects(data.area, quarter, (Delta(URGENT, data.programme, data.need, amount=data.amount_dzd),))
    if isinstance(data, RegularisationOverdue):
        if data.level != 1:  # one overdue regularisation, however far it escalates
            return None
        return Effects(data.area, quarter, (Delta(OVERDUE, data.programme, data.need),))
    if isinstance(data, DonationRecorded):
        category = f"{data.kind}/{data.currency}"
        return Effects(data.area, quarter, (Delta(DONATIONS, category=category, amount=data.amount_minor),))
    if isinstance(data, SignalReported):
        return Effects(data.area, quarter, (Delta(SIGNALS_REPORTED, category=data.category),))
    if isinstance(data, SignalClosed):
        return Effects(data.area, quarter, (Delta(SIGNALS_HANDLED, data.outcome, data.category),))
    if isinstance(data, SignalEscalated):
        return Effects(data.area, quarter, (Delta(SIGNALS_LATE, category=data.category),))
    return None


def _scored(data: ScoreChanged, quarter: str, known: HouseholdFact | None) -> Effects:
    old = known.band if known else data.old_band
    deltas = [Delta(ASSESSED if old is None else REASSESSED, category=data.band)]
    if known is None or not known.merged:
        if old is not None and old != data.band:
            deltas.append(Delta(BAND, category=old, count=-1))
        if old != data.band:
            deltas.append(Delta(BAND, category=data.band))
    base = known or HouseholdFact(data.household_id, data.area)
    return Effects(
        data.area,
        quarter,
        tuple(deltas),
        replace(base, band=data.band, score=data.score, model_version=data.model_version),
    )


TallyKey = tuple[str, str, str, str, str]  # area, quarter, measure, programme, category


@dataclass
class Folded:
    """A batch of events folded: deltas summed per tally of the events' own areas, households as they end."""

    tallies: dict[TallyKey, list[int]] = field(default_factory=dict)  # -> [count, amount]
    households: dict[str, HouseholdFact] = field(default_factory=dict)
    scores: dict[tuple[str, str], ScoreMark] = field(default_factory=dict)  # (household, quarter) -> the batch's marks

    def mark(self, mark: ScoreMark) -> None:
        """Add a score mark after the ones already folded (its quarter's first stays, its last moves)."""
        key = (mark.household_id, mark.quarter)
        held = self.scores.get(key)
        self.scores[key] = mark if held is None else held.then(mark)


def score_mark(event: Received[Event]) -> ScoreMark | None:
    """The score history's mark of a scoring event: the household's score in the event's quarter."""
    data = event.data
    if not isinstance(data, ScoreChanged):
        return None
    quarter = str(Period.of(event.occurred_at))
    return ScoreMark(data.household_id, quarter, data.area, data.score, data.band, data.score, data.band)


def fold(
    events: Iterable[Received[Event]], prior: Mapping[str, HouseholdFact | None], fresh_grants: set[str]
) -> Folded:
    """The changes of a batch of events, in order: each sees the households as the events before it left them.

    ``fresh_grants`` are the grant keys no earlier batch marked: the first grant of each counts among the assisted.
    """
    state = dict(prior)
    counted: set[str] = set()
    folded = Folded()
    for event in events:
        household_id = household_of(event)
        key = grant_key(event)
        first = key is not None and key in fresh_grants and key not in counted
        if first and key is not None:
            counted.add(key)
        changes = effects(event, state.get(household_id) if household_id else None, first)
        if (mark := score_mark(event)) is not None:
            folded.mark(mark)
        if changes is None:
            continue
        for delta in changes.deltas:
            tally = folded.tallies.setdefault(
                (changes.area, changes.quarter, delta.measure, delta.programme, delta.category), [0, 0]
            )
            tally[0] += delta.count
            tally[1] += delta.amount
        if changes.household is not None:
            state[changes.household.household_id] = changes.household
            folded.households[changes.household.household_id] = changes.household
    return folded


@dataclass(frozen=True, slots=True)
class LegacyHousehold:
    """A household reporting counted before it kept an event log (a fact with no batch number)."""

    household_id: str
    area: str
    members: int
    merged: bool = False
    band: str | None = None
    score: float | None = None
    model_version: str | None = None


def legacy_events(household: LegacyHousehold, now: datetime) -> list[LoggedEvent]:
    """The events that would have brought the household where it stands, so the log holds it too.

    Event ids are derived from the household's (adopting it twice adds nothing); the time is
    the one its id carries (a registry id is a MongoDB ObjectId: its first 4 bytes are the
    creation time), else ``now``.
    """
    try:
        at = (
            datetime.fromtimestamp(int(household.household_id[:8], 16), tz=now.tzinfo)
            if len(household.household_id) == 24
            else now
        )
    except ValueError:
        at = now
    base: dict[str, Any] = {"household_id": household.household_id, "area": household.area}
    events: list[tuple[str, str, str, dict[str, Any]]] = [
        ("registered", HouseholdRegistered.event_type, "registry", {**base, "members": household.members})
    ]
    if household.band is not None and household.score is not None:
        scored = {
            **base,
            "band": household.band,
            "score": household.score,
            "model_version": household.model_version or "",
        }
        events.append(("scored", ScoreChanged.event_type, "registry", scored))
    if household.merged:
        merged = {"survivor_id": "", "merged_id": household.household_id, "area": household.area}
        events.append(("merged", HouseholdsMerged.event_type, "registry", merged))
    return [
        LoggedEvent(f"legacy-{step}-{household.household_id}", producer, event_type, 1, at, now, data)
        for step, event_type, producer, data in events
    ]
