"""What the aid request entrypoints share: programme and facts look-ups, the double-aid check, steps."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from assistance.base import AssistanceBase
from assistance.entrypoints.programmes import offered_to
from assistance.requests import double_aid
from assistance.requests.cover import cover_keys
from assistance.requests.engine import Decide, fetch_facts, run_step
from assistance.requests.store import public
from common import areas, policy
from common.context import CallerContext
from common.contracts.facts import HouseholdFacts
from common.errors import Conflict, NotFound, ValidationFailed
from common.idempotency import keyed

log = logging.getLogger(__name__)

FACTS_SNAPSHOT = (
    "as_of",
    "status",
    "members_count",
    "categories",
    "score",
    "band",
    "score_model",
    "assessed",
    "monthly_income_dzd",
    "income_per_member_dzd",
    "tenure",
)


def snapshot(facts: HouseholdFacts) -> dict[str, Any]:
    """The facts a diagnosis or a check was made on (no members: only what explains it)."""
    return facts.model_dump(mode="json", include=set(FACTS_SNAPSHOT))


def need_of(programme: dict[str, Any]) -> str:
    """A programme without a declared need is a need of its own."""
    return str(programme.get("need") or programme["code"])


def event_data(doc: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What every aid event says: ids, area and programme; never a person."""
    return {
        "request_id": str(doc["_id"]),
        "household_id": doc["household_id"],
        "area": doc["area"],
        "programme": doc["programme"],
        "need": doc["need"],
        "urgent": bool(doc.get("urgent")),
        **extra,
    }


class AidSupport(AssistanceBase):
    def _facts(self, household_id: str) -> HouseholdFacts:
        return fetch_facts(self.registry, household_id, self.aid_settings.registry_timeout_seconds)

    def _programme(self, code: str, area: str, caller: CallerContext | None = None) -> dict[str, Any]:
        """An active programme offered in ``area`` (published there or above).

        One the ``caller`` may not see (published only in another area) is not found, as a
        missing one: a 422 "not offered here" would confirm it exists elsewhere.
        """
        programme = self.programmes.get(code)
        hidden = caller is not None and programme is not None and not offered_to(programme, caller.area)
        if programme is None or hidden or not programme.get("active", True):
            raise NotFound("programme not found", {"programme": code})
        if not areas.contains(programme["area"], area):
            raise ValidationFailed("this programme is not offered in this area", {"programme": code, "area": area})
        return programme

    def _household(self, household_id: str, area: str) -> HouseholdFacts:
        """The household's facts, checked to lie inside ``area``."""
        facts = self._facts(household_id)
        if not areas.contains(area, facts.area):
            raise ValidationFailed("the household is not in this area", {"area": area})
        return facts

    def _double_aid(
        self, request_id: str, household_id: str, facts: HouseholdFacts, need: str, period: str
    ) -> double_aid.Verdict:
        """Grants of ``need`` overlapping ``period`` to this household or related ones, in every wilaya."""
        own = {household_id, facts.household_id}
        grants = self.aid_requests.grants(own | set(facts.related_households), need)
        found = self._named_here(double_aid.findings(grants, period, own, request_id), facts.area)
        return double_aid.judge(found, self.aid_settings.double_aid_policy(need))

    def _named_here(self, found: list[dict[str, Any]], area: str) -> list[dict[str, Any]]:
        """The findings with a programme offered only elsewhere unnamed (no ``programme``): need and period tell enough.

        A related household may be helped in another wilaya by a programme of its own area;
        naming it would tell this area of a programme it cannot even read.
        """

        def offered(code: str) -> bool:
            programme = self.programmes.get(code)
            return programme is not None and offered_to(programme, area)

        named = [f if offered(f["programme"]) else {k: v for k, v in f.items() if k != "programme"} for f in found]
        return [dict(items) for items in dict.fromkeys(tuple(f.items()) for f in named)]

    def _claim_cover(self, request_id: str, household_id: str, facts: HouseholdFacts, need: str, period: str) -> None:
        """Claim ``need`` over ``period`` for the household and its related ones (``requests.cover``).

        Raises Conflict ``double_aid`` when another request holds part of it, found as a
        grant would be (programme, need, period, related or not), and nothing stays claimed.
        """
        own = {household_id, facts.household_id}
        keys = cover_keys(need, own | set(facts.related_households), period)
        others = self.cover.claim(request_id, keys)
        if not others:
            return
        holders = [doc for other in others if (doc := self.aid_requests.get(other))]
        clashing = [
            {
                "id": str(doc["_id"]),
                "household_id": doc["household_id"],
                "programme": doc["programme"],
                "need": doc["need"],
                "period": (doc.get("decision") or doc.get("proposal") or {}).get("period", period),
            }
            for doc in holders
        ]
        found = self._named_here(double_aid.findings(clashing, period, own, request_id), facts.area)
        raise Conflict(
            "this need is already covered for an overlapping period", {"reason": "double_aid", "findings": found}
        )

    def _step(
        self, caller: CallerContext, request_id: str, step: str, key: str, decide: Decide, body: Any = None
    ) -> tuple[dict[str, Any], bool]:
        """Run ``step`` once per caller's ``key``; the key's fingerprint is the step, the request and ``body``."""

        def visible(doc: dict[str, Any]) -> None:
            policy.visible(caller, doc["area"], "aid request")

        if not isinstance(request_id, str):
            raise NotFound("aid request not found")
        request = keyed(caller.user_id, key, step, request_id, body)
        return run_step(self.aid_requests, request_id, step, request, caller.user_id, decide, visible)

    def _visible_request(self, caller: CallerContext, request_id: str) -> dict[str, Any]:
        doc = self.aid_requests.get(request_id) if isinstance(request_id, str) else None
        if doc is None:
            raise NotFound("aid request not found")
        policy.visible(caller, doc["area"], "aid request")
        return doc

    @staticmethod
    def _answer(doc: dict[str, Any]) -> dict[str, Any]:
        return public(doc)

    def _spend(self, request_id: str) -> None:
        """The request's commitment becomes spending (idempotent)."""
        try:
            self.programmes.spend(request_id)
        except Conflict:
            log.warning("paid aid held no budget commitment", extra={"request_id": request_id})

    def _release(self, request_id: str) -> None:
        """Give back what the request held for its grant: the budget commitment and the cover claims."""
        self.programmes.release(request_id)
        self.cover.release(request_id)

    def _release_unless_granted(self, request_id: str, granted: Callable[[dict[str, Any]], bool]) -> None:
        """Give the budget and the cover back if the request, as stored now, holds no grant."""
        doc = self.aid_requests.get(request_id)
        if doc is not None and not granted(doc):
            self._release(request_id)
