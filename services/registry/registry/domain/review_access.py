"""What a caller may see and decide of a duplicate review.

A review pairs two households, ``held`` (registered later) and ``existing``. Each side
is in an area; a caller reads the side inside its own area and nothing of the other:
that side shows as ``{"outside_area": true}``, without id, area or member. Deciding
needs both sides inside the caller's area (the wilaya for two communes of one wilaya,
the national level for two wilayas): a review with one side outside is a *cross-area
review* (403 ``cross_area_review``); one with no side inside does not exist (404).
"""

from __future__ import annotations

from typing import Any, Literal

from common import areas
from common.errors import Conflict, CrossAreaReview, Forbidden, NotFound

Side = Literal["held", "existing"]
SIDES: tuple[Side, Side] = ("held", "existing")
OUTSIDE_AREA: dict[str, Any] = {"outside_area": True}

CROSS_AREA_FR = (
    "Ce dossier de doublon concerne un ménage hors de votre territoire : "
    "seul le niveau qui couvre les deux ménages (la wilaya, ou le ministère entre deux wilayas) le tranche."
)
CROSS_AREA_AR = (
    "يخص ملف التكرار هذا أسرة خارج نطاقكم: "
    "لا يفصل فيه إلا المستوى الذي يشمل الأسرتين (الولاية، أو الوزارة بين ولايتين)."
)


def sides_within(caller_area: str, review: dict[str, Any]) -> dict[Side, bool]:
    """For each side: is its household inside the caller's area."""
    return {side: areas.contains(caller_area, review[f"{side}_area"]) for side in SIDES}


def readable(caller_area: str, review: dict[str, Any]) -> bool:
    """A caller reads a review when at least one of its households is inside its area."""
    return any(sides_within(caller_area, review).values())


def require_decidable(caller_area: str, review: dict[str, Any] | None) -> dict[str, Any]:
    """The review if the caller's area holds both households; 404 if neither, 403 if only one."""
    if review is None or not readable(caller_area, review):
        raise NotFound("review not found")
    if not all(sides_within(caller_area, review).values()):
        raise CrossAreaReview(
            "this review spans two areas: only the level covering both decides it",
            {"message_fr": CROSS_AREA_FR, "message_ar": CROSS_AREA_AR},
        )
    return review


def members_of_pair(review: dict[str, Any]) -> dict[str, int]:
    """Household id -> index of its member in the strongest pair (``member_pair`` is ``<id>:<index>``)."""
    found: dict[str, int] = {}
    for member in review.get("member_pair") or ():
        household_id, _, index = str(member).rpartition(":")
        if index.isdigit():
            found[household_id] = int(index)
    return found


def review_for(caller_area: str, review: dict[str, Any]) -> dict[str, Any]:
    """The review as this caller may read it: the side outside its area reduced to a placeholder."""
    within = sides_within(caller_area, review)
    members = members_of_pair(review)
    shown: dict[str, Any] = {
        key: review.get(key)
        for key in (
            "id",
            "status",
            "decision_hint",
            "score",
            "agreeing",
            "disagreeing",
            "withheld",
            "opened_at",
            "decided_by",
            "decided_at",
        )
    }
    for side in SIDES:
        household_id = review[side]
        shown[side] = (
            {"household_id": household_id, "area": review[f"{side}_area"], "member": members.get(household_id)}
            if within[side]
            else dict(OUTSIDE_AREA)
        )
    return shown


def require_not_maker(held: dict[str, Any], user_id: str) -> None:
    """Maker-checker: nobody decides on a household they registered themselves."""
    if held.get("created_by") == user_id:
        raise Forbidden("you cannot decide on a household you registered")


def finish_or_conflict(review: dict[str, Any], decision: str, held: dict[str, Any]) -> dict[str, Any]:
    """A review found decided already: a ``same`` whose merge a failure interrupted is finished, else Conflict."""
    if not (review["status"] == decision == "same" and held["status"] != "merged"):
        raise Conflict("this review was already decided", {"status": review["status"]})
    return review
