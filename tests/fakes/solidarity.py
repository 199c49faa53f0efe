"""In-memory fakes of the solidarity ports: dicts by id, filtered with the domain's own questions (Scope.contains,
Campaign.reached_by), never a re-implementation of Mongo matching."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from common.clock import now
from common.contracts.events import Event
from common.errors import IdempotencyKeyReused
from common.idempotency import KeyedRequest
from common.refusals import conflict
from common.scope import Scope
from solidarity.domain.campaigns import Campaign, Totals, totals_of
from solidarity.domain.donors import Donor
from solidarity.domain.gifts import Gift
from solidarity.domain.pledges import Pledge

_ids = itertools.count(1)


def new_id() -> str:
    return f"{next(_ids):024x}"


class Keyed:
    """Records by id, and which key (with its fingerprint) created which."""

    def __init__(self) -> None:
        self.by_id: dict[str, Any] = {}
        self.keys: dict[str, tuple[str, str]] = {}  # scoped key -> (fingerprint, id)

    def new_id(self) -> str:
        return new_id()

    def once(self, record: Any, key: KeyedRequest) -> tuple[Any, bool]:
        held = self.keys.get(key.scoped)
        if held is not None:
            if held[0] != key.fingerprint:
                raise IdempotencyKeyReused("this idempotency key was already used for another request")
            return self.by_id[held[1]], False
        self.keys[key.scoped] = (key.fingerprint, record.id)
        self.by_id[record.id] = record
        return record, True


class FakeCampaigns(Keyed):
    def create(self, campaign: Campaign, key: KeyedRequest, user_id: str) -> Campaign:
        return self.once(campaign, key)[0]  # type: ignore[no-any-return]

    def get(self, campaign_id: str) -> Campaign | None:
        return self.by_id.get(campaign_id)  # type: ignore[no-any-return]

    def reaching(self, scope: Scope, states: Iterable[str] | None = None) -> list[Campaign]:
        return [c for c in self.by_id.values() if c.reached_by(scope) and (states is None or c.state in states)]

    def move(self, campaign: Campaign, to: Campaign) -> Campaign | None:
        if self.by_id[campaign.id].state != campaign.state:
            return None
        self.by_id[campaign.id] = to
        return to


class FakeTotals:
    """Totals recomputed from the gifts each time, so a test compares the counter's moves with the truth."""

    def __init__(self) -> None:
        self.counted: dict[str, list[Gift]] = {}
        self.events: list[Event] = []
        self.moves: set[tuple[str, int]] = set()  # the guard: each gift's move applied once

    def add(self, campaign: Campaign, gift: Gift, sign: int) -> Totals | None:
        if (gift.id, sign) in self.moves:
            return None
        self.moves.add((gift.id, sign))
        mine = self.counted.setdefault(campaign.id, [])
        if sign > 0:
            mine.append(gift)
        else:
            mine.remove(next(g for g in mine if g.id == gift.id))
        return self.of(campaign.id)

    def of(self, campaign_id: str) -> Totals:
        return totals_of(self.counted.get(campaign_id, []))

    def announce(self, campaign_id: str, event: Event) -> None:
        self.events.append(event)


class FakeDonors(Keyed):
    def create(self, donor: Donor, key: KeyedRequest, user_id: str) -> Donor:
        if (
            donor.user_id
            and any(d.user_id == donor.user_id for d in self.by_id.values())
            and key.scoped not in self.keys
        ):
            raise conflict("donor_exists", "this user already has a donor record")
        return self.once(donor, key)[0]  # type: ignore[no-any-return]

    def get(self, donor_id: str) -> Donor | None:
        return self.by_id.get(donor_id)  # type: ignore[no-any-return]

    def of_user(self, user_id: str) -> Donor | None:
        return next((d for d in self.by_id.values() if d.user_id == user_id), None)

    def update(self, donor: Donor) -> Donor:
        self.by_id[donor.id] = donor
        return donor

    def within(self, scope: Scope, limit: int) -> list[Donor]:
        return [d for d in self.by_id.values() if scope.contains(d.area)][:limit]

    def count_within(self, scope: Scope) -> int:
        return len(self.within(scope, 10**9))


class FakeGifts(Keyed):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []
        self.credited: dict[str, str] = {}
        self.unsettled_moves: dict[str, tuple[int, datetime]] = {}

    def create(
        self, gift: Gift, key: KeyedRequest, user_id: str, events: list[Event], settle: int = 0
    ) -> tuple[Gift, bool]:
        stored, created = self.once(gift, key)
        if created:
            self.events += events
            if settle:
                self.unsettled_moves[stored.id] = (settle, now())
        return stored, created

    def get(self, gift_id: str) -> Gift | None:
        return self.by_id.get(gift_id)  # type: ignore[no-any-return]

    def _matching(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None) -> list[Gift]:
        return [
            g
            for g in reversed(list(self.by_id.values()))
            if (scope is None or scope.contains(g.area))
            and donor_id in (None, g.donor_id)
            and campaign_id in (None, g.campaign_id)
        ]

    def find(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None, limit: int) -> list[Gift]:
        return self._matching(scope, donor_id, campaign_id)[:limit]

    def count(self, scope: Scope | None, donor_id: str | None, campaign_id: str | None) -> int:
        return len(self._matching(scope, donor_id, campaign_id))

    def move(self, gift: Gift, to: Gift, settle: int = 0) -> Gift | None:
        if self.by_id[gift.id].state != gift.state:
            return None
        self.by_id[gift.id] = replace(
            self.by_id[gift.id], state=to.state, reason=to.reason, receipt_number=to.receipt_number
        )
        if settle:
            self.unsettled_moves[gift.id] = (settle, now())
        return self.by_id[gift.id]  # type: ignore[no-any-return]

    def unsettled_sign(self, gift_id: str) -> int:
        return self.unsettled_moves.get(gift_id, (0, now()))[0]

    def settled(self, gift_id: str, sign: int) -> None:
        if self.unsettled_sign(gift_id) == sign:
            del self.unsettled_moves[gift_id]

    def unsettled(self, since_before: datetime, limit: int) -> list[tuple[Gift, int]]:
        old = sorted((since, gift_id, sign) for gift_id, (sign, since) in self.unsettled_moves.items())
        return [(self.by_id[gift_id], sign) for since, gift_id, sign in old if since < since_before][:limit]

    def renumber(self, gift_id: str, number: str, to: str) -> bool:
        gift = self.by_id.get(gift_id)
        if gift is None or gift.state != "receipted" or gift.receipt_number != number:
            return False
        self.by_id[gift_id] = replace(gift, receipt_number=to)
        return True

    def by_key(self, key: KeyedRequest) -> Gift | None:
        held = self.keys.get(key.scoped)
        return self.by_id[held[1]] if held and held[0] == key.fingerprint else None

    def awaiting_credit(self, scope: Scope, references: Iterable[str]) -> list[Gift]:
        wanted = {r.upper() for r in references}
        return [
            g
            for g in self.by_id.values()
            if scope.contains(g.area)
            and g.standing
            and g.cash is not None
            and g.cash.channel != "counter"
            and (g.cash.reference or "").upper() in wanted
            and g.id not in self.credited
        ]

    def confirm_credit(self, gift_id: str, line_key: str) -> bool:
        if gift_id in self.credited:
            return False
        self.credited[gift_id] = line_key
        return True


class FakePledges(Keyed):
    def __init__(self) -> None:
        super().__init__()
        self.versions: dict[str, int] = {}
        self.applied: dict[str, set[str]] = {}
        self.events: list[Event] = []

    def create(self, pledge: Pledge, key: KeyedRequest, user_id: str) -> Pledge:
        stored, created = self.once(pledge, key)
        if created:
            self.versions[pledge.id], self.applied[pledge.id] = 1, set()
        return stored  # type: ignore[no-any-return]

    def get(self, pledge_id: str) -> tuple[Pledge, int] | None:
        found = self.by_id.get(pledge_id)
        return (found, self.versions[pledge_id]) if found else None

    def _matching(self, scope: Scope | None, donor_id: str | None) -> list[Pledge]:
        return [
            p
            for p in reversed(list(self.by_id.values()))
            if (scope is None or scope.contains(p.area)) and donor_id in (None, p.donor_id)
        ]

    def find(self, scope: Scope | None, donor_id: str | None, limit: int) -> list[Pledge]:
        return self._matching(scope, donor_id)[:limit]

    def count(self, scope: Scope | None, donor_id: str | None) -> int:
        return len(self._matching(scope, donor_id))

    def save(self, pledge: Pledge, version: int, applied: str | None, events: list[Event]) -> bool:
        if self.versions[pledge.id] != version or applied in self.applied[pledge.id]:
            return False
        self.by_id[pledge.id] = pledge
        self.versions[pledge.id] += 1
        if applied is not None:
            self.applied[pledge.id].add(applied)
        self.events += events
        return True

    def is_applied(self, pledge_id: str, applied: str) -> bool:
        return applied in self.applied.get(pledge_id, set())

    def due_by(self, day: date) -> list[tuple[Pledge, int]]:
        return [
            (p, self.versions[p.id])
            for p in self.by_id.values()
            if p.state == "active" and any(i.outstanding and i.due_on <= day for i in p.instalments)
        ]

    def by_reference(self, scope: Scope, references: Iterable[str]) -> list[Pledge]:
        wanted = {r.upper() for r in references}
        return [
            p for p in self.by_id.values() if scope.contains(p.area) and p.state == "active" and p.reference in wanted
        ]


class FakeStatementImports:
    def __init__(self) -> None:
        self.lines: dict[str, tuple[str, bool]] = {}  # area|key -> (held for user, applied)
        self.reports: dict[str, tuple[str, dict[str, Any]]] = {}

    def new_id(self) -> str:
        return new_id()

    def seen(self, area: str, keys: Iterable[str]) -> set[str]:
        return {key for key in keys if self.lines.get(f"{area}|{key}", ("", False))[1]}

    def take(self, area: str, key: str, import_id: str, user_id: str) -> str | None:
        holder, done = self.lines.setdefault(f"{area}|{key}", (user_id, False))
        return None if done else holder

    def done(self, area: str, key: str) -> None:
        self.lines[f"{area}|{key}"] = (self.lines[f"{area}|{key}"][0], True)

    def save_report(self, report: dict[str, Any], key: KeyedRequest, user_id: str) -> dict[str, Any]:
        self.reports.setdefault(key.scoped, (key.fingerprint, report))
        return self.reports[key.scoped][1]

    def report_by_key(self, key: KeyedRequest) -> dict[str, Any] | None:
        held = self.reports.get(key.scoped)
        if held is None:
            return None
        key.ensure_same(held[0])
        return held[1]
